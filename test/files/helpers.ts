import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach } from 'vitest'
import { createNode, type GossipdNode } from '../../src/gossipd.js'
import { loadConfig, type ConfigInput } from '../../src/config.js'
import { TestNodes } from '../helpers/nodes.js'

export async function tempDir (label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `files-${label}-`))
}

export async function removeDir (dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
}

/** An in-process node on loopback with its own data directory. */
export async function makeNode (dataDir: string, flags: ConfigInput = {}): Promise<GossipdNode> {
  return createNode(loadConfig({
    flags: { listen: ['/ip4/127.0.0.1/tcp/0'], dataDir, logLevel: 'silent', minConnections: 0, ...flags }
  }))
}

export function addrOf (node: GossipdNode): string {
  return node.libp2p.getMultiaddrs()[0].toString()
}

/** Pseudo-random bytes produced in pieces, so a large "file" is never whole in memory. */
export async function * randomSource (size: number, piece = 1024 * 1024): AsyncGenerator<Uint8Array> {
  for (let off = 0; off < size; off += piece) yield randomBytes(Math.min(piece, size - off))
}

export async function sha256OfStream (stream: AsyncIterable<Uint8Array | Buffer>): Promise<string> {
  const h = createHash('sha256')
  for await (const chunk of stream) h.update(chunk)
  return h.digest('hex')
}

export async function sha256OfFile (path: string): Promise<string> {
  return sha256OfStream(createReadStream(path))
}

export async function waitFor (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise(resolve => setTimeout(resolve, everyMs))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** In-process nodes as `makeNode` starts them, for a test file's tests: stopped, with their directories, after each test. */
export function nodesForEachTest (): TestNodes {
  const nodes = new TestNodes({ logLevel: 'silent', minConnections: 0 })
  afterEach(async () => { await nodes.cleanup() })
  return nodes
}
