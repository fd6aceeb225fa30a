import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNode, loadConfig, type GossipdNode, type NodeConfig } from '../../src/index.js'

/** In-process nodes on loopback with throwaway data directories; `cleanup()` stops them and removes the dirs. */
export class TestNodes {
  readonly nodes: GossipdNode[] = []
  private readonly dirs: string[] = []

  /** `defaults`: settings of every node this set starts, under each call's own. */
  constructor (private readonly defaults: Partial<NodeConfig> = {}) {}

  async add (flags: Partial<NodeConfig> = {}): Promise<GossipdNode> {
    const dataDir = flags.dataDir ?? await this.tempDir()
    const node = await createNode(loadConfig({ flags: { listen: ['/ip4/127.0.0.1/tcp/0'], api: '127.0.0.1:0', ...this.defaults, ...flags, dataDir } }))
    this.nodes.push(node)
    return node
  }

  /** A node that bootstraps from `first`. */
  async addJoining (first: GossipdNode, flags: Partial<NodeConfig> = {}): Promise<GossipdNode> {
    return this.add({ bootstrap: [first.libp2p.getMultiaddrs()[0].toString()], ...flags })
  }

  /** A throwaway directory that `cleanup()` removes, e.g. a data directory two nodes use in turn. */
  async tempDir (): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'gossipd-test-'))
    this.dirs.push(dir)
    return dir
  }

  /** Stop every node and remove every directory so far; the set can be used again (e.g. after each test). */
  async cleanup (): Promise<void> {
    await Promise.all(this.nodes.splice(0).map(async n => n.stop()))
    await Promise.all(this.dirs.splice(0).map(async d => rm(d, { recursive: true, force: true })))
  }
}

/** Poll `check` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T> (check: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const v = await check()
      if (v) return v
    } catch (err) {
      last = err
    }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error(`timed out waiting for ${what}${last != null ? `: ${(last as Error).message}` : ''}`)
}
