/**
 * Per-peer request rates: one token bucket per remote peer, so a peer that floods a protocol is refused while the
 * others are served. The table of buckets is capped; when it is full the peer idle longest is forgotten (it
 * starts again with a full bucket, which is what an idle peer would have by then anyway).
 */
import { TokenBucket } from './token-bucket.js'

export interface PeerRateLimitInit {
  /** Requests per second a peer may make on average. */
  rate: number
  /** Requests a peer may make at once after being idle. */
  burst: number
  /** Peers tracked at once. */
  maxPeers: number
  /** Clock, for tests. @default Date.now */
  now?: () => number
}

export class PeerRateLimit {
  /** Insertion order is last-use order: a peer is moved to the end on each request. */
  private readonly buckets = new Map<string, TokenBucket>()

  constructor (private readonly init: PeerRateLimitInit) {}

  /** Whether `peer` may make one more request now (and count it if so). */
  allow (peer: string): boolean {
    let bucket = this.buckets.get(peer)
    if (bucket != null) {
      this.buckets.delete(peer)
    } else {
      bucket = new TokenBucket({ rate: this.init.rate, burst: this.init.burst, now: this.init.now })
      if (this.buckets.size >= this.init.maxPeers) {
        const oldest = this.buckets.keys().next()
        if (oldest.done !== true) this.buckets.delete(oldest.value)
      }
    }
    this.buckets.set(peer, bucket)
    return bucket.tryTake(1)
  }

  /** Peers tracked now. */
  get size (): number {
    return this.buckets.size
  }
}
