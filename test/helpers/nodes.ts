import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNode, loadConfig, type GossipdNode, type NodeConfig } from '../../src/index.js'

/** In-process nodes on loopback with throwaway data directories; `cleanup()` stops them and removes the dirs. */
export class TestNodes {
  readonly nodes: GossipdNode[] = []
  private readonly dirs: string[] = []

  async add (flags: Partial<NodeConfig> = {}): Promise<GossipdNode> {
    const dataDir = flags.dataDir ?? await mkdtemp(join(tmpdir(), 'gossipd-test-'))
    if (flags.dataDir == null) this.dirs.push(dataDir)
    const node = await createNode(loadConfig({ flags: { listen: ['/ip4/127.0.0.1/tcp/0'], api: '127.0.0.1:0', ...flags, dataDir } }))
    this.nodes.push(node)
    return node
  }

  /** A node that bootstraps from `first`. */
  async addJoining (first: GossipdNode, flags: Partial<NodeConfig> = {}): Promise<GossipdNode> {
    return this.add({ bootstrap: [first.libp2p.getMultiaddrs()[0].toString()], ...flags })
  }

  async cleanup (): Promise<void> {
    await Promise.all(this.nodes.map(async n => n.stop()))
    await Promise.all(this.dirs.map(async d => rm(d, { recursive: true, force: true })))
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
