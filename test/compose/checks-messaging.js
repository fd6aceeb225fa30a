/**
 * Messaging checks in a compose swarm, all through curl: topic subscription and mesh, publishing from several
 * nodes with every subscriber receiving every message exactly once, and direct messages acked between random
 * pairs. A build without the messaging routes reports these checks as skipped, not failed.
 */
import { isMissingRoute, mapLimit, percentile, waitFor } from './curl.js'
import { SkipError } from './report.js'

const DELIVERY_TIMEOUT_MS = 90_000
const MESH_TIMEOUT_MS = 60_000
const HISTORY_LIMIT = 1000

const enc = encodeURIComponent

function missing (res, route) {
  if (isMissingRoute(res)) throw new SkipError(`endpoint missing (${route} answers 404)`)
}

/** Subscribe every node to `topic` and wait until each has gossipsub mesh peers for it. */
export async function checkSubscribe (swarm, topic) {
  const first = await swarm.nodes[0].put(`/topics/${enc(topic)}`)
  missing(first, 'PUT /topics/{topic}')
  const answers = await mapLimit(swarm.nodes.slice(1), 10, n => n.put(`/topics/${enc(topic)}`))
  const failed = [first, ...answers].filter(r => r.status !== 200)
  if (failed.length > 0) throw new Error(`${failed.length} subscriptions failed: ${failed[0].status} ${failed[0].raw}`)
  let mesh = []
  const ok = await waitFor(async () => {
    mesh = await mapLimit(swarm.nodes, 10, async (n) => {
      const res = await n.get('/topics')
      return res.body?.topics?.find(t => t.topic === topic)?.meshPeers ?? 0
    })
    return mesh.every(m => m > 0)
  }, { timeoutMs: MESH_TIMEOUT_MS, intervalMs: 2000 })
  const detail = `${swarm.nodes.length} nodes subscribed to "${topic}"; mesh peers min ${Math.min(...mesh)}, median ${percentile(mesh, 50)}, max ${Math.max(...mesh)}`
  if (!ok) throw new Error(`${detail}; ${mesh.filter(m => m === 0).length} nodes without mesh peers after ${MESH_TIMEOUT_MS / 1000} s`)
  return detail
}

/** A publish, retried while the node briefly has no subscribed peer (409 no-subscribers right after a churn). */
async function publish (node, topic, text) {
  let res
  await waitFor(async () => {
    res = await node.post(`/topics/${enc(topic)}/messages`, { json: { data: text } })
    return res.status !== 409
  }, { timeoutMs: 20_000, intervalMs: 1000 })
  if (res.status !== 200) throw new Error(`publish on ${node.name}: ${res.status} ${res.raw}`)
  return res.body
}

/** Texts of a node's history of `topic`, counted (a count above 1 is a duplicate delivery). */
async function history (node, topic) {
  const res = await node.get(`/topics/${enc(topic)}/messages?after=0&limit=${HISTORY_LIMIT}`)
  const seen = new Map()
  for (const m of res.body?.messages ?? []) {
    const entry = seen.get(m.data) ?? { count: 0, receivedAt: m.receivedAt }
    entry.count++
    seen.set(m.data, entry)
  }
  return seen
}

/**
 * Publish `perPublisher` messages from each publisher; every receiver must hold every message exactly once.
 * Latency is a receiver's `receivedAt` minus the moment the publish request was sent (one host clock).
 */
export async function checkDelivery (swarm, { topic, publishers, receivers, perPublisher, tag }) {
  const first = await publishers[0].post(`/topics/${enc(topic)}/messages`, { json: { data: `${tag}/probe` } })
  missing(first, 'POST /topics/{topic}/messages')
  const sent = new Map([[`${tag}/probe`, Date.now()]])
  if (first.status !== 200) throw new Error(`publish on ${publishers[0].name}: ${first.status} ${first.raw}`)
  await Promise.all(publishers.map(async (p) => {
    for (let k = 0; k < perPublisher; k++) {
      const text = `${tag}/${p.name}/${k}`
      sent.set(text, Date.now())
      await publish(p, topic, text)
    }
  }))
  const expected = [...sent.keys()]
  let rows = []
  await waitFor(async () => {
    rows = await mapLimit(receivers, 10, async n => ({ n, seen: await history(n, topic) }))
    return rows.every(r => expected.every(t => r.seen.has(t)))
  }, { timeoutMs: DELIVERY_TIMEOUT_MS, intervalMs: 2000 })
  let delivered = 0
  let duplicates = 0
  const latencies = []
  for (const { n, seen } of rows) {
    for (const t of expected) {
      const got = seen.get(t)
      if (got == null) continue
      delivered++
      duplicates += got.count - 1
      if (!t.includes(`/${n.name}/`)) latencies.push(got.receivedAt - sent.get(t))
    }
  }
  const want = expected.length * receivers.length
  const detail = `${expected.length} messages from ${publishers.length} publishers to ${receivers.length} nodes: ` +
    `${delivered}/${want} delivered, ${duplicates} duplicates, latency p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${Math.max(...latencies)} ms`
  if (delivered !== want || duplicates > 0) {
    const short = rows.filter(r => expected.some(t => !r.seen.has(t))).map(r => r.n.name)
    throw new Error(`${detail}; missing at ${short.slice(0, 8).join(', ')}`)
  }
  return detail
}

/** Direct messages between random distinct pairs: each acked (200 delivered) and found in the receiver's inbox. */
export async function checkDirect (swarm, { pairs, tag }) {
  const [a0, b0] = pairs[0]
  const first = await a0.post('/direct', { json: { to: b0.peerId, data: `${tag}/0` } })
  missing(first, 'POST /direct')
  const results = [first, ...await mapLimit(pairs.slice(1), 5, ([a, b], i) => a.post('/direct', { json: { to: b.peerId, data: `${tag}/${i + 1}` } }))]
  const acked = results.filter(r => r.status === 200 && r.body?.status === 'delivered')
  const rtts = acked.map(r => r.body.rttMs)
  const inboxes = await mapLimit(pairs, 5, async ([, b], i) => {
    const res = await b.get(`/direct/inbox?after=0&limit=${HISTORY_LIMIT}`)
    return (res.body?.messages ?? []).filter(m => m.data === `${tag}/${i}`).length
  })
  const received = inboxes.filter(c => c === 1).length
  const detail = `${acked.length}/${pairs.length} acked (rtt p50 ${Math.round(percentile(rtts, 50))} ms, max ${Math.round(Math.max(...rtts))} ms), ` +
    `${received}/${pairs.length} in the receiver's inbox exactly once`
  if (acked.length !== pairs.length || received !== pairs.length) {
    const bad = results.map((r, i) => [r, i]).filter(([r]) => r.status !== 200).map(([r, i]) => `${pairs[i][0].name}->${pairs[i][1].name}: ${r.status} ${r.raw.slice(0, 120)}`)
    throw new Error(`${detail}${bad.length > 0 ? `; ${bad.slice(0, 3).join('; ')}` : ''}`)
  }
  return detail
}
