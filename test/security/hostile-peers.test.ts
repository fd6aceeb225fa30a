/**
 * Hostile peers: a raw libp2p client (no gossipd) writes random bytes and oversized frames on every gossipd
 * protocol, opens streams without end, and hundreds of connections arrive at once. The node closes the
 * offending streams or connections, stays within its limits and keeps serving a well-behaved peer and its API.
 */
import { connect as tcpConnect, type Socket } from 'node:net'
import type { Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApi } from '../../src/api/server.js'
import { DHT_PROTOCOL } from '../../src/constants.js'
import { DM_MAX_STREAMS, DM_PROTOCOL, HISTORY_MAX_STREAMS, HISTORY_PROTOCOL } from '../../src/messaging/constants.js'
import { FILES_MAX_INBOUND_STREAMS, FILES_PROTOCOL, INDEX_PROTOCOL } from '../../src/files/constants.js'
import { PEERS_MAX_STREAMS, PEERS_PROTOCOL } from '../../src/crawl/constants.js'
import type { GossipdNode } from '../../src/index.js'
import { TestNodes, waitFor } from '../helpers/nodes.js'
import { openStream, RawPeers, remoteCloses, varint, writeAll as write } from '../helpers/raw-peer.js'

const MESHSUB = '/meshsub/1.2.0'
const PROTOCOLS = [DM_PROTOCOL, FILES_PROTOCOL, INDEX_PROTOCOL, PEERS_PROTOCOL, HISTORY_PROTOCOL, DHT_PROTOCOL, MESHSUB]

/** Deterministic pseudo-random bytes (xorshift), so a failure reproduces. */
function randomBytes (n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  let x = seed | 1
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/** A length prefix announcing `declared` bytes, followed by `sent` bytes of payload. */
function oversizedFrame (declared: number, sent: number): Uint8Array {
  const prefix = varint(declared)
  const frame = new Uint8Array(prefix.byteLength + sent)
  frame.set(prefix)
  frame.fill(0x7b, prefix.byteLength)
  return frame
}

describe('hostile peers', () => {
  const nodes = new TestNodes()
  const raws = new RawPeers()
  let target: GossipdNode
  let friend: GossipdNode
  let api: FastifyInstance
  let addr: Multiaddr

  /** The target still serves: API, an existing peer's direct message, a ping. */
  async function stillServing (): Promise<void> {
    expect((await api.inject('/health')).statusCode).toBe(200)
    const sent = await friend.direct.send(target.peerId.toString(), new TextEncoder().encode('still there?'))
    expect(sent.status).toBe('delivered')
    await friend.libp2p.services.ping.ping(target.peerId, { signal: AbortSignal.timeout(5_000) })
  }

  beforeAll(async () => {
    target = await nodes.add({ minConnections: 0, maxConnections: 40 })
    friend = await nodes.addJoining(target, { minConnections: 0 })
    api = await buildApi(target)
    addr = target.libp2p.getMultiaddrs()[0]
    await waitFor(() => target.libp2p.getConnections(friend.peerId).length > 0, 10_000, 'friend connected')
  })

  afterAll(async () => {
    await raws.stopAll()
    await api?.close()
    await nodes.cleanup()
  })

  it.each(PROTOCOLS)('closes a %s stream that carries random bytes', async (protocol) => {
    const raw = await raws.add()
    for (const [i, size] of [16, 1000, 70_000].entries()) {
      const stream = await openStream(raw, addr, protocol)
      if (stream instanceof Error) throw stream
      await write(stream, randomBytes(size, 1234 + i))
      await stream.close({ signal: AbortSignal.timeout(5_000) }).catch(() => {})
      expect(await remoteCloses(stream, 15_000), `${protocol} after ${size} random bytes`).toBe(true)
    }
    await stillServing()
  }, 120_000)

  it.each(PROTOCOLS)('closes a %s stream that announces an oversized frame, without reading it', async (protocol) => {
    const raw = await raws.add()
    const stream = await openStream(raw, addr, protocol)
    if (stream instanceof Error) throw stream
    // 64 MiB announced, 256 KiB sent and the stream left open: the node must not wait for (or buffer) the rest
    await write(stream, oversizedFrame(64 * 1024 * 1024, 256 * 1024))
    expect(await remoteCloses(stream, 15_000), protocol).toBe(true)
    await stillServing()
  }, 60_000)

  it.each([
    [DM_PROTOCOL, DM_MAX_STREAMS],
    [FILES_PROTOCOL, FILES_MAX_INBOUND_STREAMS],
    [PEERS_PROTOCOL, PEERS_MAX_STREAMS],
    [HISTORY_PROTOCOL, HISTORY_MAX_STREAMS]
  ])('refuses %s streams beyond its per-connection limit', async (protocol, limit) => {
    const raw = await raws.add()
    const opened: Array<Stream | Error> = []
    for (let i = 0; i < limit * 3; i++) opened.push(await openStream(raw, addr, protocol))
    const streams = opened.filter((s): s is Stream => !(s instanceof Error))
    // say nothing on the streams (idle, not malformed): the node resets those over its limit, keeps the rest
    await new Promise(resolve => setTimeout(resolve, 1_000))
    const alive = streams.filter(s => s.status === 'open' && s.remoteWriteStatus === 'writable')
    expect(alive.length).toBeLessThanOrEqual(limit)
    expect(alive.length).toBeGreaterThan(0)
    await stillServing()
    for (const s of streams) s.abort(new Error('done'))
  }, 60_000)

  it('survives 500 TCP connections at once that never finish their handshake, within its connection limit', async () => {
    const port = Number(addr.getComponents().find(c => c.name === 'tcp')?.value)
    const sockets: Socket[] = []
    const closed: number[] = []
    const started = Date.now()
    let maxSeen = 0
    const all = Promise.all(Array.from({ length: 500 }, async () => new Promise<void>(resolve => {
      const s = tcpConnect(port, '127.0.0.1')
      sockets.push(s)
      s.on('error', () => {})
      s.on('connect', () => { s.write('\x13/multistream/1.0.0\n') })
      s.on('close', () => { closed.push(Date.now() - started); resolve() })
    })))
    const watch = setInterval(() => { maxSeen = Math.max(maxSeen, target.libp2p.getConnections().length) }, 50)
    // served during the flood
    await stillServing()
    await Promise.race([all, new Promise(resolve => setTimeout(resolve, 30_000))])
    clearInterval(watch)
    for (const s of sockets) s.destroy()
    // every half-open connection was refused at once or timed out in the upgrade, none was kept
    expect(closed.length).toBe(500)
    expect(maxSeen).toBeLessThanOrEqual(target.config.maxConnections)
    await stillServing()
  }, 60_000)

  it('keeps its connection count within maxConnections when 60 peers connect at once', async () => {
    const clients = await Promise.all(Array.from({ length: 60 }, async () => raws.add()))
    let maxSeen = 0
    const watch = setInterval(() => { maxSeen = Math.max(maxSeen, target.libp2p.getConnections().length) }, 20)
    const dials = await Promise.allSettled(clients.map(async c => c.dial(addr, { signal: AbortSignal.timeout(20_000) })))
    await new Promise(resolve => setTimeout(resolve, 2_000))
    clearInterval(watch)
    expect(dials.filter(d => d.status === 'fulfilled').length).toBeGreaterThan(0)
    expect(maxSeen).toBeLessThanOrEqual(target.config.maxConnections)
    await stillServing()
    await Promise.all(clients.map(async c => c.stop()))
  }, 90_000)
})
