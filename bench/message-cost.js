/**
 * What a topic message costs: the CPU a joined swarm spends per node on each 1 KiB message (swarm CPU while
 * publishing at a steady rate, less the same swarm's idle CPU just before, per node per message). On a machine
 * of few cores this figure sets gossip latency: one publish is a burst of (nodes x cost) of CPU that the cores
 * work off before the last receiver has it. Extra `gossipd start` arguments after `--` compare settings; with
 * `-- --stock-libraries` the nodes run on their dependencies as published, without the patches of
 * docs/ARCHITECTURE.md ("Patches"), for the row with and without them. The same difference is split into user
 * space and kernel time, and into context switches (each a wake-up of a node's event loop, or a preemption), from
 * /proc; at several `--rate`s it separates what each message costs from what a flow of messages costs per second
 * (docs/PERFORMANCE.md, "Per message").
 *
 *   npm run build && node bench/message-cost.js [--nodes=40] [--rate=3] [--seconds=45] [-- --max-connections 30]
 *   node bench/message-cost.js -- --stock-libraries
 */
import { isMain, parseArgsAndNodeArgs } from './lib/args.js'
import { load, printRows, row, writeResult } from './lib/report.js'
import { api, countersBetween, processCounters, sleep, startSwarm, textBody } from './lib/swarm.js'

export const DEFAULTS = { nodes: 40, rate: 3, seconds: 45, idleSeconds: 10, messageBytes: 1024, topic: 'cost', settleTimeoutMs: 180_000, afterSettleMs: 35_000 }

export async function run (opts = {}, extraArgs = []) {
  const o = { ...DEFAULTS, ...opts }
  const loadBefore = load()
  const ctx = await startSwarm({ nodes: o.nodes, extraArgs })
  try {
    const nodes = ctx.nodes
    await Promise.all(nodes.map(async n => api(n, `/topics/${o.topic}`, { method: 'PUT' })))
    const settled = await ctx.swarm.settle({ timeoutMs: o.settleTimeoutMs })
    // past the joining period of history catch-up, which asks every 2 s
    await sleep(o.afterSettleMs)
    // the swarm's CPU over each window, by kind (user space, kernel, context switches), from /proc
    const pids = nodes.map(n => n.pid)
    let c0 = await processCounters(pids)
    let t0 = performance.now()
    await sleep(o.idleSeconds * 1000)
    const idleCounters = countersBetween(c0, await processCounters(pids))
    const idleS = (performance.now() - t0) / 1000
    const idle = (idleCounters.userS + idleCounters.systemS) / idleS
    let accepted = 0
    let i = 0
    c0 = await processCounters(pids)
    t0 = performance.now()
    const inFlight = []
    while (performance.now() - t0 < o.seconds * 1000) {
      const n = nodes[i++ % nodes.length]
      inFlight.push(api(n, `/topics/${o.topic}/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: textBody(`${i}:`, o.messageBytes) }).then(() => { accepted++ }, () => {}))
      await sleep(Math.max(0, t0 + i * 1000 / o.rate - performance.now()))
    }
    await Promise.all(inFlight)
    const publishingS = (performance.now() - t0) / 1000
    const busyCounters = countersBetween(c0, await processCounters(pids))
    const busyS = (performance.now() - t0) / 1000
    const busy = (busyCounters.userS + busyCounters.systemS) / busyS
    // per message accepted, not per message the rate asked for: on a loaded machine the publishing loop falls behind
    const perMessageMs = accepted === 0 ? NaN : (busy - idle) * publishingS * 1000 / (accepted * nodes.length)
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
      row('idle CPU per node per second (ms)', (idle * 1000 / nodes.length).toFixed(2)),
      row('one publish across the swarm (ms of CPU)', (perMessageMs * nodes.length).toFixed(0))
    ]
    return { params: { ...o, nodes: nodes.length, extraArgs, nodeFlags: ctx.nodeFlags }, load: { before: loadBefore, after: load() }, settled, idleCores: idle, busyCores: busy, accepted, published: i, publishingS, perMessageMs, perNodePerMessage: perMessage, idleCounters, busyCounters, rows }
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
