/**
 * NAT traversal on an internet in a box (test/network/internet.ts): 2 public nodes (bootstrap and relay) and 4
 * sites of 4 nodes, each site behind a NAT router (3 port-preserving, 1 `--random-fully`). Every process is
 * `gossipd start` with its documented flags. The figures (hole-punch success rate, time to direct, relay
 * failover) are written to test-results/network-figures.json and printed. A failed run keeps its nodes' logs.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually } from '../helpers/process-nodes.js'
import { api, boxUnavailable, InternetInABox, TOKEN, type BoxNode } from './internet.js'

const SITES = 4
const PER_SITE = 4
const TOPIC = 'nat'
const GOSSIP_MESSAGES = 100
const FILE_BYTES = 16 * 1024 * 1024
const RESERVE_AGAIN_MS = 30_000
/**
 * Until all 18 nodes decided their reachability: each private node needs failed dial-backs from 2 peers, the
 * second of which (the relay) it learns of through the DHT only once that one announced its address. On an idle
 * machine that is under a minute; on this shared 2-core machine under a load of 50-75 it took 81 s and over 120 s.
 */
const REACHABILITY_MS = 180_000

const skip = boxUnavailable()
const figures: Record<string, unknown> = {}

interface IdBody { peerId: string, reachability: string, relayAddresses: string[], confirmedAddresses: string[], relayService: { serving: boolean, reservations: number } }
interface Link { remoteAddr: string, relayed: boolean, origin: string }
interface PeerBody { id: string, links: Link[] }

