/**
 * Gossipsub's outbound streams opened side by side, one peer at a time for each peer. Gossipsub opens the
 * stream it sends on (subscriptions, grafts, messages) to each newly connected peer through one queue that
 * waits for each stream's protocol negotiation before it starts the next. A peer slow to answer (a node still
 * starting, on a loaded machine) holds back every peer behind it: in the churn test a new node connected to 15
 * peers learned nobody's subscriptions for seconds, and received no gossip for 7-11 s after it subscribed.
 *
 * Here the queue hands each request on at once. Requests for the same peer still run one after another, which
 * is all the queue's order protected: gossipsub's own check (one outbound stream per peer) then sees the first
 * one's stream before the second runs. Each request is gossipsub's own code, unchanged.
 */
import type { Connection, PeerId } from '@libp2p/interface'

type Create = (peerId: PeerId, connection: Connection) => Promise<void>

/** The gossipsub instance's member this replaces (private in its type declarations). */
interface OutboundStreams {
  createOutboundStream: Create
  log?: { error(...args: unknown[]): void }
}

/**
 * Wrap `create` so that calls for different peers run at once and calls for one peer run in order. The wrapper
 * resolves at once: the caller (gossipsub's queue) moves on. `onError` gets what a request throws.
 */
export function perPeerConcurrent (create: Create, onError: (err: unknown) => void): Create & { pending: Map<string, Promise<void>> } {
  const pending = new Map<string, Promise<void>>()
  const wrapped = async (peerId: PeerId, connection: Connection): Promise<void> => {
    const id = peerId.toString()
    const run: Promise<void> = (pending.get(id) ?? Promise.resolve())
      .then(async () => { await create(peerId, connection) })
      .catch(onError)
      .finally(() => { if (pending.get(id) === run) pending.delete(id) })
    pending.set(id, run)
  }
  return Object.assign(wrapped, { pending })
}

/** Install on one gossipsub instance, before it starts; what a request throws goes to gossipsub's own log. */
export function concurrentOutboundStreams (pubsub: unknown): void {
  const target = pubsub as OutboundStreams
  const create = target.createOutboundStream.bind(target)
  target.createOutboundStream = perPeerConcurrent(create, err => { target.log?.error('createOutboundStream error', err) })
}
