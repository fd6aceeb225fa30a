/**
 * Message bodies as the API and the chat see them: text when the bytes are UTF-8, base64 otherwise.
 */
import { InvalidRequestError, MessageTooLargeError } from '../errors.js'
import type { StoredMessage } from './history.js'

export type Encoding = 'utf8' | 'base64'

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Standard base64 (as the DM protocol carries it), or its URL-safe variant when `urlSafe`. */
export function isBase64 (text: string, urlSafe = false): boolean {
  return (urlSafe ? /^[A-Za-z0-9+/_-]*={0,2}$/ : /^[A-Za-z0-9+/]*={0,2}$/).test(text)
}

/** Bytes of a body given as text in an encoding. Throws `InvalidRequestError` for malformed base64. */
export function decodeBody (data: string, encoding: Encoding = 'utf8'): Uint8Array {
  if (encoding === 'utf8') return new TextEncoder().encode(data)
  if (!isBase64(data, true)) {
    throw new InvalidRequestError('data is not valid base64')
  }
  return new Uint8Array(Buffer.from(data, 'base64'))
}

/** Text of a body: UTF-8 when it is valid UTF-8 (unless base64 is asked for), base64 otherwise. */
export function encodeBody (data: Uint8Array, prefer?: Encoding): { data: string, encoding: Encoding } {
  if (prefer !== 'base64') {
    try {
      return { data: utf8.decode(data), encoding: 'utf8' }
    } catch {
      // not text: fall through
    }
  }
  return { data: Buffer.from(data).toString('base64'), encoding: 'base64' }
}

export function checkSize (data: Uint8Array, limit: number): void {
  if (data.byteLength > limit) throw new MessageTooLargeError(data.byteLength, limit)
}

/** A stored message as JSON for the API, streams and chat. */
export interface MessageView {
  seq: number
  id: string
  topic?: string
  from: string
  nick?: string
  data: string
  encoding: Encoding
  sentAt?: number
  receivedAt: number
}

export function messageView (m: StoredMessage, opts: { channelAs?: 'topic', encoding?: Encoding } = {}): MessageView {
  return {
    seq: m.seq,
    id: m.id,
    ...(opts.channelAs === 'topic' ? { topic: m.channel } : {}),
    from: m.from,
    ...(m.nick != null ? { nick: m.nick } : {}),
    ...encodeBody(m.data, opts.encoding),
    ...(m.sentAt != null ? { sentAt: m.sentAt } : {}),
    receivedAt: m.receivedAt
  }
}
