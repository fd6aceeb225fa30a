/**
 * Messaging at swarm scale: 30 node processes started by `gossipd swarm`. Every node subscribes to one topic;
 * 200 messages from random publishers must reach every subscriber exactly once, in its history and on an SSE
 * stream. Then direct messages between unconnected pairs, and an outbox that outlives restarts of both ends.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api as apiOnce, percentile, readiness, startCliSwarm, type CliSwarm } from '../helpers/swarm.js'
import { collectStream } from '../messaging/helpers.js'

// 30 by default (the figure); MESSAGING_SWARM_NODES runs the same test on a smaller swarm when debugging
const NODES = Number(process.env.MESSAGING_SWARM_NODES ?? 30)
const MESSAGES = 200
/** Each attempt of the delivery test publishes on a topic of its own, so a retry counts only its own messages. */
let attempt = 0

interface Page { messages: Array<{ id: string, seq: number, from: string, data: string, receivedAt: number }>, lastSeq: number }
interface Peers { peers: Array<{ id: string }> }

/**
 * The helper's call, retried for requests that may safely repeat (GET, PUT, DELETE) on a network error or a 408:
 * on a loaded machine a keep-alive socket the server is closing can reset under a new request, and a starved
 * process can miss the API's 30 s request timeout.
 */
async function api<T> (base: string, path: string, init?: RequestInit): Promise<T> {
  const method = init?.method ?? 'GET'
  for (let attempt = 1; ; attempt++) {
    try {
      return await apiOnce<T>(base, path, init)
    } catch (err) {
      const retriable = err instanceof TypeError || / 408 /.test((err as Error).message)
      if (method === 'POST' || attempt >= 3 || !retriable) throw err
      await sleep(200)
    }
  }
}

function pick<T> (list: T[]): T {
  return list[Math.floor(Math.random() * list.length)]
}

async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}

async function allHistory (base: string, topic: string): Promise<Page['messages']> {
  const out: Page['messages'] = []
  let after = 0
  while (true) {
    const page = await api<Page>(base, `/topics/${topic}/messages?after=${after}&limit=1000`)
    out.push(...page.messages)
    if (page.messages.length === 0) return out
    after = page.messages.at(-1)!.seq
  }
}

