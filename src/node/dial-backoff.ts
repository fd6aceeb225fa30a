/**
 * Which peers the discovery loop leaves alone for a while, because its last dials to them failed.
 *
 * A node short of its minimum dials the peers it knows every round (DISCOVERY_FAST_INTERVAL_MS). Behind a NAT,
 * most of them are at addresses on other sites' private networks that this node cannot reach, and each such dial
 * fails after 1-3 s (EHOSTUNREACH) or times out: in the NAT drill a site node failed about 33 dials in 45 s, these
 * among them (docs/NAT.md). Besides their cost, a direct message to one of those peers joined the dial in flight
 * (libp2p dials a peer once at a time) and waited for the stale address to fail before the relay address its DHT
 * lookup had found was tried.
 *
 * So a peer whose dial failed is skipped for DISCOVERY_BACKOFF_BASE_MS, twice as long after each failure in a row,
 * up to DISCOVERY_BACKOFF_MAX_MS, as go-libp2p's swarm backs off a peer it could not dial. A connection from the
 * peer ends its backoff. A direct (not relayed) connection from a peer that was backed off means the network has
 * changed, as after a partition heals: every backoff ends, so the node dials the rest of the other side at once
 * instead of waiting out their timers. At most `maxPeers` are remembered, the longest known dropped first.
 */
import type { PeerId } from '@libp2p/interface'

export interface DialBackoffInit {
  baseMs: number
  maxMs: number
  maxPeers: number
  now?: () => number
}

interface Entry {
  failures: number
  until: number
}

export class DialBackoff {
  private readonly entries = new Map<string, Entry>()
  private readonly now: () => number

  constructor (private readonly init: DialBackoffInit) {
    this.now = init.now ?? Date.now
  }

  /** Whether the peer may be dialed now. */
  allows (peer: PeerId): boolean {
    const entry = this.entries.get(peer.toString())
    return entry == null || entry.until <= this.now()
  }

  /** A dial to the peer failed: skip it for longer each time in a row. */
  failed (peer: PeerId): void {
    const key = peer.toString()
    const failures = (this.entries.get(key)?.failures ?? 0) + 1
    const wait = Math.min(this.init.maxMs, this.init.baseMs * 2 ** Math.min(failures - 1, 30))
    // re-inserted, so the map's order stays the order of last failure and the oldest is dropped first
    this.entries.delete(key)
    this.entries.set(key, { failures, until: this.now() + wait })
    if (this.entries.size > this.init.maxPeers) {
      const oldest = this.entries.keys().next().value
      if (oldest != null) this.entries.delete(oldest)
    }
  }

  /**
   * The peer is connected. Over a direct connection, a peer that was backed off says the network changed: every
   * backoff ends. Over a relay it says nothing of its own addresses, so only its own backoff ends.
   */
  connected (peer: PeerId, direct: boolean): void {
    const wasBackedOff = this.entries.delete(peer.toString())
    if (wasBackedOff && direct) this.entries.clear()
  }

  /** Peers currently remembered (for tests). */
  get size (): number {
    return this.entries.size
  }
}
