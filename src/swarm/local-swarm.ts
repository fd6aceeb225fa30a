/**
 * A swarm of gossipd nodes as separate processes on loopback: node 0 is the bootstrap, every other node knows
 * only its address (no peer id) and finds the rest through the DHT.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, existsSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { packageRoot } from '../package-root.js'
import { freePorts } from './ports.js'

export interface SwarmNode {
  name: string
  index: number
  apiUrl: string
  p2pPort: number
  apiPort: number
  dataDir: string
  logFile: string
  /** The arguments after `gossipd` that start this node (to restart it by hand). */
  args: string[]
  pid?: number
  peerId?: string
}

export interface LocalSwarmOptions {
  nodes: number
  dir: string
  host?: string
  logLevel?: string
  /** Extra `gossipd start` arguments given to every node. */
  extraArgs?: string[]
  /** How long to wait for every node's API. @default 60 s */
  readyTimeoutMs?: number
  /**
   * Extra flags for every node process's `node` command line, after NODE_PROCESS_FLAGS: any V8 flag, where
   * NODE_OPTIONS refuses most (`--trace-gc`, `--no-turbofan`, `--initial-old-space-size`).
   */
  nodeFlags?: string[]
}

/** bin/gossipd.js of this package. */
function findCli (): string {
  const root = packageRoot()
  if (root == null || !existsSync(join(root, 'bin', 'gossipd.js'))) throw new Error('cannot find this package\'s bin/gossipd.js')
  return join(root, 'bin', 'gossipd.js')
}

export const CLI_PATH = findCli()

/**
 * Node flags of every node process (the Docker image and bin/gossipd.js's first line give the same).
 * - V8 grows the young generation to 32 MiB under traffic; capped at 2 MiB semi-spaces it stays at 4 MiB, which
 *   cuts each node's resident memory by about 25 MiB (158 -> 134 MiB RSS, 102 -> 77 MiB PSS, 6 nodes after gossip
 *   traffic) at no measurable cost in transfer CPU per byte or publish rate (bench/memory.js, bench/transfer.js,
 *   docs/PERFORMANCE.md). It must be given at process start: `v8.setFlagsFromString` at run time does not resize
 *   the heap.
 * - V8's battery-saver mode spends fewer CPU cycles in all, for code that is a little slower at its peak: V8 then
 *   skips on-stack replacement into its top compiler and tunes its garbage collector for CPU, not latency. Dozens
 *   of nodes sharing a few cores are the case it is for: 40 nodes at 3 msg/s spent 3.40, 3.54 and 3.94 ms of CPU
 *   per node per message against 4.18, 3.90 and 4.07 without, and 50 nodes at 10 msg/s delivered at p99 307 and
 *   225 ms against 479 and 498 (docs/PERFORMANCE.md).
 */
export const NODE_PROCESS_FLAGS = ['--max-semi-space-size=2', '--battery-saver-mode']

/**
 * Environment of every node process, under what the caller's environment sets. The Docker image sets the same.
 * - glibc gives each thread that allocates (libuv's pool, V8's workers) an arena of its own, which keeps freed
 *   memory; two arenas cut a node's PSS from 101.2 to 96.7 MiB at the median, 114.1 to 105.3 at the most.
 * - glibc serves blocks of 128 KiB and more with mmap and returns them when freed, but raises that threshold (up
 *   to 32 MiB) each time such a block is freed, after which large blocks (V8's compiler zones, big buffers) come
 *   from the heap and stay with the process. A fixed threshold keeps returning them: PSS 86.2-87.5 -> 78.2 and
 *   84.3 MiB at the median in two runs, at no CPU cost measured (6.27 -> 6.34 ms per node per message; transfer
 *   CPU per GB alike).
 * Both: 50 nodes after 60 s of gossip at 10 msg/s, `node bench/memory.js`.
 */
export const NODE_PROCESS_ENV: Record<string, string> = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' }

export interface SettleOptions {
  /** Connected peers every node must have (or all the others, in a smaller swarm). @default 8 */
  minPeers?: number
  /** DHT routing-table entries every node must have (or all the others). @default 15 */
  minRoutingTable?: number
  /**
   * Connected peers no node may hold: a swarm that joined at once holds dozens a node until the connection budget
   * has trimmed them (once they are 30 s old), and that trimming, with the checks it sets off at the other ends,
   * is a burst of work of its own. @default no limit
   */
  maxPeers?: number
  /** Quiet: the swarm's processes together use fewer cores than this over `windowMs`. @default 1 */
  maxCores?: number
  /** @default 3000 */
  windowMs?: number
  /** Give up (and say so) after this long. @default 180 s */
  timeoutMs?: number
}

