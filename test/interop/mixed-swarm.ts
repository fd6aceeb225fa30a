/**
 * A mixed swarm for the interop tests: gossipd processes (LocalSwarm, through test/helpers/process-nodes.ts) with
 * go-libp2p and rust-libp2p peers, every foreign peer joining through the gossipd bootstrap and the DHT.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LocalSwarm, SwarmNode } from '../../src/swarm/local-swarm.js'
import { http, startProcessSwarm } from '../helpers/process-nodes.js'
import { buildPeers } from './build.js'
import { startGoPeer, startRustPeer, type ForeignPeer } from './peers.js'

export interface MixedSwarm {
  swarm: LocalSwarm
  gossipd: SwarmNode[]
  go: ForeignPeer[]
  rust: ForeignPeer[]
  /** The bootstrap's address with its peer id. */
  bootstrap: string
  filesDir: string
  /** Which implementation each peer id is: 'gossipd', 'go' or 'rust'. */
  kindOf(peerId: string): 'gossipd' | 'go' | 'rust' | undefined
  stop(): Promise<void>
}

export async function startMixedSwarm (opts: { gossipd: number, go: number, rust: number, prefix: string }): Promise<MixedSwarm> {
  const { go: goBin, rust: rustBin } = await buildPeers()
  const { swarm, dir } = await startProcessSwarm(opts.gossipd, opts.prefix)
  const foreign: ForeignPeer[] = []
  const filesDir = await mkdtemp(join(tmpdir(), `${opts.prefix}-files-`))
  try {
    const boot = swarm.nodes[0]
    const bootstrap = `/ip4/127.0.0.1/tcp/${boot.p2pPort}/p2p/${boot.peerId ?? ''}`
    const go = await Promise.all(Array.from({ length: opts.go }, async (_, i) => {
      const p = await startGoPeer(goBin.bin, { name: `go${i}`, bootstrap: [bootstrap], filesDir })
      foreign.push(p)
      return p
    }))
    const rust = await Promise.all(Array.from({ length: opts.rust }, async (_, i) => {
      const p = await startRustPeer(rustBin.bin, { name: `rust${i}`, bootstrap: [bootstrap] })
      foreign.push(p)
      return p
    }))
    const kinds = new Map<string, 'gossipd' | 'go' | 'rust'>()
    for (const n of swarm.nodes) kinds.set(n.peerId ?? '', 'gossipd')
    for (const p of go) kinds.set(p.peerId, 'go')
    for (const p of rust) kinds.set(p.peerId, 'rust')
    return {
      swarm,
      gossipd: swarm.nodes,
      go,
      rust,
      bootstrap,
      filesDir,
      kindOf: id => kinds.get(id),
      async stop () {
        await Promise.all(foreign.map(async p => p.stop()))
        await swarm.stop()
        await rm(dir, { recursive: true, force: true })
        await rm(filesDir, { recursive: true, force: true })
      }
    }
  } catch (err) {
    await Promise.all(foreign.map(async p => p.stop()))
    await swarm.stop()
    await rm(dir, { recursive: true, force: true })
    await rm(filesDir, { recursive: true, force: true })
    throw err
  }
}

/** Subscribe a gossipd node (PUT /topics/:topic). */
export async function subscribeNode (node: SwarmNode, topic: string): Promise<void> {
  const res = await http(node, `/topics/${encodeURIComponent(topic)}`, { method: 'PUT' })
  if (res.status !== 200) throw new Error(`${node.name} could not subscribe: ${res.status} ${JSON.stringify(res.body)}`)
}

/** Every message a gossipd node holds of a topic, oldest first (its history). */
export async function topicData (node: SwarmNode, topic: string): Promise<string[]> {
  const out: string[] = []
  let after = 0
  for (;;) {
    const res = await http<{ messages: Array<{ seq: number, data: string }> }>(node, `/topics/${encodeURIComponent(topic)}/messages?after=${after}&limit=500`)
    if (res.status !== 200) throw new Error(`${node.name} history: ${res.status}`)
    out.push(...res.body.messages.map(m => m.data))
    if (res.body.messages.length < 500) return out
    after = res.body.messages[res.body.messages.length - 1].seq
  }
}

/** Publish from a gossipd node; returns the message id. */
export async function publishFromNode (node: SwarmNode, topic: string, data: string): Promise<string> {
  const res = await http<{ id: string }>(node, `/topics/${encodeURIComponent(topic)}/messages`, { method: 'POST', json: { data } })
  if (res.status !== 200) throw new Error(`${node.name} publish: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.id
}
