/**
 * Gossip delivery: N node processes all subscribe to one topic; 1 KiB messages are published at a steady rate
 * from random nodes through their HTTP APIs. Each receiver stamps a message when it stores it (`receivedAt`),
 * on the same clock as the publish time taken here, so publish-to-receive latency needs no clock sync. The
 * baseline in the same run: the round trip of a trivial HTTP request (`GET /health`) to random nodes at the
 * same rate, the floor a loaded machine puts under any latency measured this way.
 *
 *   npm run build && node bench/gossip.js [--nodes=50] [--rate=10] [--seconds=60]
 */
import { GOSSIPSUB_DLO } from '../dist/src/node/constants.js'
import { isMain, parseArgs } from './lib/args.js'
import { load, printRows, row, writeFileIn, writeResult } from './lib/report.js'
import { percentile, ratio, summarize } from './lib/stats.js'
import { lineChart } from './lib/svg.js'
import { api, budgetCeiling, sleep, startSwarm, textBody, waitFor } from './lib/swarm.js'

export const DEFAULTS = { nodes: 50, rate: 10, seconds: 60, messageBytes: 1024, drainMs: 5000, meshTimeoutMs: 90_000, settleTimeoutMs: 180_000 }

/**
 * The first seconds of publishing, apart: a node's first messages cost it more CPU than later ones, and 50 nodes
 * at once push the swarm past its 2 cores (docs/PERFORMANCE.md, "Lighter nodes").
 */
const FIRST_SECONDS = 5

/** A delivery to its last receiver, and a `GET /health`, slower than these mark a second of the run as slow. */
const SLOW_MESSAGE_MS = 250
const SLOW_HEALTH_MS = 100

/** A small seeded generator, so a run's choice of publishers can be repeated. */
export function prng (seed = 1) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

async function timed (fn) {
  const t0 = performance.now()
  try {
    await fn()
    return { ms: performance.now() - t0, ok: true }
  } catch (err) {
    return { ms: performance.now() - t0, ok: false, error: err.message }
  }
}

/**
 * The seconds of the run (from the first publish) in which a message reached its last receiver after more than
 * `slowMs`, and in which a `GET /health` took more than `slowHealthMs`; message k is published at k / rate s.
 */
export function tailSeconds ({ rate, lastArrival, healthAt, slowMs, slowHealthMs }) {
  const seconds = ks => [...new Set(ks.map(k => Math.floor(k / rate)))].sort((a, b) => a - b)
  return {
    slowMessageSeconds: seconds([...lastArrival].filter(([, ms]) => ms > slowMs).map(([k]) => k)),
    slowHealthSeconds: seconds(healthAt.filter(h => h.ms > slowHealthMs).map(h => h.k))
  }
}

/** The errors of failed publishes, each with its count, most frequent first. */
function publishErrors (published) {
  const counts = new Map()
  for (const p of published) {
    if (p.ok) continue
    const key = String(p.error ?? 'unknown').slice(0, 160)
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([e, n]) => `${n} x ${e}`).join('; ')
}

/** Every message of a topic in a node's history, page by page. */
async function history (node, topic) {
  const out = []
  let after = 0
  while (true) {
    const page = await api(node, `/topics/${topic}/messages?limit=1000&after=${after}`)
    out.push(...page.messages)
    if (page.messages.length < 1000) return out
    after = page.next
  }
}

