/**
 * What a topic message costs: the CPU a joined swarm spends per node on each 1 KiB message (swarm CPU while
 * publishing at a steady rate, less the same swarm's idle CPU, per node per message). The idle CPU is read over a
 * window before publishing and another after it (once the last messages' lazy gossip is over), and the lower of the
 * two is taken: a swarm not yet quiet in one window (the connection budget trimming, a DHT self-lookup) would
 * otherwise flatter the figure by as much as it raised that window. Both are printed. On a machine
 * of few cores this figure sets gossip latency: one publish is a burst of (nodes x cost) of CPU that the cores
 * work off before the last receiver has it. Extra `gossipd start` arguments after `--` compare settings; with
 * `-- --stock-libraries` the nodes run on their dependencies as published, without the patches of
 * docs/ARCHITECTURE.md ("Patches"), for the row with and without them. The same difference is split into user
 * space and kernel time, into context switches (each a wake-up of a node's event loop, or a preemption), and into
 * read and write system calls and the bytes they moved (sockets and the history's SQLite files alike), from
 * /proc; at several `--rate`s it separates what each message costs from what a flow of messages costs per second
 * (docs/PERFORMANCE.md, "Per message"). With `--from=one` only the first node publishes, and the figure is split
 * between the publisher and the receivers: in a swarm of 2, what one hop costs each end.
 *
 *   npm run build && node bench/message-cost.js [--nodes=40] [--rate=3] [--seconds=45] [--from=all|one] [-- --max-connections 30]
 *   node bench/message-cost.js -- --stock-libraries
 */
import { isMain, parseArgsAndNodeArgs } from './lib/args.js'
import { load, printRows, row, writeResult } from './lib/report.js'
import { api, budgetCeiling, countersBetween, processCounters, sleep, startSwarm, textBody } from './lib/swarm.js'

/** Length of the windows the per-message figure is also given over. */
const WINDOW_MS = 10_000

export const DEFAULTS = { nodes: 40, rate: 3, seconds: 45, idleSeconds: 10, drainSeconds: 5, messageBytes: 1024, topic: 'cost', settleTimeoutMs: 180_000, afterSettleMs: 35_000, from: 'all' }

/** CPU seconds per second of a group of processes: what `countersBetween` read over `seconds`. */
const coresOf = (c, seconds) => (c.userS + c.systemS) / seconds