describe(`messaging in a ${NODES}-node process swarm`, () => {
  let swarm: CliSwarm
  const restarted: ChildProcess[] = []

  beforeAll(async () => {
    swarm = await startCliSwarm(NODES)
    console.log(`swarm: ${NODES} processes up in ${swarm.startedInMs} ms`)
  }, 180_000)

  afterAll(async () => {
    for (const child of restarted) {
      if (child.exitCode == null) {
        const exited = new Promise(resolve => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }
    }
    await swarm?.stop()
  })

  it(`delivers ${MESSAGES} messages from random publishers to every subscriber exactly once (history and SSE)`, async () => {
    const topic = `swarm-news-${++attempt}`
    // connections first: gossipsub can only learn of subscribers it is connected to
    const connected = Date.now()
    while (Date.now() - connected < 40_000) {
      const counts = await Promise.all(swarm.nodes.map(async n => (await readiness(n.apiUrl)).peers))
      if (Math.min(...counts) >= 8) break
      await sleep(500)
    }
    for (const n of swarm.nodes) await api(n.apiUrl, `/topics/${topic}`, { method: 'PUT' })

    // subscriptions must have spread before the first publish: every node knows each connected peer subscribes
    const subscribed = Date.now()
    let meshes: number[] = []
    while (Date.now() - subscribed < 30_000) {
      const state = await Promise.all(swarm.nodes.map(async n => {
        const [ready, topicPeers] = await Promise.all([
          readiness(n.apiUrl),
          api<{ mesh: string[], subscribers: string[] }>(n.apiUrl, `/topics/${topic}/peers`)
        ])
        return { peers: ready.peers, subscribers: topicPeers.subscribers.length, mesh: topicPeers.mesh.length }
      }))
      meshes = state.map(s => s.mesh)
      if (state.every(s => s.subscribers >= s.peers && s.mesh >= Math.min(4, s.peers))) break
      await sleep(500)
    }
    console.log(`subscriptions spread in ${Date.now() - subscribed} ms; mesh sizes min ${Math.min(...meshes)} max ${Math.max(...meshes)}`)

    const controllers = swarm.nodes.map(() => new AbortController())
    const streams = await Promise.all(swarm.nodes.map(async (n, i) =>
      collectStream(await fetch(`${n.apiUrl}/topics/${topic}/messages`, { headers: { accept: 'text/event-stream' }, signal: controllers[i].signal }), 'sse')))

    const published: Array<{ id: string, publisher: number }> = []
    const started = Date.now()
    // 10 publishes in flight: a starved machine answers each API call slowly, and the swarm can take more
    for (let i = 0; i < MESSAGES; i += 10) {
      await Promise.all([...Array(10).keys()].map(async k => {
        const publisher = Math.floor(Math.random() * NODES)
        const res = await api<{ id: string, recipients: number }>(swarm.nodes[publisher].apiUrl, `/topics/${topic}/messages`, {
          method: 'POST', headers: { 'content-type': 'text/plain' }, body: `message ${i + k}`
        })
        published.push({ id: res.id, publisher })
      }))
    }
    console.log(`published ${MESSAGES} messages in ${Date.now() - started} ms`)
    const ids = new Set(published.map(p => p.id))
    expect(ids.size).toBe(MESSAGES)

    const deadline = Date.now() + 60_000
    let histories!: Array<Page['messages']>
    while (Date.now() < deadline) {
      histories = await Promise.all(swarm.nodes.map(async n => allHistory(n.apiUrl, topic)))
      if (histories.every(h => h.length >= MESSAGES) && streams.every(s => s.events.length >= MESSAGES)) break
      await sleep(500)
    }
    await sleep(2000) // a late duplicate would show up here
    histories = await Promise.all(swarm.nodes.map(async n => allHistory(n.apiUrl, topic)))
    controllers.forEach(c => { c.abort() })

    // figures first, so a failing run still reports them
    const publishedAt = new Map<string, number>()
    for (const p of published) {
      publishedAt.set(p.id, histories[p.publisher].find(m => m.id === p.id)!.receivedAt)
    }
    let received = 0
    const latencies: number[] = []
    histories.forEach((h, node) => {
      for (const m of h) {
        if (!ids.has(m.id)) continue
        received++
        const p = published.find(x => x.id === m.id)!
        if (p.publisher !== node) latencies.push(m.receivedAt - publishedAt.get(m.id)!)
      }
    })
    const ratio = received / (NODES * MESSAGES)
    console.log(`delivery: ${received}/${NODES * MESSAGES} (${(ratio * 100).toFixed(2)} %) in histories; SSE events min ${Math.min(...streams.map(s => s.events.length))} max ${Math.max(...streams.map(s => s.events.length))}`)
    console.log(`latency (receivedAt - publish time, ${latencies.length} deliveries): p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${Math.max(...latencies)} ms`)

    histories.forEach((h, node) => {
      const got = h.map(m => m.id)
      expect(new Set(got).size, `node ${node} history has duplicates`).toBe(got.length)
      expect(got.length, `node ${node} history`).toBe(MESSAGES)
      expect(got.every(id => ids.has(id))).toBe(true)
    })
    streams.forEach((s, node) => {
      const got = s.events.map(e => e.data.id as string)
      expect(new Set(got).size, `node ${node} SSE has duplicates`).toBe(got.length)
      expect(got.length, `node ${node} SSE`).toBe(MESSAGES)
      expect(got.every(id => ids.has(id))).toBe(true)
      // SSE ids are the history's sequence numbers, in order
      const seqs = s.events.map(e => Number(e.id))
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    })
    expect(ratio).toBe(1)
  }, 540_000)

  it('acknowledges 20 direct messages between random pairs that were not connected', async () => {
    const rtts: number[] = []
    let queuedFirst = 0
    for (let i = 0; i < 20; i++) {
      const a = pick(swarm.nodes.slice(1))
      let b = a
      while (b === a) b = pick(swarm.nodes.slice(1))
      // make sure the pair is not connected, so the send has to find and dial the peer
      const peers = await api<Peers>(a.apiUrl, '/peers')
      if (peers.peers.some(p => p.id === b.peerId)) {
        await api(a.apiUrl, `/peers/${b.peerId}`, { method: 'DELETE' })
      }
      expect((await api<Peers>(a.apiUrl, '/peers')).peers.some(p => p.id === b.peerId)).toBe(false)
      const res = await api<{ status: string, rttMs: number, id: string }>(a.apiUrl, '/direct', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: b.peerId, data: `dm ${i} from ${a.name}` })
      })
      if (res.status === 'delivered') {
        rtts.push(res.rttMs)
      } else {
        // the first attempt ran out of time (a loaded machine): the outbox must still get the ack
        expect(res.status).toBe('queued')
        queuedFirst++
        const since = Date.now()
        let status = 'queued'
        while (status !== 'delivered' && Date.now() - since < 60_000) {
          await sleep(500)
          const out = await api<{ messages: Array<{ id: string, status: string }> }>(a.apiUrl, '/direct/outbox?limit=1000')
          status = out.messages.find(m => m.id === res.id)?.status ?? 'missing'
        }
        expect(status).toBe('delivered')
      }
      const inbox = await api<Page>(b.apiUrl, '/direct/inbox?limit=1000')
      expect(inbox.messages.filter(m => m.id === res.id)).toHaveLength(1)
    }
    console.log(`direct: 20/20 acked, ${20 - queuedFirst} on the first attempt; ack round trip p50 ${percentile(rtts, 50)} ms, max ${Math.max(...rtts)} ms`)
  }, 120_000)

  it('keeps a message for a stopped peer through restarts of both ends, then delivers it exactly once', async () => {
    const a = swarm.nodes[3]
    const b = swarm.nodes[4]
    const stop = async (pid: number): Promise<void> => {
      process.kill(pid, 'SIGTERM')
      while (true) {
        try { process.kill(pid, 0) } catch { return }
        await sleep(100)
      }
    }
    const start = (node: typeof a): ChildProcess => {
      const out = createWriteStream(node.logFile, { flags: 'a' })
      const child = spawn(process.execPath, ['bin/gossipd.js', ...node.args], { stdio: ['ignore', 'pipe', 'pipe'] })
      child.stdout!.pipe(out)
      child.stderr!.pipe(out)
      restarted.push(child)
      return child
    }
    const waitUp = async (node: typeof a): Promise<void> => {
      for (let i = 0; i < 300; i++) {
        try {
          await api(node.apiUrl, '/health')
          return
        } catch { await sleep(100) }
      }
      throw new Error(`${node.name} did not come back`)
    }

    await stop(b.pid!)
    const queued = await api<{ status: string, id: string }>(a.apiUrl, '/direct', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: b.peerId, data: 'kept for you' })
    }).catch(async () => {
      // api() throws on non-2xx; 202 is a success, so this is only reached on a real error
      throw new Error('send failed')
    })
    expect(queued.status).toBe('queued')

    await stop(a.pid!)
    start(a)
    await waitUp(a)
    const outbox = await api<{ counts: { queued: number } }>(a.apiUrl, '/direct/outbox?status=queued')
    expect(outbox.counts.queued).toBeGreaterThanOrEqual(1)

    start(b)
    await waitUp(b)
    const since = Date.now()
    let copies!: number
    while (Date.now() - since < 60_000) {
      const inbox = await api<Page>(b.apiUrl, '/direct/inbox?limit=1000')
      copies = inbox.messages.filter(m => m.id === queued.id).length
      if (copies > 0) break
      await sleep(500)
    }
    console.log(`outbox: queued message delivered ${Date.now() - since} ms after the receiver came back`)
    await sleep(3000)
    const inbox = await api<Page>(b.apiUrl, '/direct/inbox?limit=1000')
    expect(inbox.messages.filter(m => m.id === queued.id)).toHaveLength(1)
    const out = await api<{ messages: Array<{ id: string, status: string }> }>(a.apiUrl, '/direct/outbox')
    expect(out.messages.find(m => m.id === queued.id)?.status).toBe('delivered')
  }, 180_000)
})