export async function run (opts = {}, shared) {
  const o = { ...DEFAULTS, ...opts }
  const loadBefore = load()
  const ctx = shared ?? await startSwarm({ nodes: o.nodes })
  const nodes = ctx.nodes
  const topic = `bench-gossip-${Date.now()}`
  const random = prng(42)
  try {
    // a joined, quiet swarm: steady-state figures, not the join storm's (LocalSwarm.settle). The storm ends once
    // the connection budget has trimmed what the mass join opened: publishing into that trimming (dozens of
    // connections a node closed, and each checked from its other end) took gossip p99 to 2.6-4.1 s and
    // `GET /health` p99 to 2.3-3.1 s in 50-node runs of `1e9d337` and `5489ee1` without this wait (2026-12-05)
    const settled = await ctx.swarm.settle({ timeoutMs: o.settleTimeoutMs, maxPeers: budgetCeiling() })
    await Promise.all(nodes.map(async n => api(n, `/topics/${topic}`, { method: 'PUT' })))
    // a mesh forms over a few heartbeats; publish only once every node has peers in it
    // gossipsub's lower bound: the heartbeat grafts a node up to it, and may leave it there
    const wantMesh = Math.min(GOSSIPSUB_DLO, nodes.length - 1)
    const meshT0 = performance.now()
    await waitFor(async () => {
      const infos = await Promise.all(nodes.map(async n => api(n, `/topics/${topic}`, { method: 'PUT' })))
      return infos.every(i => i.meshPeers >= wantMesh)
    }, { timeoutMs: o.meshTimeoutMs, intervalMs: 500 })
    const meshMs = Math.round(performance.now() - meshT0)
    // what each node knew when publishing began: a node with no known subscriber can neither send nor receive
    const atStart = await Promise.all(nodes.map(async n => api(n, `/topics/${topic}`, { method: 'PUT' }).catch(() => null)))

    const total = Math.max(1, Math.round(o.rate * o.seconds))
    const published = []
    const health = []
    const healthAt = []
    const pending = []
    const start = performance.now()
    const startedAt = Date.now()
    for (let k = 0; k < total; k++) {
      const due = start + (k * 1000) / o.rate
      const wait = due - performance.now()
      if (wait > 0) await sleep(wait)
      const from = Math.floor(random() * nodes.length)
      const probe = Math.floor(random() * nodes.length)
      const entry = { k, from, sentAt: Date.now(), lateMs: Math.max(0, -wait) }
      published.push(entry)
      pending.push(timed(async () => {
        const res = await api(nodes[from], `/topics/${topic}/messages`, {
          method: 'POST',
          body: textBody(`m${k}|`, o.messageBytes),
          headers: { 'content-type': 'text/plain' }
        })
        entry.id = res.id
      }).then(t => { Object.assign(entry, { rttMs: t.ms, ok: t.ok, error: t.error }) }))
      pending.push(timed(async () => api(nodes[probe], '/health')).then(t => { health.push(t.ms); healthAt.push({ k, ms: t.ms }) }))
    }
    await Promise.all(pending)
    const publishSeconds = (performance.now() - start) / 1000
    await sleep(o.drainMs)

    const ok = published.filter(p => p.ok)
    const byK = new Map(ok.map(p => [p.k, p]))
    const latencies = []
    // messages k < firstK were published in the first FIRST_SECONDS, as were the /health probes sent beside them
    const firstK = FIRST_SECONDS * o.rate
    const firstLatencies = []
    const laterLatencies = []
    const lastArrival = new Map()
    let delivered = 0
    const perNode = await Promise.all(nodes.map(async (n, i) => {
      const msgs = await history(n, topic)
      let got = 0
      for (const m of msgs) {
        const k = Number(/^m(\d+)\|/.exec(m.data ?? '')?.[1])
        const p = byK.get(k)
        if (p == null || p.from === i) continue
        got++
        const ms = m.receivedAt - p.sentAt
        latencies.push(ms)
        ;(p.k < firstK ? firstLatencies : laterLatencies).push(ms)
        lastArrival.set(k, Math.max(lastArrival.get(k) ?? 0, ms))
      }
      delivered += got
      return got
    }))
    const expected = ok.length * (nodes.length - 1)
    const deliveryRatio = expected === 0 ? 0 : delivered / expected
    const lat = summarize(latencies)
    const healthRtt = summarize(health)
    const publishRtt = summarize(ok.map(p => p.rttMs))
    // where the tail sits in time: clustered seconds point at swarm-wide bursts (timers, trims), scattered ones
    // at the run's own load
    const tail = { publishingFrom: new Date(startedAt).toISOString(), ...tailSeconds({ rate: o.rate, lastArrival, healthAt, slowMs: SLOW_MESSAGE_MS, slowHealthMs: SLOW_HEALTH_MS }) }
    const latFirst = summarize(firstLatencies)
    const latLater = summarize(laterLatencies)
    const healthFirst = summarize(healthAt.filter(h => h.k < firstK).map(h => h.ms))
    const healthLater = summarize(healthAt.filter(h => h.k >= firstK).map(h => h.ms))
    const p99s = (a, b, show = x => x) => [a, b].map(x => x.p99 == null ? '-' : show(x.p99)).join(' / ')
    // nodes that knew no subscriber when publishing began (or did not answer)
    const unsubscribed = nodes.filter((_, j) => atStart[j] == null || atStart[j].subscribers === 0)
    const rows = [
      row('nodes, messages published (ok/total)', `${nodes.length}, ${ok.length}/${total}`),
      row('swarm joined and within its connection budget / quiet after (s)', `${(settled.joinedMs / 1000).toFixed(1)} / ${(settled.quietMs / 1000).toFixed(1)}${settled.joined && settled.quiet ? '' : ' (not settled: timed out)'}`),
      row(`nodes with >= ${wantMesh} mesh peers / with no subscriber known, at start`, `${atStart.filter(i => i != null && i.meshPeers >= wantMesh).length} / ${unsubscribed.length} (mesh wait ${(meshMs / 1000).toFixed(1)} s)`),
      ...(settled.lagging.length > 0 ? [row('nodes short of the settle minimums at the timeout: name (peers, DHT table)', settled.lagging.map(l => `${l.name} (${l.peers ?? '-'}, ${l.routingTable ?? '-'})`).join(' '))] : []),
      ...(unsubscribed.length > 0 ? [row('nodes with no subscriber known at start', unsubscribed.map(n => n.name).join(' '))] : []),
      ...(ok.length < total ? [row('publishes refused or failed, by error', publishErrors(published))] : []),
      row('delivery ratio', (deliveryRatio * 100).toFixed(3) + ' %', '100 %', delivered === expected && ok.length === total),
      row('latency p50 (ms)', lat.p50, '<= 10', lat.p50 != null && lat.p50 <= 10),
      row('latency p99 (ms)', lat.p99, '<= 100', lat.p99 != null && lat.p99 <= 100),
      row(`latency p99, messages of the first ${FIRST_SECONDS} s / the rest (ms)`, p99s(latFirst, latLater)),
      row('latency to the last receiver p50/p99 (ms)', `${percentile([...lastArrival.values()], 50)} / ${percentile([...lastArrival.values()], 99)}`),
      row('baseline: GET /health round trip p50/p99 (ms)', `${healthRtt.p50?.toFixed(1)} / ${healthRtt.p99?.toFixed(1)}`),
      row(`GET /health p99, probes of the first ${FIRST_SECONDS} s / the rest (ms)`, p99s(healthFirst, healthLater, x => x.toFixed(1))),
      row('publish request round trip p50/p99 (ms)', `${publishRtt.p50?.toFixed(1)} / ${publishRtt.p99?.toFixed(1)}`),
      row('latency p50 / health round trip p50', ratio(lat.p50, healthRtt.p50)),
      row(`seconds of the run with a message > ${SLOW_MESSAGE_MS} ms to its last receiver / a /health > ${SLOW_HEALTH_MS} ms`, `${tail.slowMessageSeconds.join(' ') || '-'} / ${tail.slowHealthSeconds.join(' ') || '-'}`)
    ]
    const cdf = [...latencies].sort((a, b) => a - b)
    const step = Math.max(1, Math.floor(cdf.length / 200))
    const svg = lineChart({
      title: `Gossip publish-to-receive latency, ${nodes.length} nodes, ${o.rate} msg/s`,
      xLabel: 'latency (ms)',
      yLabel: 'fraction of deliveries',
      series: [{ name: 'deliveries', points: cdf.map((v, i) => [v, (i + 1) / cdf.length]).filter((_, i) => i % step === 0 || i === cdf.length - 1) }]
    })
    return {
      params: { ...o, nodes: nodes.length, topic, nodeFlags: ctx.nodeFlags },
      load: { before: loadBefore, after: load() },
      settled,
      meshReadyMs: meshMs,
      meshReady: atStart.every(i => i != null && i.meshPeers >= wantMesh),
      meshPeersAtStart: atStart.map(i => i?.meshPeers ?? null),
      subscribersAtStart: atStart.map(i => i?.subscribers ?? null),
      publishSeconds,
      published: total,
      publishedOk: ok.length,
      publishErrors: published.filter(p => !p.ok).slice(0, 5).map(p => p.error),
      schedulerLateMsP99: percentile(published.map(p => p.lateMs), 99),
      delivered,
      expected,
      deliveryRatio,
      deliveredPerNode: perNode,
      latencyMs: lat,
      latencyFirstSecondsMs: latFirst,
      latencyLaterMs: latLater,
      lastReceiverLatencyMs: summarize([...lastArrival.values()]),
      baselineHealthRttMs: healthRtt,
      healthFirstSecondsMs: healthFirst,
      healthLaterMs: healthLater,
      publishRttMs: publishRtt,
      tail,
      rows,
      svg
    }
  } finally {
    if (shared == null) await ctx.stop()
  }
}

export async function save (result) {
  const { svg, ...rest } = result
  await writeFileIn('gossip-latency.svg', svg)
  return writeResult('gossip', rest)
}

if (isMain(import.meta.url)) {
  const result = await run(parseArgs(process.argv.slice(2), DEFAULTS))
  printRows('gossip delivery', result.rows)
  process.stdout.write(`written ${await save(result)}\n`)
}
