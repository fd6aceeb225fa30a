import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Multiaddr } from '@multiformats/multiaddr'
import { InvalidPeerIdError } from '../errors.js'

/** Parse a peer id given by a user; throws `InvalidPeerIdError` with the value in its message. */
export function parsePeerId (value: string): PeerId {
  try {
    return peerIdFromString(value)
  } catch {
    throw new InvalidPeerIdError(value)
  }
}

/**
 * `ma` as a dial of `peer` needs it: ending in `/p2p/<peer>`. An address that ends in another peer's id is not one
 * of `peer`'s (undefined). A relayed address as peers announce it (`.../p2p/<relay>/p2p-circuit`) names only the
 * relay, and libp2p would dial the relay itself at it, or refuse a list that mixes it with addresses naming no peer.
 */
export function addressOfPeer (ma: Multiaddr, peer: PeerId): Multiaddr | undefined {
  const last = ma.getComponents().at(-1)
  if (last?.name === 'p2p') return last.value === peer.toString() ? ma : undefined
  return ma.encapsulate(`/p2p/${peer.toString()}`)
}
