/**
 * The nicknames the chat has seen, per peer: from direct messages (the nick travels in the protocol) and from
 * topic lines (inside the JSON envelope), so `/msg bob` finds bob and `/peers` shows who is who. Nicknames are
 * chosen by their senders, so a name may belong to several peers and a peer may use many names; both are
 * capped, the least recently seen going first.
 */
import { terminalSafe } from './terminal-text.js'

/** Peers whose nicknames are kept: a busy topic's authors, far more than anyone addresses by name. */
export const NICKS_MAX_PEERS = 512
/** Nicknames kept per peer: a peer renaming itself, or one writing each line under a new name, holds 4. */
export const NICKS_PER_PEER = 4
/** Longest nickname kept, as `--nick` and the direct-message protocol allow; longer ones are ignored. */
export const NICK_MAX_LENGTH = 64

export interface NickBookOptions {
  /** @default NICKS_MAX_PEERS */
  maxPeers?: number
  /** @default NICKS_PER_PEER */
  perPeer?: number
}

export class NickBook {
  /** Peer id to its nicknames, newest last; the map's order is least recently seen first. */
  private readonly byPeer = new Map<string, string[]>()
  private readonly maxPeers: number
  private readonly perPeer: number

  constructor (opts: NickBookOptions = {}) {
    this.maxPeers = opts.maxPeers ?? NICKS_MAX_PEERS
    this.perPeer = opts.perPeer ?? NICKS_PER_PEER
  }

  /** Record that `peer` wrote as `nick`. Nicknames are kept as printed (terminal-safe), so what shows is what to type. */
  saw (peer: string, nick: string | undefined): void {
    if (nick == null || nick === '' || nick.length > NICK_MAX_LENGTH) return
    const shown = terminalSafe(nick)
    const nicks = (this.byPeer.get(peer) ?? []).filter(n => n !== shown)
    nicks.push(shown)
    if (nicks.length > this.perPeer) nicks.splice(0, nicks.length - this.perPeer)
    this.byPeer.delete(peer)
    this.byPeer.set(peer, nicks)
    if (this.byPeer.size > this.maxPeers) {
      const oldest = this.byPeer.keys().next().value
      if (oldest != null) this.byPeer.delete(oldest)
    }
  }

  /** The nicknames seen for `peer`, the latest first. */
  of (peer: string): string[] {
    return [...(this.byPeer.get(peer) ?? [])].reverse()
  }

  /** The peers that have used `nick`, most recently seen first. */
  peersNamed (nick: string): string[] {
    const ids: string[] = []
    for (const [id, nicks] of this.byPeer) if (nicks.includes(nick)) ids.push(id)
    return ids.reverse()
  }

  /** Every nickname known, most recently seen first, for an error that says what could have been meant. */
  all (): string[] {
    return [...new Set([...this.byPeer.values()].reverse().flatMap(n => [...n].reverse()))]
  }

  get size (): number {
    return this.byPeer.size
  }
}