describe.skipIf(skip != null)(`NAT traversal: 2 public nodes, ${SITES} sites x ${PER_SITE} behind NAT${skip != null ? ` (skipped: ${skip})` : ''}`, () => {
  const box = new InternetInABox(2, Array.from({ length: SITES }, (_, i) => ({ randomFully: i === SITES - 1, nodes: PER_SITE })))
  let bootstrap: BoxNode
  let relay: BoxNode
  let natted: BoxNode[]
  let failed = false

  beforeAll(async () => {
    await box.setUp()
    ;[bootstrap, relay] = box.publicNodes
    natted = box.nodes.filter(n => n.site > 0)
    box.start(bootstrap)
    await box.waitReady(bootstrap)
    const boot = `/ip4/${bootstrap.ip}/tcp/4001/p2p/${bootstrap.peerId}`
    box.start(relay, ['--bootstrap', boot])
    await box.waitReady(relay)
    // site nodes know only the bootstrap: they find the relay through it and the DHT
    for (const n of natted) box.start(n, ['--bootstrap', boot])
    await Promise.all(natted.map(async n => box.waitReady(n)))
  }, 180_000)

  afterAll(async () => {
    await mkdir('test-results', { recursive: true })
    await writeFile('test-results/network-figures.json', JSON.stringify(figures, null, 2) + '\n')
    console.log('NAT figures', JSON.stringify(figures, null, 2))
    // GOSSIPD_NAT_KEEP_LOGS=1 keeps every node's log and database of a passing run too (with DEBUG=libp2p:..., a
    // trace of what each node dialed)
    const keep = failed || process.env.GOSSIPD_NAT_KEEP_LOGS === '1'
    if (keep) console.log(`logs kept in ${box.logDir}`)
    await box.stop(keep)
  }, 60_000)

  const ids = async (n: BoxNode): Promise<IdBody> => (await api<IdBody>(n, '/id')).body

  it('public nodes report public, every NATed node private with at least one reservation', async () => {
    const started = Date.now()
    const ok = await eventually(async () => {
      const all = await Promise.all(box.nodes.map(async n => ({ n, id: await ids(n) })))
      return all.every(({ n, id }) => n.site === 0 ? id.reachability === 'public' : id.reachability === 'private' && id.relayAddresses.length > 0)
    }, REACHABILITY_MS, 1000)
    const all = await Promise.all(box.nodes.map(async n => ({ name: n.name, ...(await ids(n)) })))
    figures.reachabilitySeconds = ok ? (Date.now() - started) / 1000 : null
    figures.reachability = Object.fromEntries(all.map(a => [a.name, { reachability: a.reachability, relays: a.relayAddresses.length }]))
    failed ||= !ok
    expect(all.filter(a => a.name.startsWith('public')).map(a => a.reachability)).toEqual(['public', 'public'])
    for (const a of all.filter(a => a.name.startsWith('site'))) {
      expect(a.reachability, a.name).toBe('private')
      expect(a.relayAddresses.length, a.name).toBeGreaterThan(0)
    }
    // a public node serves reservations (auto), a private one does not
    expect((await ids(relay)).relayService.serving).toBe(true)
    expect((await ids(natted[0])).relayService.serving).toBe(false)
  })

  it(`gossip: ${GOSSIP_MESSAGES} messages from random NATed nodes reach every node exactly once`, async () => {
    for (const n of box.nodes) expect((await api(n, `/topics/${TOPIC}`, { method: 'PUT' })).status).toBe(200)
    const meshed = await eventually(async () => {
      const subs = await Promise.all(box.nodes.map(async n => ((await api(n, `/topics/${TOPIC}/peers`)).body.subscribers as unknown[]).length))
      return subs.every(s => s > 0)
    }, 60_000, 1000)
    expect(meshed).toBe(true)
    const sent: string[] = []
    for (let i = 0; i < GOSSIP_MESSAGES; i++) {
      const from = natted[Math.floor(Math.random() * natted.length)]
      const res = await api(from, `/topics/${TOPIC}/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: `m${i}` })
      expect(res.status).toBe(200)
      sent.push(res.body.id)
    }
    const counts = async (): Promise<Array<Map<string, number>>> => Promise.all(box.nodes.map(async n => {
      const msgs = (await api(n, `/topics/${TOPIC}/messages?limit=1000`)).body.messages as Array<{ id: string }>
      const m = new Map<string, number>()
      for (const x of msgs) m.set(x.id, (m.get(x.id) ?? 0) + 1)
      return m
    }))
    const all = await eventually(async () => (await counts()).every(m => sent.every(id => m.has(id))), 60_000, 1000)
    const final = await counts()
    figures.gossipDelivered = final.map(m => sent.filter(id => m.has(id)).length)
    failed ||= !all
    for (const m of final) {
      for (const id of sent) expect(m.get(id)).toBe(1)
    }
  })

  it('direct messages between every ordered pair of sites are acked, the random-fully site included', async () => {
    const pairs: Array<[BoxNode, BoxNode]> = []
    for (let a = 1; a <= SITES; a++) {
      for (let b = 1; b <= SITES; b++) if (a !== b) pairs.push([box.siteNodes(a)[0], box.siteNodes(b)[1]])
    }
    const results = await Promise.all(pairs.map(async ([from, to]) => {
      const started = Date.now()
      const res = await api(from, '/direct', { method: 'POST', json: { to: to.peerId, data: `from ${from.name} to ${to.name}` } })
      // a queued message's answer says why its first attempt failed
      return { from, to, status: res.status, ms: Date.now() - started, id: res.body.id as string, firstError: res.body.error as string | undefined }
    }))
    // queued ones (202) are retried by the outbox: each must be delivered, acked end to end
    const delivered = await eventually(async () => {
      const states = await Promise.all(results.map(async r => {
        if (r.status === 200) return true
        const out = (await api(r.from, '/direct/outbox?limit=100')).body.messages as Array<{ id: string, status: string }>
        return out.find(m => m.id === r.id)?.status === 'delivered'
      }))
      return states.every(Boolean)
    }, 90_000, 1000)
    figures.dmPairs = pairs.length
    figures.dmAckedAtOnce = results.filter(r => r.status === 200).length
    // how long the sender's API took to answer, acked or queued: first contact across sites, all 12 at once
    figures.dmAnswerMs = results.map(r => r.ms).sort((a, b) => a - b)
    figures.dmQueuedFirst = results.filter(r => r.status !== 200).map(r => ({ from: r.from.name, to: r.to.name, error: r.firstError }))
    failed ||= !delivered
    expect(delivered).toBe(true)
    // and each receiver has it in its inbox
    for (const r of results) {
      const inbox = (await api(r.to, '/direct/inbox?limit=100')).body.messages as Array<{ id: string }>
      expect(inbox.some(m => m.id === r.id), `${r.from.name} -> ${r.to.name}`).toBe(true)
    }
  })

  it('hole punching: relayed connections between sites upgrade to direct ones (rate and time to direct)', async () => {
    // every ordered pair of port-preserving sites: a fresh pair of nodes, first contact through the relay
    const attempts: Array<{ from: string, to: string, direct: boolean, ms: number | null }> = []
    for (let a = 1; a < SITES; a++) {
      for (let b = 1; b < SITES; b++) {
        if (a === b) continue
        const from = box.siteNodes(a)[2]
        const to = box.siteNodes(b)[3]
        const started = Date.now()
        await api(from, '/direct', { method: 'POST', json: { to: to.peerId, data: 'punch' } })
        const direct = await eventually(async () => {
          const peers = (await api<{ peers: PeerBody[] }>(from, '/peers')).body.peers
          return peers.find(p => p.id === to.peerId)?.links.some(l => !l.relayed) === true
        }, 20_000, 250)
        attempts.push({ from: from.name, to: to.name, direct, ms: direct ? Date.now() - started : null })
      }
    }
    const ok = attempts.filter(a => a.direct)
    figures.holePunch = {
      attempts: attempts.length,
      succeeded: ok.length,
      successRate: ok.length / attempts.length,
      timeToDirectMs: ok.map(a => a.ms).sort((x, y) => (x ?? 0) - (y ?? 0))
    }
    // the measurement itself is the result here: every attempt ran to its deadline and is reported
    expect(attempts.length).toBe((SITES - 1) * (SITES - 2))
  })

  async function shareAndFetch (seeder: BoxNode, fetcher: BoxNode, waitMs: number): Promise<{ state: string, error?: string, hash: string, fileId: string, links?: Link[] }> {
    const bytes = randomBytes(FILE_BYTES)
    const hash = createHash('sha256').update(bytes).digest('hex')
    const up = await api(seeder, '/files?name=big.bin', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes })
    expect(up.status).toBe(201)
    const fileId = up.body.id as string
    const job = await api(fetcher, `/files/${fileId}/download`, { method: 'POST', json: { from: [seeder.peerId] } })
    expect(job.status).toBeLessThan(300)
    await eventually(async () => {
      const st = (await api(fetcher, `/downloads/${job.body.id}`)).body
      return st.state === 'completed' || st.state === 'failed'
    }, waitMs, 1000)
    const status = (await api(fetcher, `/downloads/${job.body.id}`)).body
    const peers = (await api<{ peers: PeerBody[] }>(fetcher, '/peers')).body.peers
    return { state: status.state, error: status.error, hash, fileId, links: peers.find(p => p.id === seeder.peerId)?.links }
  }

  async function contentHash (node: BoxNode, fileId: string): Promise<string> {
    const res = await fetch(`${node.apiUrl}/files/${fileId}/content`, { headers: { authorization: `Bearer ${TOKEN}` } })
    return createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex')
  }

  it('a 16 MiB file between port-preserving sites: fetched over a direct connection when a hole punch made one, never through the relay', async () => {
    const seeder = box.siteNodes(1)[0]
    const fetcher = box.siteNodes(2)[0]
    const r = await shareAndFetch(seeder, fetcher, 120_000)
    const direct = r.links?.some(l => !l.relayed) === true
    figures.fileAcrossSites = { state: r.state, error: r.error, direct, links: r.links }
    if (direct) {
      // the issue's case: a direct (hole-punched) connection carries the file
      expect(r.state).toBe('completed')
      expect(await contentHash(fetcher, r.fileId)).toBe(r.hash)
    } else {
      // files wait for a direct connection: with none, the download fails with a clear error, the relay carried nothing
      expect(r.state).toBe('failed')
      expect(r.error).toMatch(/no provider .* answered/)
    }
  })

  it('a 16 MiB file shared in a NATed site is fetched by a public node over a direct connection, SHA-256 matching', async () => {
    const r = await shareAndFetch(box.siteNodes(1)[1], bootstrap, 120_000)
    figures.fileToPublic = { state: r.state, error: r.error }
    expect(r.state).toBe('completed')
    expect(r.links?.some(l => !l.relayed)).toBe(true)
    expect(await contentHash(bootstrap, r.fileId)).toBe(r.hash)
  })

  it(`kill the relay: relayed-only nodes hold a live reservation within ${RESERVE_AGAIN_MS / 1000} s and still receive messages`, async () => {
    const relayId = relay.peerId as string
    const onDead = async (): Promise<BoxNode[]> => {
      const all = await Promise.all(natted.map(async n => ({ n, id: await ids(n) })))
      return all.filter(a => a.id.relayAddresses.some(x => x.includes(relayId))).map(a => a.n)
    }
    const dependent = await onDead()
    await box.kill(relay)
    const killedAt = Date.now()
    const recovered = await eventually(async () => {
      const all = await Promise.all(natted.map(async n => ids(n)))
      return all.every(id => id.relayAddresses.length > 0 && id.relayAddresses.every(a => !a.includes(relayId)))
    }, RESERVE_AGAIN_MS, 500)
    figures.relayFailover = {
      nodesOnKilledRelay: dependent.length,
      recovered,
      seconds: recovered ? (Date.now() - killedAt) / 1000 : null,
      relays: Object.fromEntries(await Promise.all(natted.map(async n => [n.name, (await ids(n)).relayAddresses.map(a => a.includes(relayId) ? 'killed' : 'live')])))
    }
    failed ||= !recovered
    expect(recovered).toBe(true)
    // messages to them are still delivered: one from another site to each
    const results = await Promise.all(natted.map(async (to, i) => {
      const from = natted[(i + PER_SITE) % natted.length]
      const res = await api(from, '/direct', { method: 'POST', json: { to: to.peerId, data: 'after the relay died' } })
      // a queued message's answer says why its first attempt failed
      return { from, id: res.body.id as string, status: res.status, firstError: res.body.error as string | undefined }
    }))
    // the reasons failed attempts gave, as seen while waiting (a delivered message's entry no longer has one)
    const reasons = new Map<string, Set<string>>()
    const delivered = await eventually(async () => (await Promise.all(results.map(async r => {
      if (r.status === 200) return true
      const out = (await api(r.from, '/direct/outbox?limit=200')).body.messages as Array<{ id: string, status: string, lastError?: string }>
      const m = out.find(x => x.id === r.id)
      if (m?.lastError != null) reasons.set(r.id, (reasons.get(r.id) ?? new Set()).add(m.lastError))
      return m?.status === 'delivered'
    }))).every(Boolean), 60_000, 1000)
    // every message not acked at once, delivered later or not, with why its attempts failed
    const queued = (await Promise.all(results.map(async r => {
      if (r.status === 200) return undefined
      const out = (await api(r.from, '/direct/outbox?limit=200')).body.messages as Array<{ id: string, to: string, status: string, attempts: number, lastError?: string }>
      const m = out.find(x => x.id === r.id)
      const to = natted.find(n => n.peerId === m?.to)?.name ?? m?.to
      return { from: r.from.name, to, status: m?.status, attempts: m?.attempts, errors: [...new Set([r.firstError, ...(reasons.get(r.id) ?? [])])].filter(e => e != null) }
    }))).filter(x => x != null)
    figures.afterRelayKilled = {
      messages: results.length,
      ackedAtOnce: results.filter(r => r.status === 200).length,
      undelivered: queued.filter(q => q.status !== 'delivered'),
      deliveredLater: queued.filter(q => q.status === 'delivered')
    }
    failed ||= !delivered
    expect(delivered).toBe(true)
  })
})
