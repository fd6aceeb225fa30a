/**
 * IDONTWANT is sent only for large messages (GOSSIPSUB_IDONTWANT_MIN_BYTES, src/constants.ts). Between fully
 * connected nodes every receiver of a large message tells its mesh peers it has it; a small message costs no
 * such frame. Counted on the receiving side: the RPCs carrying IDONTWANT that arrive over the wire (gossipsub
 * handles each with one `handleIdontwant` call).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { GOSSIPSUB_IDONTWANT_MIN_BYTES } from '../../src/node/constants.js'
import { startFullMesh, stopNode, waitFor, type TestNode } from './helpers.js'

const TOPIC = 'idontwant'

describe('IDONTWANT between four fully connected nodes', () => {
  const nodes: TestNode[] = []
  let received: Array<ReturnType<typeof vi.spyOn>>

  beforeAll(async () => {
    nodes.push(...await startFullMesh(4, TOPIC))
    received = nodes.map(n => vi.spyOn(n.node.libp2p.services.pubsub as any, 'handleIdontwant'))
  })

  afterAll(async () => {
    vi.restoreAllMocks()
    await Promise.all(nodes.map(async n => stopNode(n)))
  })

  const idontwantRpcs = (): number => received.reduce((sum, spy) => sum + spy.mock.calls.length, 0)

  async function publishAndWait (count: number, bytes: number, from: number): Promise<void> {
    const before = nodes.map(n => n.node.topics.history(TOPIC, { limit: 1_000 }).length)
    for (let i = 0; i < count; i++) await nodes[0].node.topics.publish(TOPIC, new Uint8Array(bytes).fill(from + i))
    await waitFor(() => nodes.slice(1).every((n, i) => n.node.topics.history(TOPIC, { limit: 1_000 }).length === before[i + 1] + count), 'every message at every receiver')
    // let control frames still in flight arrive
    await new Promise(resolve => setTimeout(resolve, 1_000))
  }

  it('sends none for messages under the threshold', async () => {
    await publishAndWait(10, 1024, 0)
    expect(idontwantRpcs()).toBe(0)
  })

  it('sends them for messages at the threshold and above', async () => {
    await publishAndWait(5, GOSSIPSUB_IDONTWANT_MIN_BYTES, 100)
    // each of the three receivers tells its two other mesh peers, for most of the five messages
    expect(idontwantRpcs()).toBeGreaterThan(5)
  })
})
