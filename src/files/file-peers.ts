/**
 * Who has recently asked this node for a file: the other downloaders of it. A `have` answer names some of them
 * (docs/PROTOCOLS.md), so downloaders of the same file find each other within a request instead of waiting for
 * each other's DHT provider records. Bounded: at most FILES_PEER_HINT_FILES files, FILES_PEER_HINTS peers each,
 * forgotten after FILES_PEER_HINT_TTL_MS.
 */
import { FILES_PEER_HINT_FILES, FILES_PEER_HINT_TTL_MS, FILES_PEER_HINTS } from './constants.js'

export class FilePeers {
  /** File id -> peer id -> last request time; both maps in least-recently-seen-first order. */
  private readonly files = new Map<string, Map<string, number>>()

  constructor (private readonly now: () => number = Date.now) {}

  /** `peer` asked for something of `fileId`. */
  seen (fileId: string, peer: string): void {
    let peers = this.files.get(fileId)
    if (peers == null) {
      peers = new Map()
      if (this.files.size >= FILES_PEER_HINT_FILES) this.files.delete(this.files.keys().next().value as string)
    } else {
      this.files.delete(fileId)
    }
    this.files.set(fileId, peers)
    peers.delete(peer)
    peers.set(peer, this.now())
    if (peers.size > FILES_PEER_HINTS + 1) peers.delete(peers.keys().next().value as string)
  }

  /** The peers other than `asker` that asked for `fileId` lately, most recent first. */
  others (fileId: string, asker: string): string[] {
    const peers = this.files.get(fileId)
    if (peers == null) return []
    const cutoff = this.now() - FILES_PEER_HINT_TTL_MS
    const out: string[] = []
    for (const [peer, at] of [...peers].reverse()) {
      if (at < cutoff) break
      if (peer !== asker) out.push(peer)
      if (out.length >= FILES_PEER_HINTS) break
    }
    return out
  }
}
