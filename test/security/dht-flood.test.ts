/**
 * Hostile DHT peers (issue 20, findings 2 and 9): ADD_PROVIDER records with huge identity-hash keys or in the
 * tens of thousands, and kad streams that announce huge frames and leave them half sent. The node keeps no
 * record with a key other than a sha2-256 multihash, at most its cap of records per peer, and no partial frame
 * over its limit; what it holds afterwards stays within a few MiB.
 */
import { createHash } from 'node:crypto'
import type { Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DHT_MAX_INBOUND_STREAMS, DHT_MAX_PROVIDER_RECORDS_PER_PEER } from '../../src/node/constants.js'
import type { GossipdNode } from '../../src/index.js'
import { TestNodes } from '../helpers/nodes.js'
import { heldBytes, MiB } from '../helpers/memory.js'
import { lengthPrefixed, openStream, RawPeers, varint, writeAll, type RawPeer } from '../helpers/raw-peer.js'

/** A protobuf field: tag, then a length-delimited value. */
function field (tag: number, value: Uint8Array): Uint8Array {
  return concat([Uint8Array.of(tag), varint(value.byteLength), value])
}

function concat (parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.byteLength }
  return out
}

/** A kad-dht ADD_PROVIDER message (type 2, key, one provider peer with one address), length-prefixed. */
function addProvider (key: Uint8Array, provider: RawPeer): Uint8Array {
  const peer = concat([field(0x0a, provider.peerId.toMultihash().bytes), field(0x12, multiaddr('/ip4/127.0.0.1/tcp/1').bytes)])
  return lengthPrefixed(concat([Uint8Array.of(0x08, 0x02), field(0x12, key), field(0x4a, peer)]))
}

/** A CIDv1 (raw codec) of an identity multihash (code 0x00): the hash is the content, `size` bytes of it. */
function identityKey (size: number, seed: number): Uint8Array {
  const content = new Uint8Array(size)
  new DataView(content.buffer).setUint32(0, seed)
  return concat([Uint8Array.of(0x01, 0x55, 0x00), varint(size), content])
}

/** A sha2-256 multihash (code 0x12, 32 bytes), as gossipd's file ids carry. */
function sha256Key (seed: number): Uint8Array {
  return concat([Uint8Array.of(0x12, 0x20), createHash('sha256').update(String(seed)).digest()])
}

/** The provider records a node's datastore holds for `peer`. */
async function recordsOf (node: GossipdNode, peer: RawPeer): Promise<number> {
  const datastore = (node.libp2p as unknown as { components: { datastore: { queryKeys(q: { prefix: string }): AsyncIterable<{ toString(): string }> } } }).components.datastore
  let n = 0
  const id = peer.peerId.toString()
  for await (const key of datastore.queryKeys({ prefix: '/dht/provider/' })) if (key.toString().endsWith(`/${id}`)) n++
  return n
}

describe('hostile DHT peers', () => {
  const nodes = new TestNodes()
  const raws = new RawPeers()
  let target: GossipdNode

  beforeAll(async () => {
    target = await nodes.add({ minConnections: 0 })
  })

  afterAll(async () => {
    await raws.stopAll()
    await nodes.cleanup()
  })

  /** Send `messages` in batches, each batch on a fresh stream (a refused record resets the stream it came on). */
  async function flood (raw: RawPeer, messages: Uint8Array[], batch: number): Promise<void> {
    const addr = target.libp2p.getMultiaddrs()[0]
    for (let i = 0; i < messages.length; i += batch) {
      const stream = await openStream(raw, addr, target.config.dhtProtocol)
      if (stream instanceof Error) throw stream
      await writeAll(stream, concat(messages.slice(i, i + batch)))
      await stream.close({ signal: AbortSignal.timeout(5_000) }).catch(() => {})
    }
    // let the node take in what was sent
    await new Promise(resolve => setTimeout(resolve, 500))
  }

  it('stores no provider record keyed by a 32 KiB identity hash: 1,000 of them leave the heap within a few MiB', async () => {
    const raw = await raws.add()
    const messages = Array.from({ length: 1_000 }, (_, i) => addProvider(identityKey(32 * 1024, i), raw))
    await flood(raw, messages.slice(0, 10), 10)
    const before = await heldBytes()
    await flood(raw, messages.slice(10), 50)
    const grown = await heldBytes() - before
    expect(await recordsOf(target, raw)).toBe(0)
    expect(grown).toBeLessThan(6 * MiB)
  }, 120_000)

  it('keeps at most its per-peer cap of one peer\'s 10,000 provider records', async () => {
    const raw = await raws.add()
    const messages = Array.from({ length: 10_000 }, (_, i) => addProvider(sha256Key(i), raw))
    // the first hundred warm up the code paths (and are within the cap either way)
    await flood(raw, messages.slice(0, 100), 100)
    const before = await heldBytes()
    await flood(raw, messages.slice(100), 500)
    const grown = await heldBytes() - before
    const held = await recordsOf(target, raw)
    expect(held).toBeGreaterThan(0)
    expect(held).toBeLessThanOrEqual(DHT_MAX_PROVIDER_RECORDS_PER_PEER)
    expect(grown).toBeLessThan(4 * MiB)
  }, 120_000)

  it('holds no partial kad frame over its limit: 32 streams announcing 64 MiB and sending 3 MiB each', async () => {
    const raw = await raws.add()
    const addr = target.libp2p.getMultiaddrs()[0]
    const before = await heldBytes()
    const streams: Stream[] = []
    for (let i = 0; i < 32; i++) {
      const s = await openStream(raw, addr, target.config.dhtProtocol)
      if (!(s instanceof Error)) streams.push(s)
    }
    const payload = concat([varint(64 * MiB), new Uint8Array(3 * MiB).fill(0x41)])
    await Promise.all(streams.map(async s => writeAll(s, payload)))
    // streams left open: what the node holds now is what the attack costs it
    const grown = await heldBytes() - before
    const open = streams.filter(s => s.status === 'open' && s.remoteWriteStatus === 'writable')
    expect(grown).toBeLessThan(16 * MiB)
    expect(open.length).toBeLessThanOrEqual(DHT_MAX_INBOUND_STREAMS)
    for (const s of streams) s.abort(new Error('done'))
  }, 120_000)
})
