/**
 * No circuit for a stream that cannot run on one.
 *
 * A protocol that does not run on relayed (limited) connections, kad-dht's and the file and history protocols
 * among them, opens a stream to a peer this way in libp2p 3.3.11: the connection manager looks for an open
 * unlimited connection and, when the peer has only relayed ones, dials its addresses one at a time, direct ones
 * first and circuit addresses last. A circuit gives another limited connection, which the stream cannot use
 * either; most often it also duplicates the open one and libp2p aborts it. Each such dial still costs the relay a
 * HOP and a STOP stream and both ends a Noise handshake and identify. In the NAT drill (2026-12-06, a throwaway
 * count in libp2p's connection manager) nodes dialed peers they already reached only through a relay 1,880 times,
 * 1,868 of them for kad-dht's lookups; 1,775 of those dials ended in a duplicate circuit, aborted.
 *
 * So while every open connection to a peer is limited, such a stream is dialed through the peer's direct addresses
 * only: a direct connection is the upgrade libp2p's dial is there for. With none, it fails at once with
 * `RelayedOnlyError`, as the stream would have failed on the circuit.
 */
import { isPeerId, type Connection, type PeerId, type PeerStore } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { RelayedOnlyError } from '../errors.js'
import { addressOfPeer } from './peer-id.js'
import { withConnectionManager, withOpenStream } from './service-components.js'

/** Whether an address leads through a relay. */
export function isCircuit (ma: Multiaddr): boolean {
  return ma.getComponents().some(c => c.name === 'p2p-circuit')
}

/** Whether the node has open connections to a peer and every one of them is relayed (limited). */
export function relayedOnly (connections: Connection[]): boolean {
  const open = connections.filter(c => c.status === 'open')
  return open.length > 0 && open.every(c => c.limits != null)
}

/**
 * The direct addresses to dial `peer` at, each ending in its `/p2p/` id, when every open connection to it is
 * relayed; `undefined` when libp2p's own dial is right (no connection, or an unlimited one). Throws
 * `RelayedOnlyError` when the peer is reached only through relays and no direct address is known.
 */
export async function directAddressesWhileRelayed (
  peer: PeerId,
  connections: Connection[],
  peerStore: Pick<PeerStore, 'get'>,
  protocol: string | string[]
): Promise<Multiaddr[] | undefined> {
  if (!relayedOnly(connections)) return undefined
  const known = await peerStore.get(peer).then(p => p.addresses.map(a => a.multiaddr), () => [])
  const id = peer.toString()
  const direct = known.filter(ma => !isCircuit(ma)).map(ma => addressOfPeer(ma, peer)).filter(ma => ma != null)
  if (direct.length === 0) throw new RelayedOnlyError(id, Array.isArray(protocol) ? protocol.join(', ') : protocol)
  return direct
}

/** The part of a connection manager wrapped here. */
export interface StreamOpener {
  openStream(peer: PeerId | Multiaddr | Multiaddr[], protocol: string | string[], options?: { runOnLimitedConnection?: boolean, force?: boolean }): Promise<unknown>
  getConnections(peer?: PeerId): Connection[]
}

/**
 * A connection manager whose `openStream` dials no circuit to a peer it reaches only through relays, for a stream
 * that cannot run on a relayed connection. Everything else is the manager's own. `onUnreachable` hears of each
 * peer reached only through relays whose direct addresses are unknown or did not connect.
 */
export function withoutRelayedDials<M extends StreamOpener> (manager: M, peerStore: Pick<PeerStore, 'get'>, onUnreachable?: (peer: PeerId) => void): M {
  const openStream: StreamOpener['openStream'] = async (peer, protocol, options = {}) => {
    if (options.runOnLimitedConnection !== true && options.force !== true && isPeerId(peer)) {
      try {
        const direct = await directAddressesWhileRelayed(peer, manager.getConnections(peer), peerStore, protocol)
        if (direct != null) return await manager.openStream(direct, protocol, options)
      } catch (err) {
        onUnreachable?.(peer)
        throw err
      }
    }
    return manager.openStream(peer, protocol, options)
  }
  return withOpenStream(manager, openStream)
}

/**
 * Wrap a service factory (kad-dht's) so the connection manager it is given opens streams through
 * `withoutRelayedDials`. Its other components are untouched. `onUnreachable` is given the service too: kad-dht's
 * drops such a peer from its routing table (node/libp2p.ts).
 */
export function serviceWithoutRelayedDials<C extends { connectionManager: StreamOpener, peerStore: Pick<PeerStore, 'get'> }, S> (
  create: (components: C) => S,
  onUnreachable?: (peer: PeerId, service: S) => void
): (components: C) => S {
  return components => {
    // the service reports through its own connection manager, so it exists only once that manager is made
    const built: { service?: S } = {}
    const report = onUnreachable == null ? undefined : (peer: PeerId) => { if (built.service != null) onUnreachable(peer, built.service) }
    built.service = withConnectionManager(create, (manager, c) => withoutRelayedDials(manager, c.peerStore, report))(components)
    return built.service
  }
}
