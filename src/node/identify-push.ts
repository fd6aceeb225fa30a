/**
 * Identify push only when a connected peer may hold addresses or protocols the node no longer announces.
 *
 * libp2p's identify push, left to itself (`runOnSelfUpdate`), pushes to every connection whenever the node's own
 * peer record changes. The address manager writes the record's addresses 1 s after the node starts listening
 * (it debounces), so every node pushed its addresses and protocols, a second later, to each peer it had connected
 * to in its first second: a joining node about 20 streams, each checked and stored by the peer. Identify had told
 * those peers the same already: it answers with the addresses and protocols of the moment it answers.
 *
 * So the node remembers, for each open connection, what it announced when the connection opened (identify answers
 * then or later, so never with less), and pushes when its addresses or protocols change and some connection was
 * told otherwise. Relay addresses that come with a reservation, a mapped port or a protocol a feature registers
 * after peers connected still reach them. A push goes to every connection (identify push's own `push()`).
 */
import type { Connection, Libp2pEvents, TypedEventTarget } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Logger } from '../logger.js'

export interface PushOnChangeComponents {
  events: TypedEventTarget<Libp2pEvents>
  /** What identify announces: the node's addresses (libp2p's `getMultiaddrs()`) and protocols (`getProtocols()`). */
  getMultiaddrs(): Multiaddr[]
  getProtocols(): string[]
  /** Identify push to every connection (`services.identifyPush.push()`). */
  push(): Promise<void>
  log: Logger
}

export class PushOnChange {
  /** What the node announces, as last seen; undefined until the first connection or change. */
  private announced?: string
  /** Per open connection, by id: what the node announced when it opened, or pushed since. */
  private readonly told = new Map<string, string>()

  constructor (private readonly components: PushOnChangeComponents) {}

  /** Listen from before libp2p starts, so no connection opened early is missed. */
  start (): void {
    const { events } = this.components
    events.addEventListener('connection:open', this.onOpen)
    events.addEventListener('connection:close', this.onClose)
    events.addEventListener('self:peer:update', this.onSelfUpdate)
  }

  stop (): void {
    const { events } = this.components
    events.removeEventListener('connection:open', this.onOpen)
    events.removeEventListener('connection:close', this.onClose)
    events.removeEventListener('self:peer:update', this.onSelfUpdate)
    this.told.clear()
  }

  /** Open connections it keeps track of: for tests. */
  get connections (): number {
    return this.told.size
  }

  private state (): string {
    const addrs = this.components.getMultiaddrs().map(ma => ma.toString()).sort()
    const protocols = [...this.components.getProtocols()].sort()
    return `${addrs.join(' ')}\n${protocols.join(' ')}`
  }

  private readonly onOpen = (evt: CustomEvent<Connection>): void => {
    this.announced ??= this.state()
    this.told.set(evt.detail.id, this.announced)
  }

  private readonly onClose = (evt: CustomEvent<Connection>): void => {
    this.told.delete(evt.detail.id)
  }

  private readonly onSelfUpdate = (): void => {
    const now = this.state()
    this.announced = now
    let behind = false
    for (const [id, told] of this.told) {
      if (told !== now) {
        behind = true
        this.told.set(id, now)
      }
    }
    if (!behind) return
    this.components.push().catch((err: Error) => {
      this.components.log.debug({ err: err.message }, 'identify push failed')
    })
  }
}
