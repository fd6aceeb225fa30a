/**
 * Topic message ids: the one place that says how a message is named. Gossipsub names a StrictSign message by its
 * author's public key and sequence number; the same bytes name it here, as base64url text (safe in URLs and SSE
 * fields). Pure functions: what a publish's id was comes back on the publish path (published-ids.ts).
 */
import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import type { Message } from '@libp2p/gossipsub'
import type { RPC } from '@libp2p/gossipsub/message'
import type { PublicKey } from '@libp2p/interface'
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

/** The spec's id of a signed message: its author's key (protobuf) followed by its 8-byte sequence number. */
export function signedMessageId (key: PublicKey, seqno: Uint8Array): Uint8Array {
  const keyBytes = publicKeyToProtobuf(key)
  const id = new Uint8Array(keyBytes.byteLength + seqno.byteLength)
  id.set(keyBytes, 0)
  id.set(seqno, keyBytes.byteLength)
  return id
}

/** Gossipsub's `msgIdFn`: the spec's id of a signed message (key protobuf ++ 8-byte big-endian seqno). */
export function messageId (msg: Message): Uint8Array {
  if (msg.type !== 'signed') {
    throw new InvalidRequestError('unsigned message: this node accepts StrictSign messages only')
  }
  const seqno = seqnoBytes(msg.sequenceNumber)
  return signedMessageId(msg.key, seqno)
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
