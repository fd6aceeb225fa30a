/**
 * Which connected peers speak which protocols, answered synchronously. The peer store knows it too, but only
 * through an async lookup; a feature choosing a peer on a timer tick (history catch-up asks only peers that
 * serve `/gossipd/history/1.0.0`, never a go or rust node that shares the topic but not the protocol) needs the
 * answer at once. Kept from identify (and identify push, through peer store updates) for connected peers only,
 * so the table is as large as the connection limit allows and an entry goes when its peer disconnects.
 */
import type { IdentifyResult, Libp2pEvents, PeerId, PeerUpdate, TypedEventTarget } from '@libp2p/interface'

export class ProtocolPeers {
  private readonly byPeer = new Map<string, ReadonlySet<string>>()
  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    this.byPeer.set(evt.detail.peerId.toString(), new Set(evt.detail.protocols))
  }

  private readonly onUpdate = (evt: CustomEvent<PeerUpdate>): void => {
    const id = evt.detail.peer.id.toString()
    // only peers identified on a connection: the peer store also updates peers this node is not connected to
    if (this.byPeer.has(id)) this.byPeer.set(id, new Set(evt.detail.peer.protocols))
  }

  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => {
    this.byPeer.delete(evt.detail.toString())
  }

  constructor (private readonly events: TypedEventTarget<Libp2pEvents>) {}

  /** Listen from before libp2p starts, so no identify of an early connection is missed. */
  start (): void {
    this.events.addEventListener('peer:identify', this.onIdentify)
    this.events.addEventListener('peer:update', this.onUpdate)
    this.events.addEventListener('peer:disconnect', this.onDisconnect)
  }

  stop (): void {
    this.events.removeEventListener('peer:identify', this.onIdentify)
    this.events.removeEventListener('peer:update', this.onUpdate)
    this.events.removeEventListener('peer:disconnect', this.onDisconnect)
    this.byPeer.clear()
  }

  /** Whether a connected peer said (in identify) that it serves `protocol`. */
  speaks (peer: PeerId, protocol: string): boolean {
    return this.byPeer.get(peer.toString())?.has(protocol) === true
  }
}