export interface Settled {
  /** Every node reached the peer and routing-table minimums. */
  joined: boolean
  joinedMs: number
  /** The swarm then went quiet. */
  quiet: boolean
  quietMs: number
  /** Cores the swarm used over the last window. */
  cores: number
  /**
   * The nodes that missed the minimums (or the peer ceiling) at the last poll before giving up, with what they
   * held; `peers` and `routingTable` are null for a node that did not answer. Empty once joined.
   */
  lagging: Array<{ name: string, peers: number | null, routingTable: number | null }>
}

/** CPU seconds a process has used so far, in user space and in the kernel, from /proc/<pid>/stat (ticks of 1/100 s). */
export async function cpuTimes (pid: number): Promise<{ userS: number, systemS: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { userS: Number(fields[11]) / 100, systemS: Number(fields[12]) / 100 }
}

/** CPU seconds (user + system) a process has used so far. */
export async function cpuSeconds (pid: number): Promise<number> {
  const { userS, systemS } = await cpuTimes(pid)
  return userS + systemS
}

/** A node's `GET /ready` answer: connected peers and routing-table size. */
export interface Readiness {
  ready: boolean
  peers: number
  routingTable: number
}

/**
 * Read a node's `GET /ready`: a few bytes, and 503 with the same body until its first peer, so polling it costs the
 * node little (listing `/peers` and `/dht/routing-table` instead cost each node of a joining swarm about 2 ms of CPU
 * a second). Any other status throws.
 */
export async function readiness (apiUrl: string, { headers = {}, timeoutMs = 10_000 }: { headers?: Record<string, string>, timeoutMs?: number } = {}): Promise<Readiness> {
  const res = await fetch(`${apiUrl}/ready`, { headers, signal: AbortSignal.timeout(timeoutMs) })
  const body = await res.text()
  if (!res.ok && res.status !== 503) throw new Error(`GET ${apiUrl}/ready: ${res.status} ${body.slice(0, 200)}`)
  return JSON.parse(body) as Readiness
}

/**
 * Every node process some LocalSwarm of this process has started and that is still running. A swarm's processes
 * must not outlive the process that started them: a benchmark or test that dies on an uncaught error never runs
 * its `stop()`, and its nodes would keep running (a failed benchmark once left 21 of them, one hung, using the
 * machine for 82 minutes beside the next measurements). When this process exits, for whatever reason, they are
 * killed (SIGKILL: an exit handler cannot wait for a graceful stop).
 */
const running = new Set<ChildProcess>()
let exitHookInstalled = false
function killOnExit (child: ChildProcess): void {
  running.add(child)
  child.once('exit', () => running.delete(child))
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const c of running) c.kill('SIGKILL')
  })
}

export class LocalSwarm {
  readonly nodes: SwarmNode[] = []
  private readonly children = new Map<number, ChildProcess>()

  constructor (private readonly opts: LocalSwarmOptions) {}

  async start (): Promise<SwarmNode[]> {
    const host = this.opts.host ?? '127.0.0.1'
    const ports = await freePorts(this.opts.nodes * 2, host)
    const bootstrapAddr = `/ip4/${host}/tcp/${ports[0]}`
    for (let i = 0; i < this.opts.nodes; i++) {
      const p2pPort = ports[i * 2]
      const apiPort = ports[i * 2 + 1]
      const name = i === 0 ? 'bootstrap' : `node${i}`
      const dataDir = resolve(join(this.opts.dir, name))
      await mkdir(dataDir, { recursive: true })
      const args = [
        'start',
        '--listen', `/ip4/${host}/tcp/${p2pPort}`,
        '--api', `${host}:${apiPort}`,
        '--data-dir', dataDir,
        '--nick', name,
        '--log-level', this.opts.logLevel ?? 'info',
        ...(i === 0 ? [] : ['--bootstrap', bootstrapAddr]),
        ...(this.opts.extraArgs ?? [])
      ]
      this.nodes.push({ name, index: i, apiUrl: `http://${host}:${apiPort}`, p2pPort, apiPort, dataDir, logFile: join(dataDir, 'node.log'), args })
    }
    for (const node of this.nodes) {
      this.spawn(node)
    }
    await Promise.all(this.nodes.map(async n => this.waitReady(n)))
    return this.nodes
  }

