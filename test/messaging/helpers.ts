import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildApi } from '../../src/api/server.js'
import { loadConfig, type NodeConfig } from '../../src/config.js'
import type { Logger } from '../../src/logger.js'
import { createNode, type GossipdNode } from '../../src/gossipd.js'
import { transportManagerOf } from '../../src/node/nat.js'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'

export interface TestNode {
  node: GossipdNode
  api: FastifyInstance
  url: string
  dir: string
  config: NodeConfig
}

/** Temp data lives under /tmp/messaging-*, so a run leaves nothing elsewhere and is easy to find. */
export async function tempDir (): Promise<string> {
  return mkdtemp(join(tmpdir(), 'messaging-'))
}

export async function startNode (flags: Record<string, unknown> = {}, dir?: string, logger?: Logger): Promise<TestNode> {
  const dataDir = dir ?? await tempDir()
  const config = loadConfig({ flags: { listen: ['/ip4/127.0.0.1/tcp/0'], dataDir, minConnections: 0, ...flags } })
  const node = await createNode(config, { logger })
  const api = await buildApi(node)
  await api.listen({ host: '127.0.0.1', port: 0 })
  const addr = api.server.address()
  const port = typeof addr === 'object' && addr != null ? addr.port : 0
  return { node, api, url: `http://127.0.0.1:${port}`, dir: dataDir, config }
}

export async function stopNode (t: TestNode, opts: { keepData?: boolean } = {}): Promise<void> {
  await t.api.close()
  await t.node.stop()
  if (opts.keepData !== true) await rm(t.dir, { recursive: true, force: true })
}

export async function connect (a: TestNode, b: TestNode): Promise<void> {
  const addr = b.node.libp2p.getMultiaddrs()[0]
  await a.node.libp2p.dial(addr)
}

export async function waitFor (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** `count` nodes, each connected to every other and subscribed to `topic`, once every mesh is full. */
export async function startFullMesh (count: number, topic: string): Promise<TestNode[]> {
  const nodes: TestNode[] = []
  for (let i = 0; i < count; i++) nodes.push(await startNode({ nick: `n${i}` }))
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) await connect(nodes[i], nodes[j])
  }
  for (const n of nodes) n.node.topics.subscribe(topic)
  await waitFor(() => nodes.every(n => n.node.topics.info(topic).meshPeers === nodes.length - 1), 'full meshes')
  return nodes
}

/** Read an SSE or NDJSON response body as it arrives, collecting parsed events. */
export function collectStream (res: Response, format: 'sse' | 'ndjson'): { events: Array<{ id?: string, event?: string, data: any }>, done: Promise<void> } {
  const events: Array<{ id?: string, event?: string, data: any }> = []
  const done = (async () => {
    const decoder = new TextDecoder()
    let buf = ''
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true })
      const sep = format === 'sse' ? '\n\n' : '\n'
      let i: number
      while ((i = buf.indexOf(sep)) >= 0) {
        const block = buf.slice(0, i)
        buf = buf.slice(i + sep.length)
        if (format === 'ndjson') {
          if (block.trim() !== '') events.push({ data: JSON.parse(block) })
          continue
        }
        const ev: { id?: string, event?: string, data: any } = { data: undefined }
        for (const line of block.split('\n')) {
          if (line.startsWith('id: ')) ev.id = line.slice(4)
          else if (line.startsWith('event: ')) ev.event = line.slice(7)
          else if (line.startsWith('data: ')) ev.data = JSON.parse(line.slice(6))
        }
        if (ev.data !== undefined) events.push(ev)
      }
    }
  })().catch(() => {})
  return { events, done }
}

const circuitOf = (t: TestNode): Multiaddr | undefined => t.node.libp2p.getMultiaddrs().find(m => m.toString().includes('/p2p-circuit'))

/**
 * Have `t` hold a reservation on `relay`, as `--relay-reservations` has a private node do (on loopback nobody is
 * private, so it is asked for explicitly); answers `t`'s relayed address.
 */
export async function reserveOnRelay (t: TestNode, relay: TestNode): Promise<Multiaddr> {
  await transportManagerOf(t.node.libp2p).listen([multiaddr(`${relay.node.libp2p.getMultiaddrs()[0].toString()}/p2p-circuit`)])
  await waitFor(() => circuitOf(t) != null, 'a relay reservation')
  return circuitOf(t)!
}
