/**
 * HTTP publish rate: autocannon against one node's `POST /topics/{topic}/messages` (1 KiB text bodies) while
 * the other nodes of a small swarm subscribe to the topic, so every request is signed, stored and sent to
 * them. The baseline in the same run: autocannon against the same node's `GET /health`, what fastify on this
 * machine answers with no work behind it. The limit in the same run: the CPU every process of the setup spends
 * per publish (publisher, subscribers, and autocannon in this process), which caps the rate the machine's cores
 * can carry whatever the publisher does.
 *
 *   npm run build && node bench/http-publish.js [--subscribers=3] [--seconds=10] [--connections=16]
 */
import { cpus } from 'node:os'
import autocannon from 'autocannon'
import { isMain, parseArgs } from './lib/args.js'
import { load, printRows, row, writeResult } from './lib/report.js'
import { ratio } from './lib/stats.js'
import { api, cpuSeconds, sleep, startSwarm, textBody, waitFor } from './lib/swarm.js'

export const DEFAULTS = { subscribers: 3, seconds: 10, connections: 16, messageBytes: 1024, pipelining: 1 }

async function cannon (opts) {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => { if (err != null) reject(err); else resolve(result) })
  })
}

function summary (r) {
  return {
    requestsPerSecond: r.requests.average,
    requestsPerSecondP50: r.requests.p50,
    latencyMsP50: r.latency.p50,
    latencyMsP99: r.latency.p99,
    total: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts
  }
}

export async function run (opts = {}, shared) {
  const o = { ...DEFAULTS, ...opts }
  const loadBefore = load()
  const ctx = shared ?? await startSwarm({ nodes: o.subscribers + 1 })
  const [publisher, ...rest] = ctx.nodes
  const subscribers = rest.slice(0, o.subscribers)
  const topic = `bench-http-${Date.now()}`
  try {
    await Promise.all([publisher, ...subscribers].map(async n => api(n, `/topics/${topic}`, { method: 'PUT' })))
    await waitFor(async () => (await api(publisher, `/topics/${topic}`, { method: 'PUT' })).subscribers >= subscribers.length, { timeoutMs: 60_000, intervalMs: 250 })
    const common = { connections: o.connections, pipelining: o.pipelining, duration: o.seconds }
    // CPU the publisher's process spends per request: what a quiet core would turn into a rate; and what the
    // whole setup spends (the subscribers receiving, checking and storing; autocannon, run in this process)
    const setupCpu = async () => {
      const own = process.cpuUsage()
      const nodes = await Promise.all(subscribers.map(async n => cpuSeconds(n.pid)))
      return { publisher: await cpuSeconds(publisher.pid), subscribers: nodes.reduce((a, b) => a + b, 0), loadGenerator: (own.user + own.system) / 1e6 }
    }
    const cpuPerRequest = async (run) => {
      const c0 = await setupCpu()
      const r = await run()
      const c1 = await setupCpu()
      const us = (key) => Math.round((c1[key] - c0[key]) / r.total * 1e6)
      const setupCpuUsPerRequest = us('publisher') + us('subscribers') + us('loadGenerator')
      return {
        ...r,
        publisherCpuUsPerRequest: us('publisher'),
        subscribersCpuUsPerRequest: us('subscribers'),
        loadGeneratorCpuUsPerRequest: us('loadGenerator'),
        setupCpuUsPerRequest,
        // the rate all the machine's cores could carry at that CPU per request, with nothing else running
        machineBoundPerSecond: Math.round(cpus().length * 1e6 / setupCpuUsPerRequest),
        // the same with a publisher that cost nothing: what the subscribers and the load generator leave room for
        freePublisherBoundPerSecond: Math.round(cpus().length * 1e6 / (setupCpuUsPerRequest - us('publisher')))
      }
    }
    const health = await cpuPerRequest(async () => summary(await cannon({ ...common, url: `${publisher.apiUrl}/health` })))
    const before = (await api(subscribers[0], `/topics/${topic}`, { method: 'PUT' })).lastSeq
    const publish = await cpuPerRequest(async () => summary(await cannon({
      ...common,
      url: `${publisher.apiUrl}/topics/${topic}/messages`,
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: textBody('http-bench|', o.messageBytes)
    })))
    // delivered to a subscriber: what arrived there once the burst settles (the history keeps the newest only)
    await sleep(2000)
    const after = (await api(subscribers[0], `/topics/${topic}`, { method: 'PUT' })).lastSeq
    const ok = publish.total - publish.non2xx
    const received = after - before
    const ofHealth = ratio(publish.requestsPerSecond, health.requestsPerSecond)
    const ofBound = ratio(publish.requestsPerSecond, publish.machineBoundPerSecond)
    const rows = [
      row('publish (req/s, mean)', publish.requestsPerSecond.toFixed(0), '>= 5000', publish.requestsPerSecond >= 5000 && publish.non2xx === 0),
      row('publish latency p50 / p99 (ms)', `${publish.latencyMsP50} / ${publish.latencyMsP99}`),
      row('publish non-2xx / errors', `${publish.non2xx} / ${publish.errors}`),
      row('received by one subscriber / published', `${received} / ${ok}`),
      row('baseline: GET /health (req/s)', health.requestsPerSecond.toFixed(0)),
      row('publisher CPU per request: publish / health (us)', `${publish.publisherCpuUsPerRequest} / ${health.publisherCpuUsPerRequest}`),
      row('CPU per publish: publisher / subscribers / autocannon (us)', `${publish.publisherCpuUsPerRequest} / ${publish.subscribersCpuUsPerRequest} / ${publish.loadGeneratorCpuUsPerRequest}`),
      row(`limit: ${cpus().length} cores / CPU per publish of the setup (req/s)`, publish.machineBoundPerSecond),
      row('publish / limit', ofBound),
      row('limit with a publisher that cost nothing (req/s)', publish.freePublisherBoundPerSecond),
      row('publish / health', ofHealth)
    ]
    return {
      params: { ...o, nodeFlags: ctx.nodeFlags },
      load: { before: loadBefore, after: load() },
      publish,
      health,
      receivedBySubscriber: received,
      publishedOk: ok,
      ratios: { publishOfHealth: ofHealth, publishOfMachineBound: ofBound },
      rows
    }
  } finally {
    if (shared == null) await ctx.stop()
  }
}

if (isMain(import.meta.url)) {
  const result = await run(parseArgs(process.argv.slice(2), DEFAULTS))
  printRows('HTTP publish', result.rows)
  process.stdout.write(`written ${await writeResult('http-publish', result)}\n`)
}
