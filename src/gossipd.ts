/**
 * The composition root: builds a gossipd node from its parts. The libp2p host (node/) at the bottom, then the
 * features on it (messaging/, files/, crawl/), each made by `createX(components, init)` with the narrow components
 * it needs. The root opens the node's database, hands it to the features that store something, starts them in
 * order and stops them in reverse, then closes the database. The CLI, the HTTP API and the tests all drive this
 * object; nothing is reachable only through HTTP.
 *
 * @example
 * ```ts
 * import { createNode, loadConfig } from 'gossipd'
 *
 * const node = await createNode(loadConfig({ flags: { listen: ['/ip4/127.0.0.1/tcp/0'], dataDir: './data' } }))
 * await node.topics.subscribe('news')
 * await node.stop()
 * ```
 */
import type { PeerId, Stream, StreamHandler } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { NodeConfig } from './config.js'
import { createSwarmView, type SwarmView } from './crawl/index.js'
import { NotConnectedError, NotStartedError } from './errors.js'
import { FILES_DIR } from './files/constants.js'
import { createFileSharing, type FileSharing } from './files/index.js'
import {
  createMessaging, meshPeersOf, PublishedIds, type DirectMessages, type HistorySync, type Messaging, type Topics
} from './messaging/index.js'
import { IDENTITY_FILE } from './node/constants.js'
import type { DhtView } from './node/dht.js'
import { lastDialFailed } from './node/dial-history.js'
import { createHost, type CreateHostOptions, type GossipdHost, type HandleOptions, type NodeInfo } from './node/host.js'
import type { GossipdLibp2p } from './node/libp2p.js'
import type { NodeMetrics } from './node/metrics.js'
import type { PeerTable } from './node/peers.js'
import { DATABASE_FILES, openDatabase, type Database } from './storage/database.js'
import { secureDataDir } from './storage/permissions.js'
import type { Logger } from './logger.js'

export interface CreateNodeOptions extends Omit<CreateHostOptions, 'messageIds'> {
  /** Start the node before returning it. @default true */
  start?: boolean
}

/** Something with a lifecycle that the node starts after libp2p and stops before it. */
export interface Feature {
  start?(): void | Promise<void>
  stop?(): void | Promise<void>
}

export class GossipdNode {
  readonly peerId: PeerId
  readonly libp2p: GossipdLibp2p
  readonly config: NodeConfig
  readonly log: Logger
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
  private readonly features: Feature[] = []
  private closed = false

  constructor (readonly host: GossipdHost, private readonly db: Database, publishedIds: PublishedIds) {
    const { libp2p, config } = host
    this.peerId = host.peerId
    this.libp2p = libp2p
    this.config = config
    this.log = host.log
    this.peers = host.peers
    this.dht = host.dht
    this.metrics = host.metrics
    const handle = async (protocol: string, handler: StreamHandler, opts?: HandleOptions): Promise<void> => host.handle(protocol, handler, opts)
    const unhandle = async (protocol: string): Promise<void> => host.unhandle(protocol)
    const dialProtocol = async (peer: PeerId, protocol: string, opts: { signal: AbortSignal, runOnLimitedConnection?: boolean }): Promise<Stream> => host.dialProtocol(peer, protocol, opts)
    const openConnection = (peer: PeerId): ReturnType<GossipdLibp2p['getConnections']>[number] | undefined =>
      libp2p.getConnections(peer).find(c => c.status === 'open')

    this.swarm = this.add(createSwarmView({
      peerId: this.peerId,
      peerStore: libp2p.peerStore,
      getConnections: () => libp2p.getConnections(),
      latencyOf: peer => host.liveness.latencyOf(peer),
      getTopics: () => libp2p.services.pubsub.getTopics(),
      getMeshPeers: topic => meshPeersOf(libp2p.services.pubsub, topic),
      info: () => this.info(),
      dial: async (target, opts) => libp2p.dial(target, opts),
      findPeer: async (peer, opts) => host.dht.findPeer(peer, opts),
      expectDisconnect: peer => { host.liveness.expectDisconnect(peer) },
      handle,
      unhandle,
      log: this.log
    }))

    const messaging: Messaging = this.add(createMessaging({
      peerId: this.peerId,
      pubsub: libp2p.services.pubsub,
      db,
      publishedIds,
      log: this.log,
      metrics: this.metrics,
      handle,
      unhandle,
      dialProtocol,
      isConnected: peer => openConnection(peer) != null,
      peerAnswers: (peer, opts) => host.dht.peerAnswers(peer, opts),
      dial: async (addrs: Multiaddr[], opts) => libp2p.dial(addrs, opts),
      dialPeer: async (peer, opts) => libp2p.dial(peer, opts),
      lastDialFailed: async peer => lastDialFailed(libp2p.peerStore, peer),
      // only over a connection that is open: catching up never dials (a peer just hung up on stays hung up on)
      newStream: async (peer, protocol, opts) => {
        const conn = openConnection(peer)
        if (conn == null) throw new NotConnectedError(peer.toString())
        return conn.newStream(protocol, opts)
      },
      speaks: (peer, protocol) => host.protocolPeers.speaks(peer, protocol),
      onPeerConnect: listener => {
        const handler = (evt: CustomEvent<PeerId>): void => { listener(evt.detail) }
        libp2p.addEventListener('peer:connect', handler)
        return () => { libp2p.removeEventListener('peer:connect', handler) }
      }
    }, {
      maxMessageSize: config.maxMessageSize,
      historyLimit: config.historyLimit,
      outboxTtlMs: config.outboxTtl,
      stockLibraries: config.stockLibraries,
      maxTopics: config.maxTopics,
      dmRate: config.dmRate
    }))
    this.topics = messaging.topics
    this.direct = messaging.direct
    this.history = messaging.history

    this.files = this.add(createFileSharing({
      peerId: this.peerId,
      dht: libp2p.services.dht,
      rememberAddresses: async info => { await libp2p.peerStore.merge(info.id, { multiaddrs: info.multiaddrs }) },
      handle,
      unhandle,
      dialProtocol,
      connectedPeers: () => [...new Map(libp2p.getConnections().map(c => [c.remotePeer.toString(), c.remotePeer])).values()],
      db,
      metrics: this.metrics,
      log: this.log.child({ component: 'files' })
    }, {
      dataDir: config.dataDir,
      chunkSize: config.fileChunkSize,
      maxFileSize: config.maxFileSize,
      uploadLimit: config.uploadLimit,
      maxStorage: config.maxStorage,
      maxFiles: config.maxFiles,
      maxDownloads: config.maxDownloads
    }))
  }

