/**
 * A peer that stops serving the DHT leaves the routing table.
 *
 * A node that finds itself behind a NAT turns its DHT to client mode (node/nat-policy.ts): it stops handling the
 * DHT protocol, and identify tells its connected peers so. kad-dht 16 does not act on that: the peer stays in their
 * routing tables and they keep asking it in lookups. Nobody outside its own network can dial it directly, so each
 * such request is a dial of its private address, which fails after 1-3 s (EHOSTUNREACH) or opens a relayed
 * connection that the DHT cannot use. go-libp2p-kad-dht removes such a peer when its protocols change; so does this.
 */
import type { Libp2p, PeerId, PeerUpdate } from '@libp2p/interface'

export interface DhtClientsComponents {
  libp2p: Pick<Libp2p, 'addEventListener' | 'removeEventListener'>
  dhtProtocol: string
  removeFromRoutingTable(peer: PeerId): Promise<void>
}

/** From now on, remove every peer that drops the DHT protocol from the routing table; answers a function that stops it. */
export function dropDhtClients ({ libp2p, dhtProtocol, removeFromRoutingTable }: DhtClientsComponents): () => void {
  const onUpdate = (evt: CustomEvent<PeerUpdate>): void => {
    const { peer, previous } = evt.detail
    if (previous?.protocols.includes(dhtProtocol) !== true || peer.protocols.includes(dhtProtocol)) return
    removeFromRoutingTable(peer.id).catch(() => {})
  }
  libp2p.addEventListener('peer:update', onUpdate)
  return () => { libp2p.removeEventListener('peer:update', onUpdate) }
}
