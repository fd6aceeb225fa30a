/**
 * A gossipsub StrictSign message checked outside gossipsub: the message a history peer serves is verified here
 * exactly as gossipsub verifies one that arrives by gossip (the pubsub spec: an Ed25519, secp256k1 or RSA
 * signature by the author's key over "libp2p-pubsub:" and the protobuf of from, data, seqno and topic).
 */
import { publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import { RPC } from '@libp2p/gossipsub/message'
import type { PublicKey } from '@libp2p/interface'
import { peerIdFromMultihash } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { HistoryProtocolError } from '../errors.js'
import type { Signature } from './history.js'
import { messageIdToString, signedMessageId } from './message-id.js'

const SIGN_PREFIX = new TextEncoder().encode('libp2p-pubsub:')

/** A message whose signature checked out, with the id gossipsub gives it. */
export interface VerifiedMessage {
  id: string
  topic: string
  from: string
  data: Uint8Array
  signed: Signature
}

function authorKey (m: RPC.Message): { from: string, key: PublicKey, embedded: boolean } {
  if (m.from == null) throw new HistoryProtocolError('message has no author')
  let author
  try {
    author = peerIdFromMultihash(Digest.decode(m.from))
  } catch {
    throw new HistoryProtocolError('message author is not a peer id')
  }
  if (m.key != null) {
    let key: PublicKey
    try {
      key = publicKeyFromProtobuf(m.key)
    } catch {
      throw new HistoryProtocolError('message key is not a public key')
    }
    if (!author.equals(key.toMultihash().bytes)) throw new HistoryProtocolError('message key is not its author\'s')
    return { from: author.toString(), key, embedded: author.publicKey != null }
  }
  if (author.publicKey == null) throw new HistoryProtocolError('message carries no key and its author id embeds none')
  return { from: author.toString(), key: author.publicKey, embedded: true }
}

function idOf (m: RPC.Message, from: Uint8Array): string {
  if (m.seqno?.byteLength !== 8) throw new HistoryProtocolError('message sequence number is not 8 bytes')
  return messageIdToString(signedMessageId(from, m.seqno))
}

/** A message read off the wire: its gossipsub id, known before its signature is checked. */
export interface WireMessage {
  id: string
  /** Check the signature; throws `HistoryProtocolError` saying what is wrong. */
  verify(): Promise<VerifiedMessage>
}

/**
 * Read a message's author and id (to skip what this node already holds without checking a signature); throws
 * `HistoryProtocolError` when they are malformed. The author's key is decoded once, for the id and the check.
 */
export function readWire (m: RPC.Message): WireMessage {
  const { from, key, embedded } = authorKey(m)
  // authorKey checked that `from` is there and is a peer id
  const id = idOf(m, m.from ?? new Uint8Array())
  return { id, verify: async () => verify(m, { id, from, key, embedded }) }
}

async function verify (m: RPC.Message, author: { id: string, from: string, key: PublicKey, embedded: boolean }): Promise<VerifiedMessage> {
  const { id, from, key, embedded } = author
  if (m.signature == null) throw new HistoryProtocolError('message is not signed')
  const signed = RPC.Message.encode({ from: m.from, data: m.data, seqno: m.seqno, topic: m.topic })
  const bytes = new Uint8Array(SIGN_PREFIX.byteLength + signed.byteLength)
  bytes.set(SIGN_PREFIX, 0)
  bytes.set(signed, SIGN_PREFIX.byteLength)
  let valid: boolean
  try {
    valid = await key.verify(bytes, m.signature)
  } catch {
    valid = false
  }
  if (!valid) throw new HistoryProtocolError('message signature does not verify')
  return {
    id,
    topic: m.topic,
    from,
    data: m.data ?? new Uint8Array(0),
    signed: { seqno: m.seqno as Uint8Array, signature: m.signature, ...(embedded ? {} : { key: m.key as Uint8Array }) }
  }
}
