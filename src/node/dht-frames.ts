/**
 * kad-dht's streams with a limit on the frame length. The library reads each request (and each answer to its
 * own requests) with a length prefix and no maximum, buffering the partial frame until it is whole: a peer
 * announcing 64 MiB and sending 3 MiB on each of 32 streams held 96 MB. kad-dht has no option for it, so each
 * DHT instance is wrapped here (not the library's prototype): its inbound stream handler, and the connection
 * manager it opens streams through. A watcher reads the length prefixes as the bytes arrive, before the
 * library buffers them, and resets the stream at the first frame announced longer than the limit. It needs
 * nothing but the stream, so it holds for every message type kad-dht will ever add.
 */
import type { Connection, Stream, StreamMessageEvent } from '@libp2p/interface'
import type { KadDHT, KadDHTComponents } from '@libp2p/kad-dht'
import { DHT_MAX_MESSAGE_BYTES } from './constants.js'
import { DhtMessageTooLargeError } from '../errors.js'
import { withConnectionManager, withOpenStream } from './service-components.js'

/** The part of kad-dht's RPC component wrapped here (private in its type declarations). */
interface InboundRpc {
  onIncomingStream(stream: Stream, connection: Connection): Promise<void>
}

/** A varint longer than this many bytes announces more than any limit here (2^35). */
const MAX_LENGTH_BYTES = 5

/**
 * Follow the length prefixes of the frames on a stream, byte by byte across chunks, and call `tooLong` with the
 * first announced length over `maxBytes`. Returns a function that takes one chunk.
 */
export function frameWatcher (maxBytes: number, tooLong: (length: number) => void): (chunk: Uint8Array) => void {
  let remaining = 0
  let length = 0
  let lengthBytes = 0
  let stopped = false
  return chunk => {
    let i = 0
    while (i < chunk.byteLength && !stopped) {
      if (remaining > 0) {
        const skip = Math.min(remaining, chunk.byteLength - i)
        remaining -= skip
        i += skip
        continue
      }
      const b = chunk[i++]
      length += (b & 0x7f) * 2 ** (7 * lengthBytes)
      lengthBytes++
      if ((b & 0x80) !== 0 && lengthBytes < MAX_LENGTH_BYTES) continue
      if (length > maxBytes || (b & 0x80) !== 0) {
        stopped = true
        tooLong(length)
        return
      }
      remaining = length
      length = 0
      lengthBytes = 0
    }
  }
}

/** Reset `stream` when a peer announces a frame longer than `maxBytes`; the library reads it as usual otherwise. */
export function limitFrames (stream: Stream, maxBytes: number): void {
  const watch = frameWatcher(maxBytes, length => {
    stream.removeEventListener('message', onMessage)
    stream.abort(new DhtMessageTooLargeError(length, maxBytes))
  })
  const onMessage = (evt: StreamMessageEvent): void => {
    const data = evt.data
    if (data instanceof Uint8Array) watch(data)
    else for (const buf of data) watch(buf)
  }
  // registered before kad-dht's reader, so it sees every chunk first, including any buffered before a reader
  stream.addEventListener('message', onMessage)
}

type ConnectionManager = KadDHTComponents['connectionManager']

/**
 * The connection manager as kad-dht sees it: every stream it opens (its requests to other peers, whose answers
 * it reads as it reads requests) is watched like an inbound one.
 */
export function limitOpenedStreams (manager: ConnectionManager, maxBytes: number): ConnectionManager {
  return withOpenStream(manager, async (...args) => {
    const stream = await manager.openStream(...args)
    limitFrames(stream, maxBytes)
    return stream
  })
}

/**
 * Wrap a kad-dht factory so each instance's streams, inbound and the ones it opens, carry frames of at most
 * `maxBytes`. Throws when the kad-dht release keeps its stream handler elsewhere, so an upgrade fails loudly
 * rather than dropping the limit.
 */
export function withFrameLimit (
  create: (components: KadDHTComponents) => KadDHT,
  maxBytes = DHT_MAX_MESSAGE_BYTES
): (components: KadDHTComponents) => KadDHT {
  const withLimit = withConnectionManager(create, manager => limitOpenedStreams(manager, maxBytes))
  return components => {
    const dht = withLimit(components)
    const rpc = (dht as unknown as { rpc?: InboundRpc }).rpc
    if (typeof rpc?.onIncomingStream !== 'function') throw new Error('this kad-dht version keeps no rpc.onIncomingStream')
    const handle = rpc.onIncomingStream.bind(rpc)
    rpc.onIncomingStream = async (stream, connection) => {
      limitFrames(stream, maxBytes)
      await handle(stream, connection)
    }
    return dht
  }
}
