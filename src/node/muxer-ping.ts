/**
 * Liveness pings over a connection's own multiplexer: a Yamux PING frame and its answer, 12 bytes each way, no
 * stream. The ping protocol (`/ipfs/ping/1.0.0`) opens a stream, negotiates it and closes it on both sides for
 * every ping: on an idle 40-node swarm pinging each peer every 10 s that was about 2 ms of CPU per ping, two
 * thirds of all the swarm's idle CPU (docs/PERFORMANCE.md). A connection whose muxer cannot ping falls back to
 * the ping protocol.
 */
import { isPeerId, type AbortOptions, type Connection, type PeerId } from '@libp2p/interface'
import { ping, type Ping, type PingComponents, type PingInit } from '@libp2p/ping'
import { withSignalOrDeadline } from './deadline.js'

interface PingingMuxer {
  ping(options?: AbortOptions): Promise<number>
}

/** The muxer of a connection, when it can ping (libp2p keeps it on the connection; Yamux can). */
export function pingingMuxerOf (conn: Connection): PingingMuxer | undefined {
  const muxer = (conn as unknown as { muxer?: Partial<PingingMuxer> }).muxer
  return typeof muxer?.ping === 'function' ? muxer as PingingMuxer : undefined
}

export interface PingRoute {
  getConnections(peer: PeerId): Connection[]
  /** The ping protocol, for connections without a pinging muxer. */
  pingProtocol(peer: PeerId, options: { signal: AbortSignal }): Promise<number>
  /** Dial a peer with no open connection, to ping it over the new connection's muxer. */
  connect?(peer: PeerId, options: { signal: AbortSignal }): Promise<Connection>
}

function openMuxer (connections: Connection[]): PingingMuxer | undefined {
  return connections.filter(c => c.status === 'open').map(pingingMuxerOf).find(m => m != null)
}

/**
 * Round-trip time to a peer in ms. The muxer is not handed the signal: Yamux treats an answer to a ping it
 * gave up on as a protocol violation and closes the connection, so a slow answer must stay awaited (a later
 * ping of the same connection waits for the same answer); only this call stops waiting.
 */
export async function pingPeer (route: PingRoute, peer: PeerId, options: { signal: AbortSignal }): Promise<number> {
  const connections = route.getConnections(peer)
  let muxer = openMuxer(connections)
  // a peer not connected yet (kad-dht checking a contact named in a lookup's answer): the dial the ping protocol
  // would make, then the muxer's ping, where the protocol would also open, negotiate and close a stream
  if (muxer == null && route.connect != null && connections.length === 0) {
    muxer = openMuxer([await route.connect(peer, options)])
  }
  if (muxer == null) return route.pingProtocol(peer, options)
  options.signal.throwIfAborted()
  const pong = muxer.ping()
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => { reject(options.signal.reason) }
    options.signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([pong, aborted])
  } finally {
    options.signal.removeEventListener('abort', onAbort!)
    pong.catch(() => {})
  }
}

/** How long a ping without a signal of its own may take (the ping service's own default). */
const DEFAULT_PING_TIMEOUT_MS = 10_000

/**
 * libp2p's ping service, which still answers `/ipfs/ping/1.0.0` for every peer, with its own pings of a connected
 * peer sent over the muxer. kad-dht pings each new routing-table contact before adding it (and old contacts
 * before evicting them) through this service: while a swarm joins, that was a stream opened, negotiated and closed
 * on both sides for every contact of every node. A peer with no connection is dialed first, as the protocol would,
 * and pinged over the new connection (a joining node checks about 20 contacts it has only heard of). Pings of an
 * address, or of a peer whose connections cannot ping, go over the protocol as before.
 */
export function muxerFirstPing (init: PingInit = {}): (components: PingComponents) => Ping {
  const protocolPing = ping(init)
  return components => {
    const service = protocolPing(components)
    const viaProtocol = service.ping.bind(service)
    service.ping = async (peer, options = {}) => {
      if (!isPeerId(peer)) return viaProtocol(peer, options)
      // a time limit of its own only for a ping without a signal, cleared once the answer is in
      return withSignalOrDeadline(options.signal, init.timeout ?? DEFAULT_PING_TIMEOUT_MS, async signal => pingPeer({
        getConnections: p => components.connectionManager.getConnections(p),
        pingProtocol: viaProtocol,
        connect: async (p, opts) => components.connectionManager.openConnection(p, opts)
      }, peer, { signal }))
    }
    return service
  }
}
