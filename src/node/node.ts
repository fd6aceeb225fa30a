/**
 * The gossipd node: libp2p plus the features built on it. The CLI, the HTTP API and the tests all drive this
 * object; nothing is reachable only through HTTP.
 */
import type { Connection, PeerId, Stream, StreamHandler } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { NodeConfig } from '../config.js'
import { meshPeersOf } from '../messaging/pubsub.js'
import { SwarmView } from '../crawl/swarm-view.js'
import { AGENT_VERSION, DEFAULT_MAX_INBOUND_STREAMS, DEFAULT_MAX_OUTBOUND_STREAMS, JOIN_DIAL_PHASE_MS, JOIN_MAX_PARALLEL_DIALS } from '../constants.js'
import { NotStartedError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { Bootstrapper } from './bootstrapper.js'
import { DhtView, routingTableOf } from './dht.js'
import { Discovery } from './discovery.js'
import { loadOrCreateIdentity } from './identity.js'
import { dialQueueOf, JoinDials } from './join-dials.js'
import { buildLibp2p, type GossipdLibp2p, type Libp2pOptions } from './libp2p.js'
import { Liveness } from './liveness.js'
import { createMetrics, type NodeMetrics } from './metrics.js'
import { FileSharing } from '../files/file-sharing.js'
import { createMessaging, type DirectMessages, type HistorySync, type Topics } from '../messaging/index.js'
import { PeerTable } from './peers.js'
import { Traversal, type TraversalInfo } from './traversal.js'

export interface CreateNodeOptions extends Libp2pOptions {
  logger?: Logger
  /** Start the node before returning it. @default true */
  start?: boolean
}

export interface HandleOptions {
  /** Streams a remote peer may open to this protocol at once, per connection. @default DEFAULT_MAX_INBOUND_STREAMS */
  maxInboundStreams?: number
  /** Streams this node may open to this protocol at once, per connection. @default DEFAULT_MAX_OUTBOUND_STREAMS */
  maxOutboundStreams?: number
  /** Serve the protocol over relayed (limited) connections too. @default false */
  runOnLimitedConnection?: boolean
}

/** Something with a lifecycle that the node starts after libp2p and stops before it. */
export interface Feature {
  start?(): void | Promise<void>
  stop?(): void | Promise<void>
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

export class GossipdNode {
  readonly peerId: PeerId
  readonly peers: PeerTable
  readonly dht: DhtView
  readonly metrics: NodeMetrics
  /** Gossipsub topics: subscribe, publish, history, live streams, validators. */
  readonly topics: Topics
  /** Acknowledged direct messages: send, inbox, outbox. */
  readonly direct: DirectMessages
  /** Topic history catch-up: answers `/gossipd/history/1.0.0` and fills in what gossip missed. */
  readonly history: HistorySync
  /** The swarm graph: answers `/gossipd/peers/1.0.0` and crawls the swarm. */
  readonly swarm: SwarmView
  /** File sharing: store, DHT providers, `/gossipd/files/1.0.0` and `/gossipd/index/1.0.0`, downloads. */
  readonly files: FileSharing
  /** NAT traversal: reachability from dial-backs, DHT mode, relay service and reservations. */
  readonly traversal: Traversal
  private startedAt?: number
  private readonly features: Feature[] = []
  private readonly bootstrapper: Bootstrapper
  private readonly discovery: Discovery
  private readonly liveness: Liveness
  private readonly joinDials: JoinDials

  constructor (readonly config: NodeConfig, readonly libp2p: GossipdLibp2p, readonly log: Logger) {
    this.peerId = libp2p.peerId
    const dht = libp2p.services.dht
    this.dht = new DhtView(dht)
    this.liveness = new Liveness({
      getConnections: () => libp2p.getConnections(),
      // over the muxer when it can (the ping service is muxerFirstPing)
      ping: async (peer, opts) => libp2p.services.ping.ping(peer, opts),
      hangUp: async peer => libp2p.hangUp(peer),
      forget: async peer => this.dht.remove(peer),
      isConnected: peer => libp2p.getConnections(peer).length > 0,
      log
    }, { intervalMs: config.pingInterval })
    this.traversal = new Traversal(libp2p, config, log.child({ component: 'nat' }))
    this.peers = new PeerTable(libp2p, libp2p.peerStore, this.liveness, conn => this.traversal.originOf(conn))
    this.features.push(this.traversal)
    this.joinDials = new JoinDials(dialQueueOf(libp2p), { maxParallel: JOIN_MAX_PARALLEL_DIALS, forMs: JOIN_DIAL_PHASE_MS })
    this.swarm = new SwarmView({
      peerId: this.peerId,
      peerStore: libp2p.peerStore,
      getConnections: () => libp2p.getConnections(),
      latencyOf: peer => this.liveness.latencyOf(peer),
      getTopics: () => libp2p.services.pubsub.getTopics(),
      getMeshPeers: topic => meshPeersOf(libp2p.services.pubsub, topic),
      info: () => this.info(),
      dial: async (target, opts) => libp2p.dial(target, opts),
      expectDisconnect: peer => { this.liveness.expectDisconnect(peer) },
      handle: async (protocol, handler, opts) => this.handle(protocol, handler, opts),
      unhandle: async protocol => this.unhandle(protocol),
      log
    })
    this.features.push(this.swarm)
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
      dhtProtocol: config.dhtProtocol,
      rejoin: () => { this.bootstrapper.kick() },
      log
    }, { minConnections: config.minConnections })
    this.metrics = createMetrics({
      connections: () => new Set(libp2p.getConnections().map(c => c.remotePeer.toString())).size,
      routingTableSize: () => this.dht.size,
      uptimeSeconds: () => this.uptimeMs() / 1000,
      reachability: () => this.traversal.reachability.state
    })
    const messaging = createMessaging({
      config,
      libp2p,
      log,
      metrics: this.metrics,
      dht: this.dht,
      handle: async (protocol, handler, opts) => this.handle(protocol, handler, opts),
      unhandle: async protocol => this.unhandle(protocol)
    })
    this.topics = messaging.topics
    this.direct = messaging.direct
    this.history = messaging.history
    this.features.push(messaging)
    this.files = new FileSharing({
      peerId: this.peerId,
      dht,
      rememberAddresses: async info => { await libp2p.peerStore.merge(info.id, { multiaddrs: info.multiaddrs }) },
      handle: async (protocol, handler, opts) => this.handle(protocol, handler, opts),
      unhandle: async protocol => this.unhandle(protocol),
      dialProtocol: async (peer, protocol, opts) => this.dialProtocol(peer, protocol, opts),
      connectedPeers: () => [...new Map(libp2p.getConnections().map(c => [c.remotePeer.toString(), c.remotePeer])).values()],
      metrics: this.metrics,
      log: log.child({ component: 'files' })
    }, { dataDir: config.dataDir, chunkSize: config.fileChunkSize, maxFileSize: config.maxFileSize, uploadLimit: config.uploadLimit })
    this.features.push(this.files)
    libp2p.addEventListener('peer:disconnect', evt => { this.liveness.onDisconnect(evt.detail) })
    libp2p.addEventListener('peer:connect', evt => {
      log.debug({ peer: evt.detail.toString() }, 'peer connected')
      this.liveness.onConnect(evt.detail)
    })
  }

  get isStarted (): boolean {
    return this.startedAt != null
  }

  /** Add a feature whose lifecycle follows the node's. Added after start, it is started at once. */
  async addFeature<T extends Feature> (feature: T): Promise<T> {
    this.features.push(feature)
    if (this.isStarted) {
      await feature.start?.()
    }
    return feature
  }

  async start (): Promise<void> {
    if (this.isStarted) return
    this.joinDials.start()
    await this.libp2p.start()
    this.startedAt = Date.now()
    for (const f of this.features) {
      await f.start?.()
    }
    this.liveness.start()
    this.bootstrapper.start()
    this.discovery.start()
    this.log.info({ peerId: this.peerId.toString(), listen: this.libp2p.getMultiaddrs().map(String) }, 'node started')
  }

  /** Leave gracefully: stop features (they flush their state), close every connection, stop libp2p. */
  async stop (): Promise<void> {
    if (!this.isStarted) return
    this.joinDials.release()
    this.discovery.stop()
    this.bootstrapper.stop()
    this.liveness.stop()
    for (const f of [...this.features].reverse()) {
      await Promise.resolve(f.stop?.()).catch(err => this.log.warn({ err: (err as Error).message }, 'feature failed to stop cleanly'))
    }
    await this.libp2p.stop()
    this.startedAt = undefined
    this.log.info('node stopped')
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

  /** Open a stream to a peer (by id or multiaddr) on a protocol, dialing it if needed. */
  async dialProtocol (peer: PeerId | Multiaddr, protocol: string, options: { signal?: AbortSignal } = {}): Promise<Stream> {
    if (!this.isStarted) throw new NotStartedError()
    return this.libp2p.dialProtocol(peer, protocol, options)
  }
}

/**
 * Build a node from a validated config: load (or create) its identity, assemble libp2p and, unless
 * `start: false`, start it.
 */
export async function createNode (config: NodeConfig, options: CreateNodeOptions = {}): Promise<GossipdNode> {
  const privateKey = await loadOrCreateIdentity(config.dataDir)
  const libp2p = await buildLibp2p(config, privateKey, options)
  const log = (options.logger ?? silentLogger()).child({ self: libp2p.peerId.toString().slice(-8) })
  const node = new GossipdNode(config, libp2p, log)
  if (options.start !== false) {
    await node.start()
  }
  return node
}