  /** Start (or restart) one node's process. */
  spawn (node: SwarmNode): void {
    const out = createWriteStream(node.logFile, { flags: 'a' })
    const child = spawn(process.execPath, [...NODE_PROCESS_FLAGS, ...(this.opts.nodeFlags ?? []), CLI_PATH, ...node.args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...NODE_PROCESS_ENV, ...process.env, GOSSIPD_API_TOKEN: process.env.GOSSIPD_API_TOKEN ?? '' } })
    // both streams write to one log: neither may end it (the other may still have a last word, such as why the
    // process could not start); it ends once the process and both streams are closed
    child.stdout?.pipe(out, { end: false })
    child.stderr?.pipe(out, { end: false })
    child.once('close', () => { if (!out.writableEnded) out.end() })
    child.once('error', err => { if (!out.writableEnded) out.end(`could not start: ${err.message}\n`) })
    node.pid = child.pid
    this.children.set(node.index, child)
    killOnExit(child)
    child.once('exit', () => {
      if (this.children.get(node.index) === child) this.children.delete(node.index)
    })
  }

  /** Wait until a node's API answers, and learn its peer id. */
  async waitReady (node: SwarmNode): Promise<void> {
    const deadline = Date.now() + (this.opts.readyTimeoutMs ?? 60_000)
    while (Date.now() < deadline) {
      if (!this.children.has(node.index)) {
        throw new Error(`${node.name} exited before its API came up; see ${node.logFile}`)
      }
      try {
        const res = await fetch(`${node.apiUrl}/id`)
        if (res.ok) {
          node.peerId = ((await res.json()) as { peerId: string }).peerId
          return
        }
      } catch {
        // not listening yet
      }
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    throw new Error(`${node.name} did not answer on ${node.apiUrl} in time; see ${node.logFile}`)
  }

  /**
   * Wait until the swarm has joined (every running node has `minPeers` connections and `minRoutingTable` DHT
   * peers) and gone quiet (its processes together use fewer than `maxCores`). A swarm of dozens joining at once
   * keeps a small machine's cores busy for tens of seconds: whatever measures steady-state behaviour (a
   * benchmark, a churn drill) starts after this, or it measures the join storm. Never throws for a swarm that
   * does not get there; the answer says how far it got.
   */
  async settle (opts: SettleOptions = {}): Promise<Settled> {
    const { maxCores = 1, windowMs = 3000, timeoutMs = 180_000 } = opts
    const t0 = Date.now()
    const running = this.nodes.filter(n => this.children.has(n.index))
    const peers = Math.min(opts.minPeers ?? 8, running.length - 1)
    const table = Math.min(opts.minRoutingTable ?? 15, running.length - 1)
    const maxPeers = opts.maxPeers ?? Number.POSITIVE_INFINITY
    let joined = false
    let lagging: Settled['lagging'] = []
    while (!joined && Date.now() - t0 < timeoutMs) {
      // a node busy past the request timeout is not joined yet
      const state = await Promise.all(running.map(async n => readiness(n.apiUrl, { headers: this.authHeaders() }).catch(() => null)))
      lagging = running.flatMap((n, i) => {
        const s = state[i]
        if (s != null && s.peers >= peers && s.routingTable >= table && s.peers <= maxPeers) return []
        return [{ name: n.name, peers: s?.peers ?? null, routingTable: s?.routingTable ?? null }]
      })
      joined = lagging.length === 0
      if (!joined) await new Promise(resolve => setTimeout(resolve, 1000))
    }
    const joinedMs = Date.now() - t0
    let cores = Number.POSITIVE_INFINITY
    while (Date.now() - t0 < timeoutMs) {
      const c0 = await this.cpuSecondsUsed(running)
      const w0 = Date.now()
      await new Promise(resolve => setTimeout(resolve, windowMs))
      cores = ((await this.cpuSecondsUsed(running)) - c0) / ((Date.now() - w0) / 1000)
      if (cores < maxCores) break
    }
    return { joined, joinedMs, quiet: cores < maxCores, quietMs: Date.now() - t0, cores: Math.round(cores * 100) / 100, lagging }
  }

  /**
   * CPU seconds the given nodes' processes (by default every running one) have used so far, together. A process
   * that is gone (or a system without /proc) counts as using none.
   */
  async cpuSecondsUsed (nodes: SwarmNode[] = this.nodes.filter(n => this.children.has(n.index))): Promise<number> {
    const each = await Promise.all(nodes.map(async n => n.pid == null ? 0 : cpuSeconds(n.pid).catch(() => 0)))
    return each.reduce((a, b) => a + b, 0)
  }

  private authHeaders (): Record<string, string> {
    const token = process.env.GOSSIPD_API_TOKEN
    return token != null && token !== '' ? { authorization: `Bearer ${token}` } : {}
  }

  isRunning (index: number): boolean {
    return this.children.has(index)
  }

  /** Send a signal to one node and wait for it to exit. */
  async kill (index: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.children.get(index)
    if (child == null) return null
    const exited = new Promise<number | null>(resolve => child.once('exit', code => { resolve(code) }))
    child.kill(signal)
    return exited
  }

  /** Stop every node gracefully (SIGTERM), killing any that take longer than 15 s. */
  async stop (): Promise<void> {
    await Promise.all([...this.children.keys()].map(async i => {
      const t = setTimeout(() => this.children.get(i)?.kill('SIGKILL'), 15_000)
      await this.kill(i, 'SIGTERM')
      clearTimeout(t)
    }))
  }
}
