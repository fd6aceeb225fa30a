/**
 * A peer cut off silently (no FIN, no RST: its link simply stops carrying packets) is found by the kernel's TCP
 * keep-alive probes, on both ends of an idle connection, without a liveness ping. Liveness pings are set to every
 * 10 minutes here, so only the keep-alive (TCP_KEEP_ALIVE_IDLE_MS: 10 s idle, then 10 probes a second apart) can
 * close the connections within the test's 40 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually } from '../helpers/process-nodes.js'
import { NetnsSwarm, netnsUnavailable, nsHttp, type NsNode } from '../helpers/netns.js'

/** 20 s expected (10 s idle and 10 probes), with room for a loaded machine. */
const FOUND_WITHIN_MS = 40_000

const skip = netnsUnavailable()

async function peersOf (n: NsNode): Promise<string[]> {
  return (await nsHttp(n, '/peers')).body.peers.map((p: { id: string }) => p.id)
}

describe.skipIf(skip != null)(`TCP keep-alive finds a silent peer${skip != null ? ` (skipped: ${skip})` : ''}`, () => {
  const swarm = new NetnsSwarm(2)
  let a: NsNode
  let b: NsNode

  beforeAll(async () => {
    await swarm.setUp()
    ;[a, b] = swarm.nodes
    for (const n of swarm.nodes) n.args.push('--ping-interval', '600000')
    swarm.start(a)
    await swarm.waitReady(a)
    swarm.start(b)
    await swarm.waitReady(b)
    expect(await eventually(async () => (await peersOf(a)).includes(b.peerId!) && (await peersOf(b)).includes(a.peerId!), 30_000, 250)).toBe(true)
  }, 120_000)

  afterAll(async () => {
    await swarm.stop()
  }, 60_000)

  it(`closes the connection on both ends within ${FOUND_WITHIN_MS / 1000} s of a silent cut`, async () => {
    swarm.cut([b])
    const cutAt = Date.now()
    const found: Record<string, number | undefined> = {}
    const gone = async (n: NsNode, other: NsNode): Promise<void> => {
      if (await eventually(async () => !(await peersOf(n)).includes(other.peerId!), FOUND_WITHIN_MS, 250)) found[n.index] = Date.now() - cutAt
    }
    await Promise.all([gone(a, b), gone(b, a)])
    console.log(`keep-alive: connection closed ${found[a.index] ?? 'never'} ms after the cut at node ${a.index}, ${found[b.index] ?? 'never'} ms at node ${b.index}`)
    expect(found[a.index]).toBeDefined()
    expect(found[b.index]).toBeDefined()
  }, 120_000)
})
