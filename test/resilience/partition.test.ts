/**
 * Partition: 8 nodes, one per network namespace, on one bridge. The bridge is cut in two halves, both halves
 * publish, then the cut heals: meshes re-form and delivery is back to 100% within 10 s; direct messages queued
 * across the cut are delivered after the heal, exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, sleep } from '../helpers/process-nodes.js'
import { NetnsSwarm, netnsUnavailable, nsHttp, type NsNode } from '../helpers/netns.js'

const NODES = 8
const TOPIC = 'partition'
/**
 * Long enough that the connections across the cut drop: liveness pings a peer it sends to and hears nothing from
 * (2 missed pings, at most 30 s), and TCP keep-alive finds an idle connection (about 20 s).
 */
const CUT_MS = 40_000
const RECOVERY_MS = 10_000

const skip = netnsUnavailable()

describe.skipIf(skip != null)(`partition of ${NODES} nodes in network namespaces${skip != null ? ` (skipped: ${skip})` : ''}`, () => {
  const swarm = new NetnsSwarm(NODES)
  let halfA: NsNode[]
  let halfB: NsNode[]

  beforeAll(async () => {
    await swarm.setUp()
    swarm.start(swarm.nodes[0])
    await swarm.waitReady(swarm.nodes[0])
    for (const n of swarm.nodes.slice(1)) swarm.start(n)
    await Promise.all(swarm.nodes.slice(1).map(async n => swarm.waitReady(n)))
    halfA = swarm.nodes.slice(0, NODES / 2)
    halfB = swarm.nodes.slice(NODES / 2)
    for (const n of swarm.nodes) expect((await nsHttp(n, `/topics/${TOPIC}`, { method: 'PUT' })).status).toBe(200)
    const meshed = await eventually(async () => {
      const subs = await Promise.all(swarm.nodes.map(async n => (await nsHttp(n, `/topics/${TOPIC}/peers`)).body.subscribers.length as number))
      return subs.every(s => s === NODES - 1)
    }, 60_000, 500)
    expect(meshed).toBe(true)
  }, 180_000)

  afterAll(async () => {
    await swarm.stop()
  }, 60_000)

  async function publish (n: NsNode, text: string): Promise<{ id: string, at: number } | undefined> {
    const at = Date.now()
    const res = await nsHttp(n, `/topics/${TOPIC}/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: text })
    return res.status === 200 ? { id: res.body.id, at } : undefined
  }

  /** Each node's history: message id -> when the node stored it. */
  async function histories (): Promise<Map<number, Map<string, number>>> {
    const out = new Map<number, Map<string, number>>()
    for (const n of swarm.nodes) {
      const messages = (await nsHttp(n, `/topics/${TOPIC}/messages?limit=1000`)).body.messages as Array<{ id: string, receivedAt: number }>
      out.set(n.index, new Map(messages.map(m => [m.id, m.receivedAt])))
    }
    return out
  }

  /** Every node knows every other node as a subscriber of the topic again. */
  async function meshesReformed (): Promise<boolean> {
    const subs = await Promise.all(swarm.nodes.map(async n => (await nsHttp(n, `/topics/${TOPIC}/peers`)).body.subscribers.length as number))
    return subs.every(x => x === NODES - 1)
  }

  it(`re-forms meshes and delivers to every node within ${RECOVERY_MS / 1000} s of the heal; queued direct messages arrive once`, async () => {
    swarm.cut(halfB)
    const cutAt = Date.now()
    // both sides publish, and direct messages are sent across the cut
    const during: Array<{ id: string, side: 'A' | 'B' }> = []
    const dms: Array<{ from: NsNode, to: NsNode, id: string }> = []
    const sends = halfA.slice(0, 2).map(async (from, i) => {
      const to = halfB[i]
      const res = await nsHttp(from, '/direct', { method: 'POST', json: { to: to.peerId, data: `across the cut ${i}` } })
      expect(res.status).toBe(202)
      dms.push({ from, to, id: res.body.id })
    })
    while (Date.now() - cutAt < CUT_MS) {
      for (const [side, half] of [['A', halfA], ['B', halfB]] as const) {
        const p = await publish(half[Math.floor(Math.random() * half.length)], `during ${side}`)
        if (p != null) during.push({ id: p.id, side })
      }
      await sleep(1_000)
    }
    await Promise.all(sends)
    // within each half, messages published during the cut reached the whole half
    const cutHistories = await histories()
    for (const m of during) {
      for (const n of m.side === 'A' ? halfA : halfB) expect(cutHistories.get(n.index)!.has(m.id), `${m.side} message at node ${n.index}`).toBe(true)
    }
    const peersDuringCut = (await nsHttp(halfA[0], '/peers')).body.peers.map((p: { id: string }) => p.id) as string[]
    console.log(`partition: cut for ${CUT_MS} ms; ${during.length} messages published on both sides; node 1 still connected across: ${halfB.filter(n => peersDuringCut.includes(n.peerId!)).length}`)

    swarm.heal(halfB)
    const healAt = Date.now()
    const after: Array<{ id: string, at: number }> = []
    let reformedInMs = Infinity
    while (Date.now() - healAt < RECOVERY_MS + 10_000) {
      const p = await publish(swarm.nodes[Math.floor(Math.random() * NODES)], 'after heal')
      if (p != null) after.push(p)
      if (reformedInMs === Infinity && await meshesReformed()) reformedInMs = Date.now() - healAt
      await sleep(500)
    }
    await sleep(5_000)
    const healed = await histories()
    // delivered: stored by every node, each within 5 s of the publish
    const complete = (id: string): boolean => {
      const at = after.find(m => m.id === id)!.at
      return swarm.nodes.every(n => { const r = healed.get(n.index)!.get(id); return r != null && r - at <= 5_000 })
    }
    console.log(`partition: every node saw every other subscriber again ${reformedInMs} ms after the heal`)
    expect(reformedInMs).toBeLessThanOrEqual(RECOVERY_MS)
    // recovery: the first message from which every message reached every node
    let firstGood = after.length
    for (let i = after.length - 1; i >= 0 && complete(after[i].id); i--) firstGood = i
    const recoveredInMs = firstGood < after.length ? after[firstGood].at - healAt : Infinity
    console.log(`partition: healed; delivery (every node within 5 s) back to 100% ${recoveredInMs} ms after the heal (${after.length - firstGood}/${after.length} messages from then on complete)`)
    expect(recoveredInMs).toBeLessThanOrEqual(RECOVERY_MS)

    // the direct messages queued across the cut arrive after the heal, exactly once
    for (const dm of dms) {
      const delivered = await eventually(async () => (await nsHttp(dm.from, '/direct/outbox?status=delivered')).body.messages.some((m: { id: string }) => m.id === dm.id), 60_000, 500)
      expect(delivered, `dm ${dm.id}`).toBe(true)
      const inbox = (await nsHttp(dm.to, '/direct/inbox?limit=1000')).body.messages as Array<{ id: string, receivedAt: number }>
      const copies = inbox.filter(m => m.id === dm.id)
      expect(copies).toHaveLength(1)
      expect(copies[0].receivedAt).toBeGreaterThanOrEqual(healAt)
    }
    const dmDelays = await Promise.all(dms.map(async dm => {
      const m = ((await nsHttp(dm.to, '/direct/inbox?limit=1000')).body.messages as Array<{ id: string, receivedAt: number }>).find(x => x.id === dm.id)!
      return m.receivedAt - healAt
    }))
    console.log(`partition: queued direct messages delivered ${dmDelays.join(', ')} ms after the heal, once each`)
  }, 300_000)
})
