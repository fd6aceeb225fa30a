/**
 * gossipd beside go-libp2p and rust-libp2p (issue 19): 20 gossipd processes, 5 go peers and 5 rust peers
 * (test/interop/go-peer, test/interop/rust-peer, built from the registries by build.js), every foreign peer
 * joining through the gossipd bootstrap and the DHT. Run with `npm run test:interop`.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SwarmNode } from '../../src/swarm/local-swarm.js'
import { eventually, http, sleep } from '../helpers/process-nodes.js'
import { publishFromNode, startMixedSwarm, subscribeNode, topicData, type MixedSwarm } from './mixed-swarm.js'
import type { ForeignPeer } from './peers.js'

const GOSSIPD = 20
const GO = 5
const RUST = 5
const TOPIC = 'interop'
const LATE_TOPIC = 'interop-late'
const MESSAGES = 100

/** Topic messages a gossipd node stored from a peer's history (not by gossip), from its metrics. */
async function caughtUpCount (node: SwarmNode): Promise<number> {
  const res = await fetch(`${node.apiUrl}/metrics`)
  const line = (await res.text()).split('\n').find(l => l.startsWith('gossipd_topic_messages_caught_up_total'))
  return line == null ? 0 : Number(line.split(' ').pop())
}

/** One IHAVE/IWANT exchange counter set, as the go peer reports it per remote peer. */
interface Gossip { iwantReceived: number, iwantAnswered: number, iwantSent: number, iwantServed: number, ihaveForeignIds: number }

let m: MixedSwarm
const foreign = (): ForeignPeer[] => [...m.go, ...m.rust]
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

beforeAll(async () => {
  m = await startMixedSwarm({ gossipd: GOSSIPD, go: GO, rust: RUST, prefix: 'interop' })
  // joined through the DHT: every foreign peer's routing table holds peers beyond the bootstrap
  let sizes: string[] = []
  const joined = await eventually(async () => {
    const tables = await Promise.all(foreign().map(async p => p.call<string[] | null>('routingTable')))
    sizes = tables.map((t, i) => `${foreign()[i].name}: ${(t ?? []).length}`)
    return tables.every(t => (t ?? []).length >= 3)
  }, 120_000, 1_000)
  expect(joined, `every go and rust peer has 3 or more DHT peers (${sizes.join(', ')})`).toBe(true)
  await Promise.all(m.gossipd.map(async n => subscribeNode(n, TOPIC)))
  await Promise.all(foreign().map(async p => p.call('subscribe', { topic: TOPIC })))
  const meshed = await eventually(async () => {
    const meshes = await Promise.all(foreign().map(async p => p.call<string[] | null>('mesh', { topic: TOPIC })))
    return meshes.every(ms => (ms ?? []).length >= 2)
  }, 60_000, 1_000)
  expect(meshed, 'every foreign peer has a mesh').toBe(true)
})

afterAll(async () => {
  await m?.stop()
})

