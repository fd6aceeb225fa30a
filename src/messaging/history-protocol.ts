/**
 * `/gossipd/history/1.0.0` on one stream: the asker writes one length-prefixed JSON request for a topic's
 * recent messages; the answering node writes a JSON header frame with a count, then that many frames, each one
 * gossipsub `Message` protobuf exactly as its author signed it, newest first, and both close. The asker checks
 * every message's signature before it stores it, so a peer can withhold messages but not forge them. See
 * docs/PROTOCOLS.md, "History".
 */
import { RPC } from '@libp2p/gossipsub/message'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { Type, type Static } from '@sinclair/typebox'
import {
  HISTORY_FRAME_OVERHEAD_BYTES, HISTORY_MAX_MESSAGES, HISTORY_MAX_REQUEST_BYTES, HISTORY_MAX_WINDOW_MS
} from './constants.js'
import { HistoryProtocolError } from '../errors.js'
import { decodeJsonFrame, encodeJsonFrame } from '../json-frame.js'
import type { StoredMessage } from './history.js'

export const HistoryRequestSchema = Type.Object({
  topic: Type.String({ minLength: 1, maxLength: 1024 }),
  /** Messages the answering node stored this many ms ago or later. */
  withinMs: Type.Integer({ minimum: 0, maximum: HISTORY_MAX_WINDOW_MS }),
  /** At most this many (the newest). */
  limit: Type.Integer({ minimum: 1, maximum: HISTORY_MAX_MESSAGES }),
  /** Ids of messages the asker holds already: left out of the answer. */
  have: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: HISTORY_MAX_MESSAGES }))
})
export type HistoryRequest = Static<typeof HistoryRequestSchema>

const HeaderSchema = Type.Object({
  count: Type.Integer({ minimum: 0, maximum: HISTORY_MAX_MESSAGES }),
  /** The answering node's byte cap left out older messages of the window: ask again for the rest. */
  truncated: Type.Optional(Type.Boolean()),
  /** The request was refused, for this reason (`rate-limited`); `count` is 0. */
  refused: Type.Optional(Type.String({ maxLength: 64 }))
})
export type HistoryAnswerHeader = Static<typeof HeaderSchema>

/** The refusal of a request over the asking peer's rate. */
export const RATE_LIMITED = 'rate-limited'

const fault = (message: string): Error => new HistoryProtocolError(message)

/**
 * A stored topic message as its author published it on gossipsub; undefined when its signature was not kept.
 * `authors` caches the binary form of authors' peer ids across the messages of one answer.
 */
export function toWire (m: StoredMessage, authors = new Map<string, Uint8Array>()): RPC.Message | undefined {
  if (m.signed == null) return undefined
  let from = authors.get(m.from)
  if (from == null) {
    from = peerIdFromString(m.from).toMultihash().bytes
    authors.set(m.from, from)
  }
  return {
    from,
    data: m.data,
    seqno: m.signed.seqno,
    topic: m.channel,
    signature: m.signed.signature,
    ...(m.signed.key != null ? { key: m.signed.key } : {})
  }
}

export interface ServeHistoryOptions {
  signal: AbortSignal
  /** Whether the asking peer may be answered now; a request refused is answered `refused: rate-limited`. */
  allow(): boolean
  /**
   * The sequence numbers of the messages to answer with, newest first, bounded by the request's window and
   * limit and by the answer's byte cap (`truncated` when the cap left some out).
   */
  plan(request: HistoryRequest): { seqs: number[], truncated: boolean }
  /** One planned message, read when its frame is due; undefined when it is gone since. */
  load(request: HistoryRequest, seq: number): StoredMessage | undefined
}

/**
 * Answer one inbound request: the header, then the messages one frame at a time, each read from the store and
 * written when the stream has room for it, so an asker that does not read holds one message here, not the
 * answer. Throws (and the caller aborts the stream) on a malformed or oversized request, or when a planned
 * message is gone before its turn (the asker keeps what came before).
 */
export async function serveHistory (stream: Stream, options: ServeHistoryOptions): Promise<HistoryRequest> {
  const lp = lpStream(stream, { maxDataLength: HISTORY_MAX_REQUEST_BYTES })
  const request = decodeJsonFrame<HistoryRequest>(HistoryRequestSchema, (await lp.read({ signal: options.signal })).subarray(), 'history request', fault)
  if (!options.allow()) {
    await lp.write(encodeJsonFrame({ count: 0, refused: RATE_LIMITED }), { signal: options.signal })
  } else {
    const { seqs, truncated } = options.plan(request)
    const planned = seqs.slice(0, request.limit)
    await lp.write(encodeJsonFrame({ count: planned.length, ...(truncated ? { truncated } : {}) }), { signal: options.signal })
    const authors = new Map<string, Uint8Array>()
    for (const seq of planned) {
      const m = options.load(request, seq)
      const wire = m != null ? toWire(m, authors) : undefined
      if (wire == null) throw new HistoryProtocolError(`message ${seq} of "${request.topic}" is gone since the answer was planned`)
      await lp.write(RPC.Message.encode(wire), { signal: options.signal })
    }
  }
  await stream.close({ signal: options.signal })
  return request
}

export interface AskHistoryOptions {
  signal: AbortSignal
  maxMessageSize: number
  /** Called with the answer's header before its messages. */
  onHeader?(header: HistoryAnswerHeader): void
}

/**
 * Ask the node at the other end of a fresh stream for a topic's recent messages, and read them as they arrive
 * (newest first). Each is checked to be of the topic asked for; signatures are the caller's to check. Throws
 * `HistoryProtocolError` at the first fault, after yielding what came before it.
 */
export async function * askHistory (stream: Stream, request: HistoryRequest, options: AskHistoryOptions): AsyncGenerator<RPC.Message> {
  const lp = lpStream(stream, { maxDataLength: options.maxMessageSize + HISTORY_FRAME_OVERHEAD_BYTES })
  await lp.write(encodeJsonFrame(request), { signal: options.signal })
  const header = decodeJsonFrame<HistoryAnswerHeader>(HeaderSchema, (await lp.read({ signal: options.signal })).subarray(), 'history answer header', fault)
  if (header.refused != null) throw new HistoryProtocolError(`history request refused: ${header.refused}`)
  options.onHeader?.(header)
  const { count } = header
  if (count > request.limit) throw new HistoryProtocolError(`history answer announces ${count} messages, ${request.limit} were asked for`)
  for (let i = 0; i < count; i++) {
    const frame = (await lp.read({ signal: options.signal })).subarray()
    let m: RPC.Message
    try {
      m = RPC.Message.decode(frame)
    } catch (err) {
      throw new HistoryProtocolError(`history answer frame ${i} is not a gossipsub message: ${(err as Error).message}`)
    }
    if (m.topic !== request.topic) throw new HistoryProtocolError(`history answer holds a message of another topic than "${request.topic}"`)
    yield m
  }
  await stream.close({ signal: options.signal }).catch(() => { stream.abort(new Error('close failed')) })
}
