/**
 * A bare libp2p client for hostile-peer tests: TCP, Noise and Yamux (and gossipsub when asked), no gossipd
 * feature at all, so a test can write whatever bytes it likes on any protocol.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub, type GossipSub, type GossipsubOpts } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import type { Multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'

export interface RawPeerOptions {
  /** Add a gossipsub service with these options (e.g. another signature policy). */
  gossipsub?: Partial<GossipsubOpts>
  /** Streams this client may open per connection and protocol. @default 10_000 */
  maxOutboundStreams?: number
  /** Addresses to listen on, for a test that dials it. @default none */
  listen?: string[]
}

export type RawPeer = Libp2p<{ pubsub?: GossipSub }>

export async function createRawPeer (opts: RawPeerOptions = {}): Promise<RawPeer> {
  const services: Record<string, unknown> = { identify: identify() }
  if (opts.gossipsub != null) services.pubsub = gossipsub({ allowPublishToZeroTopicPeers: true, ...opts.gossipsub })
  return createLibp2p({
    addresses: { listen: opts.listen ?? [] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ maxInboundStreams: 10_000, maxOutboundStreams: 10_000 } as never)],
    connectionManager: { maxConnections: 10_000 },
    connectionMonitor: { enabled: false },
    services: services as never
  }) as Promise<RawPeer>
}

/** The raw peers one test file makes, stopped together in its `afterAll`. */
export class RawPeers {
  private readonly peers: RawPeer[] = []

  async add (opts: RawPeerOptions = {}): Promise<RawPeer> {
    const raw = await createRawPeer(opts)
    this.peers.push(raw)
    return raw
  }

  async stopAll (): Promise<void> {
    await Promise.all(this.peers.map(async r => { await r.stop() }))
  }
}

/** Open a stream on `protocol`, tolerating a remote that does not speak it (returns the error instead). */
export async function openStream (peer: RawPeer, target: Multiaddr, protocol: string, maxOutboundStreams = 10_000): Promise<Stream | Error> {
  try {
    return await peer.dialProtocol(target, protocol, { signal: AbortSignal.timeout(10_000), maxOutboundStreams, runOnLimitedConnection: true } as never)
  } catch (err) {
    return err as Error
  }
}

/** Write bytes and wait (up to `ms`) for the remote to close or reset the stream; true when it did. */
export async function remoteCloses (stream: Stream, ms: number): Promise<boolean> {
  const closed = new Promise<boolean>(resolve => {
    const done = (): void => { resolve(true) }
    stream.addEventListener('close', done, { once: true })
    stream.addEventListener('remoteCloseWrite', done, { once: true })
    if (stream.status !== 'open' || stream.remoteWriteStatus !== 'writable') resolve(true)
  })
  const drained = (async () => {
    // reading consumes whatever the node answers (an error frame) until it closes its end
    try { for await (const chunk of stream) { void chunk } } catch { /* reset by the node */ }
    return true
  })()
  const timeout = new Promise<boolean>(resolve => setTimeout(() => { resolve(false) }, ms).unref())
  return Promise.race([closed, drained, timeout])
}

/** Unsigned varint, the length prefix of every gossipd and libp2p protocol here. */
export function varint (n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80)
    n = Math.floor(n / 0x80)
  }
  out.push(n)
  return Uint8Array.from(out)
}

/** `bytes` behind their varint length. */
export function lengthPrefixed (bytes: Uint8Array): Uint8Array {
  const prefix = varint(bytes.byteLength)
  const out = new Uint8Array(prefix.byteLength + bytes.byteLength)
  out.set(prefix)
  out.set(bytes, prefix.byteLength)
  return out
}

/** Write bytes in 16 KiB pieces with backpressure; stops quietly when the remote closes or resets the stream. */
export async function writeAll (stream: Stream, bytes: Uint8Array): Promise<void> {
  for (let i = 0; i < bytes.byteLength; i += 16 * 1024) {
    if (stream.status !== 'open' || stream.writeStatus !== 'writable') return
    if (!stream.send(bytes.subarray(i, i + 16 * 1024))) await stream.onDrain({ signal: AbortSignal.timeout(5_000) }).catch(() => {})
  }
}