describe(`interop: ${GOSSIPD} gossipd, ${GO} go-libp2p, ${RUST} rust-libp2p`, () => {
  it('finds peers across implementations, both ways, through the DHT', async () => {
    const notConnected = async (p: ForeignPeer, targets: string[]): Promise<string> => {
      const peers = new Set(((await p.call<Array<{ peerId: string } | string> | null>('peers')) ?? []).map(x => typeof x === 'string' ? x : x.peerId))
      return targets.find(t => !peers.has(t)) ?? targets[targets.length - 1]
    }
    const gossipdIds = m.gossipd.slice(1).map(n => n.peerId ?? '')
    // go and rust find a gossipd node (one they are not connected to, when there is one)
    for (const p of [m.go[0], m.rust[0]]) {
      const target = await notConnected(p, gossipdIds)
      const found = await p.call<{ peerId: string, addrs: string[] }>('findPeer', { peer: target, timeoutMs: 30_000 })
      const node = m.gossipd.find(n => n.peerId === target)
      expect(found.addrs.some(a => a.includes(`/tcp/${node?.p2pPort ?? -1}`)), `${p.name} found ${target} at ${found.addrs.join(' ')}`).toBe(true)
    }
    // gossipd finds a go and a rust peer
    for (const p of [m.go[GO - 1], m.rust[RUST - 1]]) {
      const node = m.gossipd[GOSSIPD - 1]
      const res = await http<{ addrs?: string[], multiaddrs?: string[] }>(node, `/dht/peers/${p.peerId}?timeoutMs=30000`, { method: 'POST' })
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      const addrs = res.body.addrs ?? res.body.multiaddrs ?? []
      expect(addrs.some(a => a.includes(p.addrs[0].split('/p2p/')[0])), `gossipd found ${p.name} at ${addrs.join(' ')}`).toBe(true)
    }
    // and the foreign implementations find each other
    const goFindsRust = await m.go[1].call<{ addrs: string[] }>('findPeer', { peer: m.rust[1].peerId, timeoutMs: 30_000 })
    expect(goFindsRust.addrs).toContain(m.rust[1].addrs[0])
    const rustFindsGo = await m.rust[2].call<{ addrs: string[] }>('findPeer', { peer: m.go[2].peerId, timeoutMs: 30_000 })
    expect(rustFindsGo.addrs.some(a => a.startsWith(m.go[2].addrs[0])), `rust found ${m.go[2].addrs.join(' ')} at ${rustFindsGo.addrs.join(' ')}`).toBe(true)
  })

  it(`delivers ${MESSAGES} messages published by all three implementations to every node exactly once`, async () => {
    const published: string[] = []
    for (let i = 0; i < MESSAGES; i++) {
      const data = `m${i}`
      published.push(data)
      const which = i % 3
      if (which === 0) await publishFromNode(m.gossipd[(i / 3) % GOSSIPD], TOPIC, data)
      else if (which === 1) await m.go[i % GO].call('publish', { topic: TOPIC, data })
      else await m.rust[i % RUST].call('publish', { topic: TOPIC, data })
      await sleep(20)
    }
    const everywhere = await eventually(async () => {
      const held = await Promise.all(m.gossipd.map(async n => topicData(n, TOPIC)))
      return held.every(h => h.length >= MESSAGES) && foreign().every(p => p.messages.filter(x => x.topic === TOPIC).length >= MESSAGES - 20)
    }, 60_000, 1_000)
    await sleep(3_000) // late duplicates, if any, arrive now
    const expected = [...published].sort()
    for (const n of m.gossipd) {
      expect((await topicData(n, TOPIC)).sort(), `${n.name} holds each message once`).toEqual(expected)
    }
    for (const p of foreign()) {
      const own = new Set(published.filter((_, i) => (i % 3 === 1 && p.kind === 'go' && m.go[i % GO] === p) || (i % 3 === 2 && p.kind === 'rust' && m.rust[i % RUST] === p)))
      const got = p.messages.filter(x => x.topic === TOPIC).map(x => x.data).sort()
      expect(got, `${p.name} gets each message once (not its own)`).toEqual(expected.filter(d => !own.has(d)))
    }
    expect(everywhere).toBe(true)
  })

  it('a node of each implementation that joins late gets what it missed through IHAVE/IWANT from the others', async () => {
    const lateNode = m.gossipd[GOSSIPD - 2]
    const lateGo = m.go[GO - 2]
    const lateRust = m.rust[RUST - 2]
    const before = await m.go[0].call<Record<string, Gossip>>('gossipStats')
    // each late node is connected to peers of every other implementation, subscribed to the topic
    for (const [late, peers] of [
      [lateGo, [m.gossipd[3], m.gossipd[4], m.gossipd[5], m.rust[0], m.rust[1]]],
      [lateRust, [m.gossipd[6], m.gossipd[7], m.gossipd[8], m.go[0], m.go[1]]]
    ] as Array<[ForeignPeer, Array<SwarmNode | ForeignPeer>]>) {
      for (const p of peers) await late.call('connect', { addr: 'apiUrl' in p ? `/ip4/127.0.0.1/tcp/${p.p2pPort}/p2p/${p.peerId ?? ''}` : p.multiaddr })
    }
    for (const p of [m.go[0], m.go[1], m.go[2], m.rust[0], m.rust[1]]) {
      await http(lateNode, '/peers', { method: 'POST', json: { multiaddr: p.multiaddr } })
    }
    const early = m.gossipd.filter(n => n !== lateNode)
    await Promise.all(early.map(async n => subscribeNode(n, LATE_TOPIC)))
    await Promise.all(foreign().filter(p => p !== lateGo && p !== lateRust).map(async p => p.call('subscribe', { topic: LATE_TOPIC })))
    await sleep(3_000)
    // all at once, so that every message is still in the peers' IHAVE window (5 heartbeats, 3.5 s at gossipd)
    // when the late nodes subscribe, even on a loaded machine
    const published = Array.from({ length: 30 }, (_, i) => `late${i}`)
    await Promise.all(published.map(async (data, i) => {
      if (i % 3 === 0) await publishFromNode(early[i % early.length], LATE_TOPIC, data)
      else if (i % 3 === 1) await m.go[i % 2].call('publish', { topic: LATE_TOPIC, data })
      else await m.rust[i % 2].call('publish', { topic: LATE_TOPIC, data })
    }))
    // the late foreign peers leave their own implementation's peers, so that what they get comes from others
    for (const [late, own] of [[lateGo, m.go], [lateRust, m.rust]] as Array<[ForeignPeer, ForeignPeer[]]>) {
      for (const p of own) if (p !== late) await late.call('disconnect', { peer: p.peerId })
    }
    // the messages have gone round by gossip; the late nodes subscribe after it
    await sleep(1_000)
    await Promise.all([subscribeNode(lateNode, LATE_TOPIC), lateGo.call('subscribe', { topic: LATE_TOPIC }), lateRust.call('subscribe', { topic: LATE_TOPIC })])
    const has = (p: ForeignPeer): Set<string> => new Set(p.messages.filter(x => x.topic === LATE_TOPIC).map(x => x.data))
    const caughtUp = await eventually(async () => {
      return has(lateGo).size === 30 && has(lateRust).size === 30 && new Set(await topicData(lateNode, LATE_TOPIC)).size === 30
    }, 30_000, 500)
    const missing = (got: Set<string>): string[] => published.filter(d => !got.has(d))
    expect({ go: missing(has(lateGo)), rust: missing(has(lateRust)), gossipd: missing(new Set(await topicData(lateNode, LATE_TOPIC))) })
      .toEqual({ go: [], rust: [], gossipd: [] })
    expect(caughtUp).toBe(true)

    // the late go peer asked gossipd and rust peers (IWANT) and they answered
    const stats = await lateGo.call<Record<string, Gossip>>('gossipStats')
    const servedBy = (kind: string): number => Object.entries(stats).filter(([id]) => m.kindOf(id) === kind).reduce((s, [, g]) => s + g.iwantServed, 0)
    // the late rust peer can have had them only by IWANT (published and forwarded before it subscribed): from whom
    const rustFrom = (kind: string): number => lateRust.messages.filter(x => x.topic === LATE_TOPIC && m.kindOf(x.receivedFrom) === kind).length
    // go peers answered IWANTs of the other implementations' nodes
    let goAnswered = 0
    for (const p of m.go) {
      const s = await p.call<Record<string, Gossip>>('gossipStats')
      for (const [id, g] of Object.entries(s)) {
        if (m.kindOf(id) !== 'go') goAnswered += g.iwantAnswered - (p === m.go[0] ? before[id]?.iwantAnswered ?? 0 : 0)
      }
    }
    const caughtUpByHistory = await caughtUpCount(lateNode)
    console.log(`late go peer: IWANTs answered by gossipd ${servedBy('gossipd')}, by rust ${servedBy('rust')}, by go ${servedBy('go')}; ` +
      `late rust peer: sent by gossipd ${rustFrom('gossipd')}, go ${rustFrom('go')}, rust ${rustFrom('rust')}; ` +
      `go peers answered ${goAnswered} IWANTs of gossipd and rust peers; late gossipd node: ${caughtUpByHistory} by history catch-up`)
    expect(servedBy('gossipd') + servedBy('rust'), 'IWANTs of the late go peer answered by gossipd and rust').toBeGreaterThan(0)
    expect(rustFrom('gossipd') + rustFrom('go'), 'IWANTs of the late rust peer answered by gossipd and go').toBeGreaterThan(0)
    // every id a gossipd or rust peer announced was of the go form (from ++ seqno)
    expect(Object.entries(stats).reduce((s, [, g]) => s + g.ihaveForeignIds, 0)).toBe(0)
  })

  it('no peer scores another below zero (read at the go peers and at gossipd)', async () => {
    for (const p of m.go) {
      const scores = await p.call<Record<string, number>>('scores')
      const negative = Object.entries(scores).filter(([, s]) => s < 0).map(([id, s]) => `${m.kindOf(id) ?? '?'} ${id}: ${s}`)
      expect(negative, `${p.name} scores`).toEqual([])
      expect(Object.keys(scores).length).toBeGreaterThan(0)
    }
    for (const n of m.gossipd) {
      const res = await http<{ peers: Array<{ id: string, score: number }> }>(n, '/peers')
      const negative = res.body.peers.filter(p => p.score < 0).map(p => `${m.kindOf(p.id) ?? '?'} ${p.id}: ${p.score}`)
      expect(negative, `${n.name} scores`).toEqual([])
    }
  })

  it('direct messages go -> gossipd and gossipd -> go are acked', async () => {
    const node = m.gossipd[2]
    const goPeer = m.go[3]
    const ack = await goPeer.call<{ acked: boolean, id: string }>('dm', { peer: node.peerId, body: Buffer.from('hello from go').toString('base64') })
    expect(ack.acked).toBe(true)
    const inbox = await http<{ messages: Array<{ id: string, from: string, data: string }> }>(node, '/direct/inbox')
    expect(inbox.body.messages.find(x => x.id === ack.id)).toMatchObject({ from: goPeer.peerId, data: 'hello from go' })

    await http(node, '/peers', { method: 'POST', json: { multiaddr: goPeer.multiaddr } })
    const sent = await http<{ status: string, id: string }>(node, '/direct', { method: 'POST', json: { to: goPeer.peerId, data: 'hello from gossipd' } })
    expect(sent.status, JSON.stringify(sent.body)).toBe(200)
    expect(sent.body.status).toBe('delivered')
    expect(goPeer.dms.find(d => d.id === sent.body.id)).toMatchObject({ from: node.peerId, body: 'hello from gossipd' })
  })

  it('a file shared on gossipd is fetched by a go peer and one shared on a go peer by gossipd, SHA-256 matching', async () => {
    const node = m.gossipd[5]
    const goPeer = m.go[4]
    const onNode = randomBytes(700 * 1024)
    const shared = await http<{ id: string }>(node, '/files?name=from-gossipd.bin', { method: 'POST', body: onNode, headers: { 'content-type': 'application/octet-stream' } })
    expect(shared.status, JSON.stringify(shared.body)).toBe(201)
    await goPeer.call('connect', { addr: `/ip4/127.0.0.1/tcp/${node.p2pPort}/p2p/${node.peerId ?? ''}` })
    const fetched = await goPeer.call<{ sha256: string, path: string }>('fetch', { peer: node.peerId, fileId: shared.body.id })
    expect(fetched.sha256).toBe(sha256(onNode))
    expect(sha256(await readFile(fetched.path))).toBe(sha256(onNode))

    const onGo = randomBytes(600 * 1024 + 17)
    const { fileId } = await goPeer.call<{ fileId: string }>('share', { name: 'from-go.bin', data: onGo.toString('base64') })
    await http(node, '/peers', { method: 'POST', json: { multiaddr: goPeer.multiaddr } })
    const job = await http<{ id: string }>(node, `/files/${fileId}/download`, { method: 'POST', json: { from: [goPeer.peerId] } })
    expect(job.status, JSON.stringify(job.body)).toBe(202)
    const done = await eventually(async () => (await http<{ state: string }>(node, `/downloads/${job.body.id}`)).body.state === 'completed', 60_000, 500)
    expect(done, JSON.stringify((await http(node, `/downloads/${job.body.id}`)).body)).toBe(true)
    const content = await fetch(`${node.apiUrl}/files/${fileId}/content`)
    expect(sha256(new Uint8Array(await content.arrayBuffer()))).toBe(sha256(onGo))
  })
})
