/**
 * Join: a new node process started against a running swarm's bootstrap, timed from spawn to its API answering
 * (`GET /health`), and to 10 peers in its DHT routing table; and what joining costs it: the CPU seconds the new
 * process has used (`/proc/<pid>/stat`) when it first holds its target connections (`--min-connections`, 8 by
 * default) and 10 DHT peers, polled every `pollMs` (the node joined between that poll and the one before, whose CPU
 * is shown too: a figure the polling overstates by at most the difference). The whole join is given too: the
 * joiner's CPU `wholeMs` (10 s) after its spawn, and the most connections it held by then. The swarm has joined
 * and gone quiet first (`LocalSwarm.settle`); joins are one at a time, each node stopped before the next.
 * Baselines in the same run: spawn-to-exit of a bare `node -e 0` (the runtime's start) and of `gossipd --version`
 * (the runtime plus loading gossipd's code). The CPU the new process used when its API first answered is the
 * start-up part of the join. Extra `gossipd start` arguments after `--` go to the swarm and the joining nodes
 * alike, to compare settings.
 *
 *   npm run build && node bench/join.js [--nodes=40] [--joins=5] [-- --connection-budget 0]
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CLI_PATH } from '../dist/src/swarm/local-swarm.js'
import { freePorts } from '../dist/src/swarm/ports.js'
import { isMain, parseArgsAndNodeArgs } from './lib/args.js'
import { stopChild } from './lib/children.js'
import { load, printRows, row, writeResult } from './lib/report.js'
import { median, summarize } from './lib/stats.js'
import { NODE_FLAGS, budgetCeiling, coresOver, cpuSeconds, readiness, sleep, startSwarm } from './lib/swarm.js'

export const DEFAULTS = { nodes: 40, joins: 5, tablePeers: 10, targetPeers: 8, pollMs: 25, timeoutMs: 60_000, settleTimeoutMs: 180_000, wholeMs: 10_000, wholePollMs: 250 }

async function spawnToExit (args, nodeFlags) {
  const t0 = performance.now()
  const child = spawn(process.execPath, [...nodeFlags, ...args], { stdio: 'ignore' })
  await new Promise(resolve => child.once('exit', resolve))
  return performance.now() - t0
}

async function joinOnce (ctx, o, extraArgs) {
  const dir = await mkdtemp(join(tmpdir(), 'bench-join-'))
  const [p2p, apiPort] = await freePorts(2)
  const node = { name: 'joiner', apiUrl: `http://127.0.0.1:${apiPort}` }
  const args = ['start', '--listen', `/ip4/127.0.0.1/tcp/${p2p}`, '--api', `127.0.0.1:${apiPort}`, '--data-dir', dir, '--log-level', 'warn', '--bootstrap', ctx.bootstrapAddr, ...extraArgs]
  // what the join costs the rest of the swarm: its CPU over the same `wholeMs` from the spawn, less an idle window
  // of the same length just before (ctx.swarm counts only the swarm's own processes)
  // per second of wall time: the window after the spawn may run a little longer than `wholeMs`
  const swarmIdlePerS = await coresOver(ctx.swarm, async () => sleep(o.wholeMs))
  const swarmIdleS = swarmIdlePerS * o.wholeMs / 1000
  const swarm0 = await ctx.swarm.cpuSecondsUsed()
  const t0 = performance.now()
  const child = spawn(process.execPath, [...ctx.nodeFlags, CLI_PATH, ...args], { stdio: 'ignore' })
  let apiMs = null
  let tableMs = null
  let apiCpuS = null
  let joinedMs = null
  let joinCpuS = null
  // the CPU at the poll before the one that saw the node joined: the join happened between the two
  let lastCpuS = null
  let joinCpuLowS = null
  // the whole join: the lookups and the trimming go on after the node first holds its target. The joiner's CPU
  // `wholeMs` after the spawn, and the most connections it held by then (polled every `wholePollMs`)
  let wholeCpuS = null
  let peakPeers = 0
  let swarmJoinS = null
  try {
    const deadline = t0 + o.timeoutMs
    while (apiMs == null && performance.now() < deadline) {
      try {
        const res = await fetch(`${node.apiUrl}/health`)
        if (res.ok) {
          apiMs = performance.now() - t0
          apiCpuS = await cpuSeconds(child.pid)
        }
      } catch {
        await sleep(10)
      }
    }
    // polled, not pushed, through `GET /ready` (peers and routing-table size in a few bytes): polling
    // `/dht/routing-table` and `/peers` instead serialized both tables 10 times a second and compiled their
    // schemas, 9 % of a joining node's CPU profile, charged to the join
    while (joinCpuS == null && performance.now() < deadline) {
      const ready = await readiness(node)
      const now = performance.now() - t0
      peakPeers = Math.max(peakPeers, ready.peers)
      if (tableMs == null && ready.routingTable >= o.tablePeers) tableMs = now
      if (tableMs != null && ready.peers >= o.targetPeers) {
        joinedMs = now
        joinCpuS = await cpuSeconds(child.pid)
        joinCpuLowS = lastCpuS
      } else {
        lastCpuS = await cpuSeconds(child.pid)
        await sleep(o.pollMs)
      }
    }
    while (joinCpuS != null && performance.now() - t0 < o.wholeMs) {
      await sleep(Math.min(o.wholePollMs, Math.max(0, o.wholeMs - (performance.now() - t0))))
      peakPeers = Math.max(peakPeers, (await readiness(node)).peers)
    }
    if (joinCpuS != null) {
      wholeCpuS = await cpuSeconds(child.pid)
      swarmJoinS = await ctx.swarm.cpuSecondsUsed() - swarm0 - swarmIdlePerS * (performance.now() - t0) / 1000
    }
  } finally {
    await stopChild(child)
    await rm(dir, { recursive: true, force: true })
  }
  return { apiMs, tableMs, apiCpuS, joinedMs, joinCpuS, joinCpuLowS, wholeCpuS, swarmJoinS, swarmIdleS, peakPeers }
}

export async function run (opts = {}, shared, extraArgs = []) {
  const o = { ...DEFAULTS, ...opts }
  const loadBefore = load()
  const ctx = shared ?? await startSwarm({ nodes: o.nodes, extraArgs })
  const nodeFlags = ctx.nodeFlags ?? NODE_FLAGS
  try {
    // a joined, quiet swarm, as the other swarm benchmarks measure: a node joining a swarm that is itself still
    // joining measures the storm (the first join used to take 7-10 s to fill its table, the others 1-1.3 s); and
    // one within its connection budget, as a swarm that has run a while is
    const settled = await ctx.swarm.settle({ timeoutMs: o.settleTimeoutMs, maxPeers: budgetCeiling(extraArgs) })
    const joins = []
    const bare = []
    const version = []
    for (let i = 0; i < o.joins; i++) {
      bare.push(await spawnToExit(['-e', '0'], nodeFlags))
      version.push(await spawnToExit([CLI_PATH, '--version'], nodeFlags))
      joins.push(await joinOnce(ctx, o, extraArgs))
    }
    const api = summarize(joins.map(j => j.apiMs).filter(x => x != null))
    const table = summarize(joins.map(j => j.tableMs).filter(x => x != null))
    const apiCpu = summarize(joins.map(j => j.apiCpuS).filter(x => x != null))
    const joinCpu = summarize(joins.map(j => j.joinCpuS).filter(x => x != null))
    const joinCpuLow = summarize(joins.map(j => j.joinCpuLowS).filter(x => x != null))
    const wholeCpu = summarize(joins.map(j => j.wholeCpuS).filter(x => x != null))
    const swarmJoin = summarize(joins.map(j => j.swarmJoinS).filter(x => x != null))
    const swarmIdle = summarize(joins.map(j => j.swarmIdleS))
    const peakPeers = summarize(joins.map(j => j.peakPeers))
    const rows = [
      row('swarm nodes, extra arguments', `${ctx.nodes.length}, ${extraArgs.join(' ') || '-'}`),
      row('joins (API up / table filled)', `${api.n} / ${table.n} of ${o.joins}`),
      row('start to API ready p50 / max (ms)', `${api.p50?.toFixed(0)} / ${api.max?.toFixed(0)}`, '<= 1000', api.max != null && api.max <= 1000),
      row(`start to ${o.tablePeers} peers in the DHT table p50 / max (ms)`, `${table.p50?.toFixed(0)} / ${table.max?.toFixed(0)}`, '<= 5000', table.n === o.joins && table.max <= 5000),
      row(`CPU to ${o.targetPeers} connections and ${o.tablePeers} DHT peers p50 / max (s)`, `${joinCpu.p50?.toFixed(3)} / ${joinCpu.max?.toFixed(3)}`, '<= 0.5', joinCpu.n === o.joins && joinCpu.max <= 0.5),
      row(`  at the poll before (${o.pollMs} ms earlier), p50 / max (s)`, `${joinCpuLow.p50?.toFixed(3)} / ${joinCpuLow.max?.toFixed(3)}`),
      row('of which start-up, CPU to API ready p50 (s)', apiCpu.p50?.toFixed(3)),
      row(`the whole join, ${o.wholeMs / 1000} s after the start: the joiner's CPU p50 / max (s)`, `${wholeCpu.p50?.toFixed(3)} / ${wholeCpu.max?.toFixed(3)}`),
      row('  the most connections the joiner held, p50 / max', `${peakPeers.p50} / ${peakPeers.max}`),
      row(`  the rest of the swarm's CPU over those ${o.wholeMs / 1000} s, less its idle ${o.wholeMs / 1000} s before, p50 / max (s)`, `${swarmJoin.p50?.toFixed(3)} / ${swarmJoin.max?.toFixed(3)}`),
      row(`  the swarm's idle CPU over ${o.wholeMs / 1000} s before a join, p50 (s)`, swarmIdle.p50?.toFixed(3)),
      row('baseline: node -e 0 p50 (ms)', median(bare).toFixed(0)),
      row('baseline: gossipd --version p50 (ms)', median(version).toFixed(0))
    ]
    return {
      params: { ...o, swarmNodes: ctx.nodes.length, nodeFlags, extraArgs },
      load: { before: loadBefore, after: load() },
      settled,
      apiReadyMs: api,
      tableMs: table,
      joinCpuS: joinCpu,
      joinCpuAtPollBeforeS: joinCpuLow,
      apiReadyCpuS: apiCpu,
      wholeCpuS: wholeCpu,
      swarmJoinS: swarmJoin,
      swarmIdleS: swarmIdle,
      peakPeers,
      joins,
      baselineBareNodeMs: summarize(bare),
      baselineVersionMs: summarize(version),
      rows
    }
  } finally {
    if (shared == null) await ctx.stop()
  }
}

if (isMain(import.meta.url)) {
  const { opts, extraArgs } = parseArgsAndNodeArgs(process.argv.slice(2), DEFAULTS)
  const result = await run(opts, undefined, extraArgs)
  printRows('join', result.rows)
  process.stdout.write(`written ${await writeResult('join', result)}\n`)
}
