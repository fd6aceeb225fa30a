/**
 * kad-dht tags the 20 peers closest to the node's id KEEP_ALIVE, and libp2p's reconnect queue redials a peer so
 * tagged whenever its connection closes. On the public network that keeps a node's DHT neighbourhood warm; in a
 * swarm of dozens the 20 closest are half the swarm, and every node is among the closest of about 20 others, so
 * those redials hold each node at 27-39 connections and undo every connection the budget closes (a close, a
 * redial, a close again). A lookup dials whom it needs; the tag is removed as soon as kad-dht sets it. kad-dht's
 * `kad-close` tag, which ranks these peers above others when connections are trimmed, stays.
 */
import type { Libp2p, PeerUpdate } from '@libp2p/interface'
import { DHT_KEEP_ALIVE_TAG } from './constants.js'

/** Remove kad-dht's keep-alive tag from every peer it is put on, from now on; answers a function that stops it. */
export function dropDhtKeepAlive (libp2p: Pick<Libp2p, 'addEventListener' | 'removeEventListener' | 'peerStore'>): () => void {
  const onUpdate = (evt: CustomEvent<PeerUpdate>): void => {
    const { peer } = evt.detail
    if (!peer.tags.has(DHT_KEEP_ALIVE_TAG)) return
    libp2p.peerStore.merge(peer.id, { tags: { [DHT_KEEP_ALIVE_TAG]: undefined } }).catch(() => {})
  }
  libp2p.addEventListener('peer:update', onUpdate)
  return () => { libp2p.removeEventListener('peer:update', onUpdate) }
}