export async function run (opts = {}, extraArgs = []) {
  const o = { ...DEFAULTS, ...opts }
  if (o.from !== 'all' && o.from !== 'one') throw new Error(`--from must be all or one, not ${o.from}`)
  const loadBefore = load()
  const ctx = await startSwarm({ nodes: o.nodes, extraArgs })
  try {
    const nodes = ctx.nodes
    await Promise.all(nodes.map(async n => api(n, `/topics/${o.topic}`, { method: 'PUT' })))
    // joined, and within the connection budget: publishing into the budget's trimming measured the first messages
    // at about 35 peers a node, and the idle window before them at 3-5 times the idle CPU of a trimmed swarm
    const settled = await ctx.swarm.settle({ timeoutMs: o.settleTimeoutMs, maxPeers: budgetCeiling(extraArgs) })
    // past the joining period of history catch-up, which asks every 2 s
    await sleep(o.afterSettleMs)
    // the swarm's CPU over each window, by kind (user space, kernel, context switches), from /proc
    const pids = nodes.map(n => n.pid)
    // the first node, the one publisher of `--from=one`, and the rest, apart
    const groups = async () => Promise.all([processCounters(pids.slice(0, 1)), processCounters(pids.slice(1))])
    const between = (a, b) => a.map((c, k) => countersBetween(c, b[k]))
    const sum = ([a, b]) => Object.fromEntries(Object.keys(a).map(k => [k, a[k] + b[k]]))
    // the swarm's counters over an idle window: per group, summed, its length and its cores
    const idleWindow = async () => {
      const before = await groups()
      const start = performance.now()
      await sleep(o.idleSeconds * 1000)
      const byGroup = between(before, await groups())
      const counters = sum(byGroup)
      const s = (performance.now() - start) / 1000
      return { byGroup, counters, s, cores: coresOf(counters, s) }
    }
    const idleBefore = await idleWindow()
    let accepted = 0
    let i = 0
    const c0 = await groups()
    const t0 = performance.now()
    const inFlight = []
    // the same figure over each 10 s of publishing: a node's first messages cost more (docs/PERFORMANCE.md,
    // "Lighter nodes")
    const windows = []
    let windowStart = { counters: c0, at: t0, published: 0 }
    while (performance.now() - t0 < o.seconds * 1000) {
      if (performance.now() - windowStart.at >= WINDOW_MS) {
        const counters = await groups()
        const s = (performance.now() - windowStart.at) / 1000
        const c = sum(between(windowStart.counters, counters))
        windows.push({ fromS: Math.round((windowStart.at - t0) / 1000), messages: i - windowStart.published, cores: coresOf(c, s), s })
        windowStart = { counters, at: performance.now(), published: i }
      }
      const n = o.from === 'one' ? nodes[0] : nodes[i % nodes.length]
      i++
      inFlight.push(api(n, `/topics/${o.topic}/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: textBody(`${i}:`, o.messageBytes) }).then(() => { accepted++ }, () => {}))
      await sleep(Math.max(0, t0 + i * 1000 / o.rate - performance.now()))
    }
    await Promise.all(inFlight)
    const publishingS = (performance.now() - t0) / 1000
    const busyGroups = between(c0, await groups())
    const busyCounters = sum(busyGroups)
    const busyS = (performance.now() - t0) / 1000
    const busy = coresOf(busyCounters, busyS)
    // the idle window after: past the heartbeats that still gossip the last messages' ids (mcacheGossip)
    await sleep(o.drainSeconds * 1000)
    const idleAfter = await idleWindow()
    const quieter = idleAfter.cores < idleBefore.cores ? idleAfter : idleBefore
    const { byGroup: idleGroups, counters: idleCounters, s: idleS, cores: idle } = quieter
    for (const w of windows) w.perMessageMs = (w.cores - idle) * w.s * 1000 / (w.messages * nodes.length)
    // CPU ms per message and per process of a group, its publishing rate less its idle rate; per message accepted,
    // not per message the rate asked for: on a loaded machine the publishing loop falls behind
    const perMessageOf = (busyC, idleC, processes) => accepted === 0 ? NaN : (coresOf(busyC, busyS) - coresOf(idleC, idleS)) * publishingS * 1000 / (accepted * processes)
    const perMessageMs = perMessageOf(busyCounters, idleCounters, nodes.length)
    // the same split by kind: each counter's rate while publishing less its idle rate, over the publishing time
    const perMessage = Object.fromEntries(Object.keys(busyCounters).map(k => [k,
      accepted === 0 ? NaN : (busyCounters[k] / busyS - idleCounters[k] / idleS) * busyS / (accepted * nodes.length)]))
    const rows = [
      row('nodes, extra arguments', `${nodes.length}, ${extraArgs.join(' ') || '-'}`),
      row('messages accepted / published', `${accepted} / ${i} in ${publishingS.toFixed(1)} s`),
      row('swarm cores, idle / publishing', `${idle.toFixed(3)} / ${busy.toFixed(3)}`),
      row('CPU per node per message (ms)', perMessageMs.toFixed(2)),
      row('  of which user space / kernel (ms)', `${(perMessage.userS * 1000).toFixed(2)} / ${(perMessage.systemS * 1000).toFixed(2)}`),
      row('context switches per node per message, voluntary / involuntary', `${perMessage.voluntarySwitches.toFixed(2)} / ${perMessage.involuntarySwitches.toFixed(2)}`),
      row('read / write system calls per node per message (sockets and files)', `${perMessage.readCalls.toFixed(2)} / ${perMessage.writeCalls.toFixed(2)}`),
      row('bytes read / written per node per message (of which to disk)', `${perMessage.bytesRead.toFixed(0)} / ${perMessage.bytesWritten.toFixed(0)} (${perMessage.diskBytesWritten.toFixed(0)})`),
      row('idle CPU per node per second, before / after publishing (ms; the lower is taken)', `${(idleBefore.cores * 1000 / nodes.length).toFixed(2)} / ${(idleAfter.cores * 1000 / nodes.length).toFixed(2)}`),
      row('one publish across the swarm (ms of CPU)', (perMessageMs * nodes.length).toFixed(0)),
      row('CPU per node per message in each 10 s of publishing (ms)', windows.map(w => w.perMessageMs.toFixed(2)).join(' ') || '-')
    ]
    // --from=one: the same figure for the publisher alone and for each receiver
    const byRole = o.from === 'one' ? { publisherMs: perMessageOf(busyGroups[0], idleGroups[0], 1), receiverMs: nodes.length > 1 ? perMessageOf(busyGroups[1], idleGroups[1], nodes.length - 1) : NaN } : undefined
    if (byRole != null) rows.push(row('CPU per message at the publisher / at each receiver (ms)', `${byRole.publisherMs.toFixed(2)} / ${byRole.receiverMs.toFixed(2)}`))
    return { params: { ...o, nodes: nodes.length, extraArgs, nodeFlags: ctx.nodeFlags }, load: { before: loadBefore, after: load() }, settled, idleCores: idle, idleCoresBefore: idleBefore.cores, idleCoresAfter: idleAfter.cores, busyCores: busy, accepted, published: i, publishingS, perMessageMs, perNodePerMessage: perMessage, windows, byRole, idleCounters, busyCounters, rows }
  } finally {
    await ctx.stop()
  }
}

if (isMain(import.meta.url)) {
  const { opts, extraArgs } = parseArgsAndNodeArgs(process.argv.slice(2), DEFAULTS)
  const result = await run(opts, extraArgs)
  printRows('message cost', result.rows)
  process.stdout.write(`written ${await writeResult('message-cost', result)}\n`)
}
