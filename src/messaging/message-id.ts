/**
 * Topic message ids: the one place that says how a message is named. A StrictSign message is named by its
 * author's peer id (the `from` field's bytes) followed by its 8-byte sequence number: go-libp2p-pubsub's default,
 * the id other implementations use, so IHAVE, IWANT and IDONTWANT name the same message everywhere
 * (docs/INTEROP.md). The same bytes name it here, as base64url text (safe in URLs and SSE fields). Pure
 * functions: what a publish's id was comes back on the publish path (published-ids.ts).
 *
 * Before, the id was the author's public key protobuf followed by the seqno (js gossipsub's default), which no
 * go or rust peer matched; `message-id-migration.ts` renames ids stored under that form.
 */
import type { Message } from '@libp2p/gossipsub'
import type { RPC } from '@libp2p/gossipsub/message'
import { InvalidRequestError } from '../errors.js'

/** A sequence number as it travels: 8 bytes, big-endian. */
export function seqnoBytes (seqno: bigint): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, seqno, false)
  return out
}

export function messageIdToString (id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('base64url')
}

/** The id of a signed message: its author's peer id (multihash bytes, as in `from`) then its 8-byte seqno. */
export function signedMessageId (author: Uint8Array, seqno: Uint8Array): Uint8Array {
  const id = new Uint8Array(author.byteLength + seqno.byteLength)
  id.set(author, 0)
  id.set(seqno, author.byteLength)
  return id
}

/** Gossipsub's `msgIdFn`: `from` ++ 8-byte big-endian seqno, as go-libp2p-pubsub names messages. */
export function messageId (msg: Message): Uint8Array {
  if (msg.type !== 'signed') {
    throw new InvalidRequestError('unsigned message: this node accepts StrictSign messages only')
  }
  return signedMessageId(msg.from.toMultihash().bytes, seqnoBytes(msg.sequenceNumber))
}

/**
 * Gossipsub's `fastMsgIdFn`: the same pair, author and sequence number, read straight from the wire fields
 * (`from`, the author's peer id, which a valid signature binds to its key; `seqno`), with no key decoding and
 * no signature check. Gossipsub verifies a message's signature before it asks whether the message is new, so
 * without this every copy of a message (one from each mesh peer that forwards it, up to D) was verified again.
 * With it, a copy whose fast id belongs to a message that already passed validation is dropped as a duplicate
 * first. Gossipsub records a fast id only once its message is valid, so a forged copy of an unseen id is still
 * checked, and rejected, as before.
 *
 * `.` separates the two parts: base64url and hex never contain it, so no two (from, seqno) pairs share an id.
 */
export function fastMessageId (msg: RPC.Message): string {
  const { from, seqno } = msg
  // no author or sequence number: invalid under StrictSign, so this id never enters the cache of valid ones
  if (from == null || seqno == null) return ''
  return fastIdOf(from, seqno)
}

/** The fast id of the message with this author (peer id bytes) and sequence number (8 bytes). */
export function fastIdOf (from: Uint8Array, seqno: Uint8Array): string {
  return `${Buffer.from(from.buffer, from.byteOffset, from.byteLength).toString('base64url')}.${Buffer.from(seqno.buffer, seqno.byteOffset, seqno.byteLength).toString('hex')}`
}
