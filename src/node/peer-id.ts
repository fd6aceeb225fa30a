import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { InvalidPeerIdError } from '../errors.js'

/** Parse a peer id given by a user; throws `InvalidPeerIdError` with the value in its message. */
export function parsePeerId (value: string): PeerId {
  try {
    return peerIdFromString(value)
  } catch {
    throw new InvalidPeerIdError(value)
  }
}
