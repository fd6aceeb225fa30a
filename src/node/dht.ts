/**
 * A read-mostly view of the Kademlia DHT: the routing table as k-buckets, and timed findPeer lookups.
 */
import type { PeerId } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import { PeerNotFoundError } from '../errors.js'

/**
 * kad-dht keeps its routing table off its public interface; this is the part of it read here. It is checked
 * at run time in `routingTableOf`, so a kad-dht release that moves it fails loudly rather than silently.
 */
interface KBucketPeer { peerId: PeerId, lastPing: number }
interface LeafBucket { prefix: string, depth: number, peers: KBucketPeer[] }
interface InternalBucket { prefix: string, depth: number, left: Bucket, right: Bucket }
type Bucket = LeafBucket | InternalBucket
export interface RoutingTableAccess {
  size: number
  kb: { root: Bucket }
  add(peer: PeerId, options?: { signal?: AbortSignal }): Promise<void>
  remove(peer: PeerId): Promise<void>
}

export function routingTableOf (dht: KadDHT): RoutingTableAccess {
  const rt = (dht as unknown as { routingTable?: RoutingTableAccess }).routingTable
  if (rt?.kb?.root == null || typeof rt.remove !== 'function' || typeof rt.add !== 'function') {
    throw new Error('this kad-dht version does not expose its routing table')
  }
  return rt
}

export interface BucketView {
  prefix: string
  depth: number
  peers: Array<{ id: string, lastPing: number }>
}

export interface RoutingTableView {
  size: number
  buckets: BucketView[]
}

export interface FindPeerResult {
  id: string
  multiaddrs: string[]
  ms: number
  /** The peer whose answer held the addresses (this node itself when its peer store did). */
  from: string
}

function * leaves (bucket: Bucket): Generator<LeafBucket> {
  if ('peers' in bucket) {
    yield bucket
  } else {
    yield * leaves(bucket.left)
    yield * leaves(bucket.right)
  }
}

/** Every peer in a routing table. */
export function * routingTablePeers (rt: RoutingTableAccess): Generator<PeerId> {
  for (const bucket of leaves(rt.kb.root)) {
    for (const p of bucket.peers) yield p.peerId
  }
}

export class DhtView {
  constructor (private readonly dht: KadDHT) {}

  get size (): number {
    return routingTableOf(this.dht).size
  }

  routingTable (): RoutingTableView {
    const rt = routingTableOf(this.dht)
    const buckets = [...leaves(rt.kb.root)]
      .filter(b => b.peers.length > 0)
      .map(b => ({ prefix: b.prefix, depth: b.depth, peers: b.peers.map(p => ({ id: p.peerId.toString(), lastPing: p.lastPing })) }))
    return { size: rt.size, buckets }
  }

  async remove (peerId: PeerId): Promise<void> {
    await routingTableOf(this.dht).remove(peerId)
  }

  /**
   * Look a peer up through the DHT. With `useCache` (the default) addresses already in the peer store answer
   * at once; without it the lookup always asks the network. Throws `PeerNotFoundError` when nobody knows them.
   */
  async findPeer (peerId: PeerId, options: { signal: AbortSignal, useCache?: boolean }): Promise<FindPeerResult> {
    const started = performance.now()
    try {
      for await (const answer of this.answers(peerId, { signal: options.signal, useCache: options.useCache ?? true })) {
        return { id: peerId.toString(), ...answer, ms: Math.round((performance.now() - started) * 10) / 10 }
      }
    } catch (err) {
      throw new PeerNotFoundError(peerId.toString(), (err as Error).message)
    }
    throw new PeerNotFoundError(peerId.toString(), 'no peer in the DHT knows its addresses')
  }

  /**
   * Ask the network (never the peer store) for a peer's addresses, and yield each answer that names it, as the
   * lookup goes on: one peer's answer may be stale (addresses at a relay the peer has since left, known to a
   * peer no longer connected to it) where a later one is fresh. Yields nothing when nobody knows the peer;
   * stopping early ends the lookup.
   */
  async * peerAnswers (peerId: PeerId, options: { signal: AbortSignal }): AsyncGenerator<{ multiaddrs: string[], from: string }> {
    try {
      yield * this.answers(peerId, { signal: options.signal, useCache: false })
    } catch (err) {
      // kad-dht ends a lookup that found nobody with an error; an abort is the caller's to see
      if (options.signal.aborted) throw err
    }
  }

  /** Each answer of a kad-dht lookup that names the peer: its addresses, and who gave them. */
  private async * answers (peerId: PeerId, options: { signal: AbortSignal, useCache: boolean }): AsyncGenerator<{ multiaddrs: string[], from: string }> {
    for await (const event of this.dht.findPeer(peerId, options)) {
      if (event.name === 'FINAL_PEER') yield { multiaddrs: event.peer.multiaddrs.map(m => m.toString()), from: event.from.toString() }
    }
  }
}
