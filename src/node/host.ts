/**
 * The libp2p host every feature stands on: libp2p itself, the peer table, the DHT view, liveness pings, bootstrap,
 * discovery and metrics. It knows no feature; the composition root (src/gossipd.ts) builds the features on it.
 */
import { isPeerId, KEEP_ALIVE, type Connection, type PeerId, type Stream, type StreamHandler } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { NodeConfig } from '../config.js'
import {
  AGENT_VERSION, DEFAULT_MAX_INBOUND_STREAMS, DEFAULT_MAX_OUTBOUND_STREAMS, JOIN_DIAL_PHASE_MS,
  JOIN_MAX_PARALLEL_DIALS, PASSING_PROTOCOLS
} from './constants.js'
import { NotStartedError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { Bootstrapper } from './bootstrapper.js'
import { ConnectionBudget, connectionBudgetOf } from './connection-budget.js'
import { DhtView, routingTableOf } from './dht.js'
import { dropDhtClients } from './dht-clients.js'
import { dropDhtKeepAlive } from './dht-keep-alive.js'
import { Discovery } from './discovery.js'
import { loadOrCreateIdentity } from './identity.js'
import { PushOnChange } from './identify-push.js'
import { dialQueueOf, JoinDials } from './join-dials.js'
import { buildLibp2p, type GossipdLibp2p, type Libp2pOptions } from './libp2p.js'
import { Liveness } from './liveness.js'
import { createMetrics, type NodeMetrics } from './metrics.js'
import { PeerTable } from './peers.js'
import { ProtocolPeers } from './protocol-peers.js'
import { directAddressesWhileRelayed } from './relayed-only.js'
import { reusableConnection } from './reuse-connection.js'
import { Traversal, type TraversalInfo } from './traversal.js'

export interface CreateHostOptions extends Libp2pOptions {
  logger?: Logger
}

export interface HandleOptions {
  /** Streams a remote peer may open to this protocol at once, per connection. @default DEFAULT_MAX_INBOUND_STREAMS */
  maxInboundStreams?: number
  /** Streams this node may open to this protocol at once, per connection. @default DEFAULT_MAX_OUTBOUND_STREAMS */
  maxOutboundStreams?: number
  /** Serve the protocol over relayed (limited) connections too. @default false */
  runOnLimitedConnection?: boolean
}

export interface NodeInfo extends TraversalInfo {
  peerId: string
  nick?: string
  listen: string[]
  announced: string[]
  protocols: string[]
  agentVersion: string
  uptimeMs: number
  startedAt: string | null
}

export class GossipdHost {
  readonly peerId: PeerId
  readonly peers: PeerTable
  readonly dht: DhtView
  readonly metrics: NodeMetrics
  readonly liveness: Liveness
  /** NAT traversal: reachability from dial-backs, DHT mode, relay service and reservations. */
  readonly traversal: Traversal
  private startedAt?: number
  private readonly bootstrapper: Bootstrapper
  private readonly discovery: Discovery
  private readonly joinDials: JoinDials
  private readonly budget?: ConnectionBudget
  private keepAliveDrop?: () => void
  private clientsDrop?: () => void
  /** Which connected peers serve which protocols, answered at once (identify's lists). */
  readonly protocolPeers: ProtocolPeers
  /** Identify push when a connected peer was told other addresses or protocols than the node's now. */
  readonly identifyPush: PushOnChange

  constructor (readonly config: NodeConfig, readonly libp2p: GossipdLibp2p, readonly log: Logger) {
    this.peerId = libp2p.peerId
    const dht = libp2p.services.dht
    this.dht = new DhtView(dht)
    // streams that do not make a connection busy: gossipsub's stay open on every connection, identify and ping pass
    const idleProtocols = [...libp2p.services.pubsub.protocols, ...PASSING_PROTOCOLS]
    this.liveness = new Liveness({
      getConnections: () => libp2p.getConnections(),
      // over the muxer when it can (the ping service is muxerFirstPing)
      ping: async (peer, opts) => libp2p.services.ping.ping(peer, opts),
      hangUp: async peer => libp2p.hangUp(peer),
      forget: async peer => this.dht.remove(peer),
      isConnected: peer => libp2p.getConnections(peer).length > 0,
      wantsPeers: () => libp2p.getPeers().length < config.minConnections,
      log
    }, { intervalMs: config.pingInterval, idleProtocols })
    this.traversal = new Traversal(libp2p, config, log.child({ component: 'nat' }))
    this.peers = new PeerTable(libp2p, libp2p.peerStore, this.liveness, conn => this.traversal.originOf(conn))
    this.protocolPeers = new ProtocolPeers(libp2p)
    this.identifyPush = new PushOnChange({
      events: libp2p,
      getMultiaddrs: () => libp2p.getMultiaddrs(),
      getProtocols: () => libp2p.getProtocols(),
      hasConnections: () => libp2p.getConnections().length > 0,
      push: async () => libp2p.services.identifyPush.push(),
      log
    })
    this.joinDials = new JoinDials(dialQueueOf(libp2p), { maxParallel: JOIN_MAX_PARALLEL_DIALS, forMs: JOIN_DIAL_PHASE_MS })
    this.bootstrapper = new Bootstrapper({
      peerId: this.peerId,
      dial: async (ma, opts) => libp2p.dial(ma, opts),
      log
    }, { list: config.bootstrap })
    this.discovery = new Discovery({
      peerId: this.peerId,
      dht,
      routingTable: () => routingTableOf(dht),
      getConnections: () => libp2p.getConnections(),
      dial: async (peer, opts) => libp2p.dial(peer, opts),
      protocolsOf: async peer => libp2p.peerStore.get(peer).then(p => p.protocols, () => []),
      knownDhtPeers: async () => (await libp2p.peerStore.all({
        filters: [p => p.addresses.length > 0 && p.protocols.includes(config.dhtProtocol)]
      })).map(p => p.id),
      dhtProtocol: config.dhtProtocol,
      rejoin: () => { this.bootstrapper.kick() },
      log
    }, { minConnections: config.minConnections })
    const budget = connectionBudgetOf(config)
    if (budget != null) {
      this.budget = new ConnectionBudget({
        getConnections: () => libp2p.getConnections(),
        tagValue: async peer => {
          const { tags } = await libp2p.peerStore.get(peer)
          return [...tags.values()].reduce((sum, t) => sum + t.value, 0)
        },
        keptAlive: async peer => [...(await libp2p.peerStore.get(peer)).tags.keys()].some(k => k.startsWith(KEEP_ALIVE)),
        expectDisconnect: peer => { this.liveness.expectDisconnect(peer) },
        log
      }, {
        budget,
        idleProtocols
      })
    }
    this.metrics = createMetrics({
      connections: () => new Set(libp2p.getConnections().map(c => c.remotePeer.toString())).size,
      routingTableSize: () => this.dht.size,
      uptimeSeconds: () => this.uptimeMs() / 1000,
      reachability: () => this.traversal.reachability.state
    })
    libp2p.addEventListener('peer:disconnect', evt => {
      this.liveness.onDisconnect(evt.detail)
      this.discovery.peerLeft()
    })
    libp2p.addEventListener('peer:connect', evt => {
      log.debug({ peer: evt.detail.toString() }, 'peer connected')
      this.liveness.onConnect(evt.detail)
      this.discovery.peerJoined(evt.detail, libp2p.getConnections(evt.detail).some(c => c.limits == null))
    })
  }

  get isStarted (): boolean {
    return this.startedAt != null
  }

  /** Start libp2p. Features are started after this, then `join()` starts looking for peers. */
  async start (): Promise<void> {
    if (this.isStarted) return
    this.joinDials.start()
    // under a budget, DHT neighbours are dialed when a lookup needs them, not kept connected (node/dht-keep-alive.ts)
    if (this.budget != null) this.keepAliveDrop = dropDhtKeepAlive(this.libp2p)
    // a peer that turned DHT client (behind a NAT) is no longer asked in lookups (node/dht-clients.ts)
    this.clientsDrop = dropDhtClients({ libp2p: this.libp2p, dhtProtocol: this.config.dhtProtocol, removeFromRoutingTable: async peer => this.dht.remove(peer) })
    this.protocolPeers.start()
    this.identifyPush.start()
    await this.libp2p.start()
    this.startedAt = Date.now()
    await this.traversal.start()
  }

  /** Start liveness pings, bootstrap and discovery: once the features serve their protocols. */
  join (): void {
    this.liveness.start()
    this.budget?.start()
    this.bootstrapper.start()
    this.discovery.start()
  }

  /** Stop looking for peers and pinging them: before the features stop. */
  leave (): void {
    this.joinDials.release()
    this.discovery.stop()
    this.budget?.stop()
    this.bootstrapper.stop()
    this.liveness.stop()
  }

  /** Close every connection and stop libp2p. */
  async stop (): Promise<void> {
    if (!this.isStarted) return
    this.leave()
    // traversal and libp2p's stop drop relay addresses and unregister every protocol: nothing to tell peers the
    // node is closing on
    this.identifyPush.stop()
    await this.traversal.stop()
    await this.libp2p.stop()
    this.keepAliveDrop?.()
    this.keepAliveDrop = undefined
    this.clientsDrop?.()
    this.clientsDrop = undefined
    this.protocolPeers.stop()
    this.startedAt = undefined
  }

  uptimeMs (): number {
    return this.startedAt == null ? 0 : Date.now() - this.startedAt
  }

  info (): NodeInfo {
    return {
      peerId: this.peerId.toString(),
      ...(this.config.nick != null ? { nick: this.config.nick } : {}),
      listen: this.libp2p.getMultiaddrs().map(String),
      announced: this.libp2p.getMultiaddrs().map(String).filter(a => !/\/ip4\/0\.0\.0\.0\//.test(a)),
      protocols: this.libp2p.getProtocols(),
      agentVersion: AGENT_VERSION,
      uptimeMs: this.uptimeMs(),
      startedAt: this.startedAt == null ? null : new Date(this.startedAt).toISOString(),
      ...this.traversal.info()
    }
  }

  /**
   * Serve a protocol. A handler that throws aborts its own stream and nothing else; stream limits default to
   * `DEFAULT_MAX_INBOUND_STREAMS` / `DEFAULT_MAX_OUTBOUND_STREAMS` per connection.
   */
  async handle (protocol: string, handler: StreamHandler, options: HandleOptions = {}): Promise<void> {
    const log = this.log
    await this.libp2p.handle(protocol, async (stream: Stream, connection: Connection) => {
      try {
        await handler(stream, connection)
      } catch (err) {
        log.debug({ protocol, peer: connection.remotePeer.toString(), err: (err as Error).message }, 'stream handler failed; aborting the stream')
        stream.abort(err as Error)
      }
    }, {
      maxInboundStreams: options.maxInboundStreams ?? DEFAULT_MAX_INBOUND_STREAMS,
      maxOutboundStreams: options.maxOutboundStreams ?? DEFAULT_MAX_OUTBOUND_STREAMS,
      runOnLimitedConnection: options.runOnLimitedConnection ?? false
    })
  }

  async unhandle (protocol: string): Promise<void> {
    await this.libp2p.unhandle(protocol)
  }

  /**
   * Open a stream to a peer (by id or multiaddr) on a protocol, dialing it if needed. A stream allowed on a relayed
   * connection goes on the open connection the node has, relayed or not, rather than through libp2p's dial, which
   * would set up and throw away a new circuit each time (node/reuse-connection.ts). One that may not is dialed only
   * through the peer's direct addresses while the node reaches it only through relays (node/relayed-only.ts).
   */
  async dialProtocol (peer: PeerId | Multiaddr, protocol: string, options: { signal?: AbortSignal, runOnLimitedConnection?: boolean } = {}): Promise<Stream> {
    if (!this.isStarted) throw new NotStartedError()
    if (isPeerId(peer)) {
      if (options.runOnLimitedConnection === true) {
        const conn = reusableConnection(this.libp2p.getConnections(peer))
        if (conn != null) return conn.newStream(protocol, options)
      } else {
        const direct = await directAddressesWhileRelayed(peer, this.libp2p.getConnections(peer), this.libp2p.peerStore, protocol)
        if (direct != null) return this.libp2p.dialProtocol(direct, protocol, options)
      }
    }
    return this.libp2p.dialProtocol(peer, protocol, options)
  }
}

/** Build the host of a node from a validated config: load (or create) its identity and assemble libp2p (not started). */
export async function createHost (config: NodeConfig, options: CreateHostOptions): Promise<GossipdHost> {
  const privateKey = await loadOrCreateIdentity(config.dataDir, { stockSigner: options.stockLibraries })
  const libp2p = await buildLibp2p(config, privateKey, options)
  const log = (options.logger ?? silentLogger()).child({ self: libp2p.peerId.toString().slice(-8) })
  return new GossipdHost(config, libp2p, log)
}
