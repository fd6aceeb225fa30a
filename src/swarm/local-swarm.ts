/**
 * A swarm of gossipd nodes as separate processes on loopback: node 0 is the bootstrap, every other node knows
 * only its address (no peer id) and finds the rest through the DHT.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
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
}

/** bin/gossipd.js of this package. */
function findCli (): string {
  const root = packageRoot()
  if (root == null || !existsSync(join(root, 'bin', 'gossipd.js'))) throw new Error('cannot find this package\'s bin/gossipd.js')
  return join(root, 'bin', 'gossipd.js')
}

export const CLI_PATH = findCli()

/**
 * Node flags of every node process. V8 grows the young generation to 32 MiB under traffic; capped at 2 MiB
 * semi-spaces it stays at 4 MiB, which cuts each node's resident memory by about 25 MiB (158 -> 134 MiB RSS,
 * 102 -> 77 MiB PSS, 6 nodes after gossip traffic) at no measurable cost in transfer CPU per byte or publish
 * rate (bench/memory.js, bench/transfer.js, docs/PERFORMANCE.md). It must be given at process start:
 * `v8.setFlagsFromString` at run time does not resize the heap.
 */
export const NODE_PROCESS_FLAGS = ['--max-semi-space-size=2']

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
    const child = spawn(process.execPath, [...NODE_PROCESS_FLAGS, CLI_PATH, ...node.args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GOSSIPD_API_TOKEN: process.env.GOSSIPD_API_TOKEN ?? '' } })
    child.stdout?.pipe(out)
    child.stderr?.pipe(out)
    node.pid = child.pid
    this.children.set(node.index, child)
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
