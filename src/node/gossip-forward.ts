/**
 * Gossipsub never forwards a message back to its author. js gossipsub (17.1) leaves out of a forward only the
 * peer it got the message from, so a message that reaches a node by another path is sent on to the peer that
 * wrote it. go-libp2p-pubsub and rust-libp2p count such a copy as an invalid message ("self originated
 * message") against the peer that sent it: in a mixed swarm each gossipd node that forwarded a go peer's own
 * message back scored -7 to -33 at that peer (P4, weight -10), and -79 at a rust peer, enough to be pruned from
 * their meshes. The spec and go-libp2p skip the author; so does this, per gossipsub instance.
 *
 * The author is the message's `from` field, a peer id's multihash bytes; its base58btc text is the peer id
 * string gossipsub keys its peers by. The better home for this is upstream (js-libp2p gossipsub's
 * `selectPeersToForward`).
 */
import { base58btc } from 'multiformats/bases/base58'

interface RawMessage {
  from?: Uint8Array
}

type Forward = (msgIdStr: string, rawMsg: RawMessage, propagationSource?: string, excludePeers?: Set<string>) => void

/** The gossipsub instance's member this wraps (private in its type declarations). */
interface Forwarding {
  forwardMessage: Forward
}

/** `forward` with the message's author added to the peers it leaves out. */
export function excludingAuthor (forward: Forward): Forward {
  return (msgIdStr, rawMsg, propagationSource, excludePeers) => {
    if (rawMsg.from == null || rawMsg.from.byteLength === 0) { forward(msgIdStr, rawMsg, propagationSource, excludePeers); return }
    const author = base58btc.baseEncode(rawMsg.from)
    const exclude = new Set(excludePeers)
    exclude.add(author)
    forward(msgIdStr, rawMsg, propagationSource, exclude)
  }
}

/** Install on one gossipsub instance. Throws when the gossipsub release has no `forwardMessage` to wrap. */
export function skipAuthorOnForward (pubsub: unknown): void {
  const target = pubsub as Forwarding
  if (typeof target.forwardMessage !== 'function') throw new Error('this gossipsub version has no forwardMessage')
  target.forwardMessage = excludingAuthor(target.forwardMessage.bind(target))
}
