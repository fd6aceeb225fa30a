/**
 * Frames of the direct-message protocol (/gossipd/dm/1.0.0), as written in docs/PROTOCOLS.md: each frame is an
 * unsigned-varint length followed by that many bytes of UTF-8 JSON, one of
 *   {"type":"msg","id","from","ts","nick"?,"body"}   body in base64
 *   {"type":"ack","id","duplicate"}
 *   {"type":"nack","id","code","reason"}
 */
import { DirectProtocolError } from '../errors.js'
import { DM_MAX_CLOCK_SKEW_MS, DM_MAX_SENT_AGE_MS } from './constants.js'

export interface MsgFrame {
  type: 'msg'
  /** Chosen by the sender, unique per sender; the receiver dedupes on (from, id). */
  id: string
  /** The sender's peer id; must be the peer at the other end of the connection. */
  from: string
  /** When the sender first sent it, ms since the epoch. */
  ts: number
  nick?: string
  /** The message body, base64. */
  body: string
}

export interface AckFrame {
  type: 'ack'
  id: string
  /** True when the receiver already had this message (a retry); it was not stored again. */
  duplicate: boolean
}

export interface NackFrame {
  type: 'nack'
  id: string
  code: string
  reason: string
}

export type Frame = MsgFrame | AckFrame | NackFrame

const MAX_ID_LENGTH = 128
const MAX_NICK_LENGTH = 64

export function encodeFrame (frame: Frame): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(frame))
}

function isString (v: unknown, max = Infinity): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= max
}

/** Parse and check a frame. Throws `DirectProtocolError` naming what is wrong. */
export function decodeFrame (bytes: Uint8Array): Frame {
  let f: Record<string, unknown>
  try {
    const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
    if (parsed == null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object')
    f = parsed as Record<string, unknown>
  } catch (err) {
    throw new DirectProtocolError(`frame is not a JSON object: ${(err as Error).message}`)
  }
  if (!isString(f.id, MAX_ID_LENGTH)) throw new DirectProtocolError('frame has no valid id')
  switch (f.type) {
    case 'msg':
      if (!isString(f.from, 256)) throw new DirectProtocolError('msg frame has no valid from')
      if (typeof f.ts !== 'number' || !Number.isFinite(f.ts)) throw new DirectProtocolError('msg frame has no valid ts')
      if (f.nick !== undefined && !isString(f.nick, MAX_NICK_LENGTH)) throw new DirectProtocolError('msg frame has an invalid nick')
      if (typeof f.body !== 'string') throw new DirectProtocolError('msg frame has no body')
      return { type: 'msg', id: f.id, from: f.from, ts: f.ts, ...(f.nick !== undefined ? { nick: f.nick } : {}), body: f.body }
    case 'ack':
      return { type: 'ack', id: f.id, duplicate: f.duplicate === true }
    case 'nack':
      return { type: 'nack', id: f.id, code: String(f.code ?? 'unknown'), reason: String(f.reason ?? '') }
    default:
      throw new DirectProtocolError(`unknown frame type ${JSON.stringify(f.type)}`)
  }
}

/** The send time to store for a received message: the sender's claim, clamped to a window around `now`. */
export function clampSentAt (ts: number, now = Date.now()): number {
  return Math.min(Math.max(Math.round(ts), now - DM_MAX_SENT_AGE_MS), now + DM_MAX_CLOCK_SKEW_MS)
}
