/**
 * Benchmark swarms: gossipd node processes on loopback (the project's LocalSwarm, from dist/), driven through
 * their HTTP APIs the way a user drives them, plus the per-process memory figures of /proc.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { constants as osConstants, tmpdir } from 'node:os'
import { join } from 'node:path'
import { LocalSwarm, NODE_PROCESS_FLAGS, cpuSeconds, cpuTimes } from '../../dist/src/swarm/local-swarm.js'
import { Command } from 'commander'
import { addSettingOptions, flagsFrom } from '../../dist/src/cli/options.js'
import { loadConfig } from '../../dist/src/config.js'
import { connectionBudgetOf } from '../../dist/src/node/connection-budget.js'
import { CONNECTION_BUDGET_SLACK } from '../../dist/src/node/constants.js'

// Interrupted (Ctrl-C, a CI timeout's SIGTERM), a benchmark exits through process.exit, so that LocalSwarm's exit
// hook kills the node processes it started; Node's default action on these signals ends the process without it.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => process.exit(128 + osConstants.signals[signal]))
}

/** CPU seconds a process has used so far (LocalSwarm's reading of /proc). */
export { cpuSeconds }

/** Extra node flags for every process a benchmark starts (BENCH_NODE_FLAGS), e.g. `--max-semi-space-size=8`. */
export const EXTRA_NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean)

/** The flags node processes run with: LocalSwarm's own, and the extra ones. */
export const NODE_FLAGS = [...NODE_PROCESS_FLAGS, ...EXTRA_NODE_FLAGS]

/**
 * The most peers a node holds once its connection budget has trimmed what a swarm joining at once opened (the
 * budget plus its slack), for `LocalSwarm.settle`'s `maxPeers`; undefined when `extraArgs` turn the budget off
 * (`--connection-budget 0`). The budget is the node's own, from the settings among `extraArgs` and the environment
 * the nodes inherit, resolved as a node resolves them. A swarm measured before it is trimmed holds about three times
 * the connections, and the trimming, with the checks it sets off at the other ends, is a burst of work of its own
 * (docs/PERFORMANCE.md, "The benchmarks themselves").
 */
export function budgetCeiling (extraArgs = [], env = process.env) {
  // read as `gossipd start` reads its arguments: the CLI's own options, then the node's loadConfig
  const start = addSettingOptions(new Command()).exitOverride().parse(extraArgs, { from: 'user' })
  const budget = connectionBudgetOf(loadConfig({ env, flags: flagsFrom(start.opts()) }))
  return budget == null ? undefined : budget + CONNECTION_BUDGET_SLACK
}

/**
 * Start `nodes` processes; `extraArgs` go to every `gossipd start`. `nodeFlags` go on each process's `node`
 * command line after LocalSwarm's own, so any V8 flag can be given (NODE_OPTIONS refuses most).
 */
