/**
 * Identify push only when a connected peer may hold addresses or protocols the node no longer announces.
 *
 * libp2p's identify push, left to itself (`runOnSelfUpdate`), pushes to every connection whenever the node's own
 * peer record changes. The address manager writes the record's addresses 1 s after the node starts listening
 * (it debounces), so every node pushed its addresses and protocols, a second later, to each peer it had connected
 * to in its first second: a joining node about 20 streams, each checked and stored by the peer. Identify had told
 * those peers the same already: it answers with the addresses and protocols of the moment it answers.
 *
 * So the node remembers what it announced when its first connection opened (identify answers then or later, so
 * never with less) and at each change since, and pushes when its addresses or protocols differ from that while a
 * connection is open. Relay addresses that come with a reservation, a mapped port or a protocol a feature registers
 * after peers connected still reach them. A push goes to every connection (identify push's own `push()`).
 */
import type { Libp2pEvents, TypedEventTarget } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Logger } from '../logger.js'

export interface PushOnChangeComponents {
  events: TypedEventTarget<Libp2pEvents>
  /** What identify announces: the node's addresses (libp2p's `getMultiaddrs()`) and protocols (`getProtocols()`). */
  getMultiaddrs(): Multiaddr[]
  getProtocols(): string[]
  /** Whether any connection is open (libp2p's `getConnections()`). */
  hasConnections(): boolean
  /** Identify push to every connection (`services.identifyPush.push()`). */
  push(): Promise<void>
  log: Logger
}

export class PushOnChange {
  /**
   * What the node announced last: taken when its first connection opens, then at each change. Every open connection
   * was told this (by identify when it opened, or by the push after a change), so one value serves them all.
   */
  private announced?: string

  constructor (private readonly components: PushOnChangeComponents) {}

  /** Listen from before libp2p starts, so the first connection is seen. */
  start (): void {
    const { events } = this.components
    events.addEventListener('connection:open', this.onFirstOpen, { once: true })
    events.addEventListener('self:peer:update', this.onSelfUpdate)
  }

  stop (): void {
    const { events } = this.components
    events.removeEventListener('connection:open', this.onFirstOpen)
    events.removeEventListener('self:peer:update', this.onSelfUpdate)
  }

  private state (): string {
    const addrs = this.components.getMultiaddrs().map(ma => ma.toString()).sort()
    const protocols = [...this.components.getProtocols()].sort()
    return `${addrs.join(' ')}\n${protocols.join(' ')}`
  }

  private readonly onFirstOpen = (): void => {
    this.announced ??= this.state()
  }

  private readonly onSelfUpdate = (): void => {
    const now = this.state()
    const before = this.announced
    this.announced = now
    // before any connection nobody was told anything; a peer connecting later is told `now` by identify
    if (before === undefined || before === now || !this.components.hasConnections()) return
    this.components.push().catch((err: Error) => {
      this.components.log.debug({ err: err.message }, 'identify push failed')
    })
  }
}