  private add<T extends Feature> (feature: T): T {
    this.features.push(feature)
    return feature
  }

  get isStarted (): boolean {
    return this.host.isStarted
  }

  /** Add a feature whose lifecycle follows the node's. Added after start, it is started at once. */
  async addFeature<T extends Feature> (feature: T): Promise<T> {
    this.add(feature)
    if (this.isStarted) await feature.start?.()
    return feature
  }

  /** Start libp2p, then every feature in order, then look for peers. A stopped node cannot start again. */
  async start (): Promise<void> {
    if (this.isStarted) return
    if (this.closed) throw new NotStartedError('this node was stopped and its database closed; create a new node')
    await this.host.start()
    for (const f of this.features) await f.start?.()
    this.host.join()
    this.log.info({ peerId: this.peerId.toString(), listen: this.libp2p.getMultiaddrs().map(String) }, 'node started')
  }

  /** Leave gracefully: stop the features (they flush their state), stop libp2p, close the database. */
  async stop (): Promise<void> {
    if (!this.isStarted) return
    this.host.leave()
    for (const f of [...this.features].reverse()) {
      await Promise.resolve(f.stop?.()).catch(err => this.log.warn({ err: (err as Error).message }, 'feature failed to stop cleanly'))
    }
    await this.host.stop()
    this.db.close()
    this.closed = true
    this.log.info('node stopped')
  }

  uptimeMs (): number {
    return this.host.uptimeMs()
  }

  info (): NodeInfo {
    return this.host.info()
  }

  /** Serve a protocol (see `GossipdHost.handle`). */
  async handle (protocol: string, handler: StreamHandler, options: HandleOptions = {}): Promise<void> {
    await this.host.handle(protocol, handler, options)
  }

  async unhandle (protocol: string): Promise<void> {
    await this.host.unhandle(protocol)
  }

  /** Open a stream to a peer (by id or multiaddr) on a protocol, dialing it if needed. */
  async dialProtocol (peer: PeerId | Multiaddr, protocol: string, options: { signal?: AbortSignal } = {}): Promise<Stream> {
    return this.host.dialProtocol(peer, protocol, options)
  }
}

/**
 * Build a node from a validated config: load (or create) its identity, assemble libp2p with messaging's message
 * ids, open the database, wire the features and, unless `start: false`, start it.
 */
export async function createNode (config: NodeConfig, options: CreateNodeOptions = {}): Promise<GossipdNode> {
  const publishedIds = new PublishedIds()
  await secureDataDir(config.dataDir, [...DATABASE_FILES, IDENTITY_FILE, FILES_DIR])
  const host = await createHost(config, {
    stockLibraries: config.stockLibraries,
    ...options,
    messageIds: publishedIds.gossipsubOptions
  })
  const db = openDatabase(config.dataDir, {
    onPageSizeChange: change => {
      if (change.result === 'converted') host.log.info(change, 'database rewritten with smaller pages (once): fewer bytes written per stored message')
      else host.log.warn(change, `database keeps its ${change.fromBytes}-byte pages: ${change.result === 'too-large' ? 'too large to rewrite at start' : 'rewriting it failed'}`)
    }
  })
  const node = new GossipdNode(host, db, publishedIds)
  if (options.start !== false) await node.start()
  return node
}