export async function startSwarm ({ nodes, extraArgs = [], nodeFlags = EXTRA_NODE_FLAGS, readyTimeoutMs = 180_000, logLevel = 'warn' }) {
  const dir = await mkdtemp(join(tmpdir(), 'bench-swarm-'))
  const swarm = new LocalSwarm({ nodes, dir, logLevel, extraArgs, readyTimeoutMs, nodeFlags })
  const t0 = performance.now()
  try {
    await swarm.start()
  } catch (err) {
    await swarm.stop()
    // the failing node's last log lines, before its directory goes
    const failed = swarm.nodes.find(n => err.message.includes(`${n.name} `))
    const tail = failed != null ? (await readFile(failed.logFile, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n') : ''
    await rm(dir, { recursive: true, force: true })
    throw new Error(`${err.message}\n${tail}`, { cause: err })
  }
  return {
    swarm,
    dir,
    nodes: swarm.nodes,
    nodeFlags: [...NODE_PROCESS_FLAGS, ...nodeFlags],
    startedInMs: Math.round(performance.now() - t0),
    bootstrapAddr: `/ip4/127.0.0.1/tcp/${swarm.nodes[0].p2pPort}`,
    async stop () {
      await swarm.stop()
      // BENCH_KEEP_SWARM=1 keeps every node's data directory and log (node.log) for a post-mortem
      if (process.env.BENCH_KEEP_SWARM === '1') console.error(`swarm directory kept: ${dir}`)
      else await rm(dir, { recursive: true, force: true })
    }
  }
}

/**
 * JSON request to a node's API; throws on a non-2xx answer unless `raw`, and, naming the node and the request,
 * when no answer came within `timeoutMs`.
 */
export async function api (node, path, { method = 'GET', body, headers = {}, signal, raw = false, timeoutMs = 120_000 } = {}) {
  const deadline = AbortSignal.timeout(timeoutMs)
  const init = { method, headers: { ...headers }, signal: signal == null ? deadline : AbortSignal.any([signal, deadline]) }
  if (body !== undefined) {
    if (body instanceof Uint8Array || typeof body === 'string' || typeof body?.[Symbol.asyncIterator] === 'function') {
      init.body = body
      init.duplex = 'half'
      init.headers['content-type'] ??= 'application/octet-stream'
    } else {
      init.body = JSON.stringify(body)
      init.headers['content-type'] = 'application/json'
    }
  }
  let res
  try {
    res = await fetch(`${node.apiUrl}${path}`, init)
  } catch (err) {
    if (!deadline.aborted) throw err
    if (process.env.BENCH_SIGNAL_ON_TIMEOUT != null && node.pid != null) process.kill(node.pid, process.env.BENCH_SIGNAL_ON_TIMEOUT)
    throw new Error(`${method} ${path} on ${node.name}: no answer within ${timeoutMs} ms`, { cause: err })
  }
  if (raw) return res
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path} on ${node.name}: ${res.status} ${text.slice(0, 200)}`)
  return text === '' ? undefined : JSON.parse(text)
}

/**
 * A node's `GET /ready`: its connected peers and routing-table size, a few bytes to serialize (503 until its first
 * peer, with the same body), so polling it costs the node little.
 */
export async function readiness (node) {
  return (await api(node, '/ready', { raw: true })).json()
}

export const sleep = async ms => new Promise(resolve => setTimeout(resolve, ms))

/** Cores the swarm's processes used while `work` ran: CPU seconds (all of them together) per second of wall time. */
export async function coresOver (swarm, work) {
  const c0 = await swarm.cpuSecondsUsed()
  const t0 = performance.now()
  await work()
  return (await swarm.cpuSecondsUsed() - c0) / ((performance.now() - t0) / 1000)
}

/** A numeric field of a /proc file in `name: value` form (`/proc/<pid>/status`, `/proc/<pid>/io`); 0 when absent. */
export const procField = (text, name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0)

/**
 * What a set of processes has used so far, summed (from /proc): CPU seconds in user space and in the kernel;
 * context switches, voluntary (the process waited: an event loop going back to sleep) and involuntary (the kernel
 * took the core away); and its I/O (`/proc/<pid>/io`): read and write system calls of any kind (sockets and files),
 * the bytes they moved, and the bytes the kernel wrote to disk for it. Processes that have exited count 0.
 */
export async function processCounters (pids) {
  const sum = { userS: 0, systemS: 0, voluntarySwitches: 0, involuntarySwitches: 0, readCalls: 0, writeCalls: 0, bytesRead: 0, bytesWritten: 0, diskBytesWritten: 0 }
  await Promise.all(pids.map(async pid => {
    try {
      const [cpu, status, io] = await Promise.all([cpuTimes(pid), readFile(`/proc/${pid}/status`, 'utf8'), readFile(`/proc/${pid}/io`, 'utf8')])
      sum.userS += cpu.userS
      sum.systemS += cpu.systemS
      sum.voluntarySwitches += procField(status, 'voluntary_ctxt_switches')
      sum.involuntarySwitches += procField(status, 'nonvoluntary_ctxt_switches')
      sum.readCalls += procField(io, 'syscr')
      sum.writeCalls += procField(io, 'syscw')
      sum.bytesRead += procField(io, 'rchar')
      sum.bytesWritten += procField(io, 'wchar')
      sum.diskBytesWritten += procField(io, 'write_bytes')
    } catch {
      // exited
    }
  }))
  return sum
}

/** `b - a`, field by field, of two `processCounters` readings. */
export function countersBetween (a, b) {
  return Object.fromEntries(Object.keys(a).map(k => [k, b[k] - a[k]]))
}

/** Poll `check` until it returns a truthy value or `timeoutMs` passes (then the last value, or undefined). */
export async function waitFor (check, { timeoutMs = 60_000, intervalMs = 200 } = {}) {
  const deadline = Date.now() + timeoutMs
  let last
  while (Date.now() < deadline) {
    try {
      last = await check()
      if (last) return last
    } catch {
      // not there yet
    }
    await sleep(intervalMs)
  }
  return last
}

/**
 * Memory of one process from /proc/<pid>/smaps_rollup, in MiB: RSS (what `ps` shows, counting shared file
 * pages in full), PSS (shared pages divided among the processes sharing them), USS (pages only this process
 * has: what stopping it would free), and the shared clean pages (mostly the node binary's text).
 */
export async function processMemory (pid) {
  const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8')
  const kb = key => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN)
  const mib = x => Math.round((x / 1024) * 10) / 10
  return {
    rss: mib(kb('Rss')),
    pss: mib(kb('Pss')),
    uss: mib(kb('Private_Clean') + kb('Private_Dirty')),
    sharedClean: mib(kb('Shared_Clean')),
    anonymous: mib(kb('Anonymous'))
  }
}


/** Random bytes that are printable, so a message body reads back as UTF-8 unchanged. */
export function textBody (prefix, size) {
  const pad = 'abcdefghijklmnopqrstuvwxyz0123456789'
  let s = prefix
  while (s.length < size) s += pad[(s.length * 7) % pad.length]
  return s.slice(0, size)
}
