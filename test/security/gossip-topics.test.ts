/**
 * Gossipsub state for topics this node never joined (issue 20, finding 3): a peer publishing valid signed
 * messages on topics the node is not subscribed to, with names of 200 KB, or of many different names. The node
 * keeps scoring statistics only for its own topics, drops names over `TOPIC_MAX_BYTES`, and what it holds
 * afterwards stays within a few MiB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TOPIC_MAX_BYTES } from '../../src/node/constants.js'
import type { GossipdNode } from '../../src/index.js'
import { TestNodes, waitFor } from '../helpers/nodes.js'
import { heldBytes, MiB } from '../helpers/memory.js'
import { createRawPeer, type RawPeer } from '../helpers/raw-peer.js'

const HOME = 'home'

/** Gossipsub internals read or steered here (private in its type declarations). */
interface GossipInternals {
  topics: Map<string, Set<string>>
  score: { peerStats: Map<string, { topics: Record<string, unknown> }> }
  mcache: { msgs: Map<string, unknown> }
}
const internals = (pubsub: unknown): GossipInternals => pubsub as GossipInternals

describe('gossipsub topics this node never joined', () => {
  const nodes = new TestNodes()
  let victim: GossipdNode
  let raw: RawPeer

  beforeAll(async () => {
    victim = await nodes.add({ minConnections: 0 })
    victim.topics.subscribe(HOME)
    raw = await createRawPeer({ gossipsub: { globalSignaturePolicy: 'StrictSign', emitSelf: false } })
    await raw.dial(victim.libp2p.getMultiaddrs()[0])
    raw.services.pubsub!.subscribe(HOME)
    await waitFor(() => raw.services.pubsub!.getSubscribers(HOME).some(p => p.equals(victim.peerId)), 10_000, 'raw peer sees the victim in the home topic')
  })

  afterAll(async () => {
    await raw?.stop()
    await nodes.cleanup()
  })

  /**
   * Publish a signed message from the raw peer on `topic` straight to the victim: the raw peer is told the victim
   * subscribes to it (it does not), so its flood publish sends it there, then forgets the topic again.
   */
  async function publishTo (topic: string, data: Uint8Array): Promise<void> {
    const pubsub = raw.services.pubsub!
    const peers = internals(pubsub).topics
    peers.set(topic, new Set([victim.peerId.toString()]))
    try {
      await pubsub.publish(topic, data)
    } finally {
      peers.delete(topic)
    }
  }

  /** Wait out both ends' message caches (the raw peer runs in this process too), then measure. */
  async function settled (): Promise<number> {
    await waitFor(() => internals(raw.services.pubsub).mcache.msgs.size === 0, 20_000, 'raw peer message cache emptied')
    await new Promise(resolve => setTimeout(resolve, 12 * 700))
    return heldBytes()
  }

  it('keeps no scoring statistics for 300 topics it never joined, and keeps them for its own', async () => {
    const stats = (): Record<string, unknown> | undefined => internals(victim.libp2p.services.pubsub).score.peerStats.get(raw.peerId.toString())?.topics
    for (let i = 0; i < 300; i++) await publishTo(`${i}-`.padEnd(1000, 'x'), new TextEncoder().encode(`m${i}`))
    await publishTo(HOME, new TextEncoder().encode('at home'))
    // sent after the others on the same stream: once it is stored, the others were taken in
    await waitFor(() => victim.topics.history(HOME, { limit: 10 }).some(m => new TextDecoder().decode(m.data) === 'at home'), 10_000, 'the home message')
    await new Promise(resolve => setTimeout(resolve, 500))
    expect(Object.keys(stats() ?? {})).toEqual([HOME])
  }, 60_000)

  it('holds no more than a few MiB after 300 signed messages on unsubscribed topics with 200 KB names', async () => {
    const before = await settled()
    for (let i = 0; i < 300; i++) await publishTo(`${i}-`.padEnd(200 * 1024, 'y'), new TextEncoder().encode(`big ${i}`))
    const grown = await settled() - before
    expect(grown).toBeLessThan(6 * MiB)
  }, 120_000)

  it('refuses to subscribe or publish to a topic name over the limit', async () => {
    const long = 'z'.repeat(TOPIC_MAX_BYTES + 1)
    expect(() => victim.topics.subscribe(long)).toThrow(expect.objectContaining({ name: 'InvalidRequestError' }))
    await expect(victim.topics.publish(long, new Uint8Array(1))).rejects.toMatchObject({ name: 'InvalidRequestError' })
    // a name that fits in characters but not in bytes (4 bytes each in UTF-8)
    expect(() => victim.topics.subscribe('😀'.repeat(TOPIC_MAX_BYTES / 4 + 1))).toThrow(expect.objectContaining({ name: 'InvalidRequestError' }))
    expect(victim.topics.subscribe('😀'.repeat(TOPIC_MAX_BYTES / 4)).topic).toBe('😀'.repeat(TOPIC_MAX_BYTES / 4))
  })
})
