/**
 * The swarm as this node can see it: serves `/gossipd/peers/1.0.0` so others can crawl it, and crawls the swarm
 * itself (`crawl()`, behind `POST /swarm` and the dashboard's graph).
 */
import type { Connection, PeerId, Stream, StreamHandler } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { CRAWL_FIND_PEER_TIMEOUT_MS, CRAWL_LINGER_MS, CRAWL_QUERY_TIMEOUT_MS, PEERS_MAX_STREAMS, PEERS_PROTOCOL } from './constants.js'
import type { Logger } from '../logger.js'
import { withDeadline } from '../node/deadline.js'
import { crawlSwarm, type CrawlOptions, type SwarmGraph } from './crawler.js'
import { localReport, type LocalReportComponents } from './local-report.js'
import { askPeers, servePeersRequest } from './protocol.js'
import type { PeerReport } from './report.js'

export interface SwarmViewComponents extends LocalReportComponents {
  dial(target: PeerId | Multiaddr[], options: { signal: AbortSignal }): Promise<Connection>
  /** A peer's addresses from the DHT (the peer store first); throws when nobody knows them. */
  findPeer(peer: PeerId, options: { signal: AbortSignal }): Promise<{ multiaddrs: string[], from: string }>
  /** The node is about to close its connections to a peer on purpose (no liveness alarm). */
  expectDisconnect(peer: PeerId): void
  handle(protocol: string, handler: StreamHandler, options: { maxInboundStreams: number, maxOutboundStreams: number }): Promise<void>
  unhandle(protocol: string): Promise<void>
  log: Logger
}

export class SwarmView {
  /** Crawls under way, by their options: dashboards polling at once share one crawl instead of each starting one. */
  private readonly crawls = new Map<string, Promise<SwarmGraph>>()
  /** Connections this node opened only to crawl, by peer id, until they are closed. */
  private readonly lingering = new Map<string, { conn: Connection, timer: ReturnType<typeof setTimeout> }>()

  constructor (private readonly c: SwarmViewComponents) {}

  async start (): Promise<void> {
    await this.c.handle(PEERS_PROTOCOL, async (stream: Stream, connection: Connection) => {
      // cleared once the report is sent: a crawl asks every node, and a dashboard may crawl every few seconds
      const request = await withDeadline(CRAWL_QUERY_TIMEOUT_MS, async signal => servePeersRequest(stream, { signal, report: async () => this.report() }))
      if (request.transient === true) {
        // the asker hangs up right after; its leaving says nothing about its health
        this.c.expectDisconnect(connection.remotePeer)
      }
    }, { maxInboundStreams: PEERS_MAX_STREAMS, maxOutboundStreams: PEERS_MAX_STREAMS })
  }

  async stop (): Promise<void> {
    for (const { timer } of this.lingering.values()) clearTimeout(timer)
    this.lingering.clear()
    await this.c.unhandle(PEERS_PROTOCOL)
  }

  /** This node's own answer on the peers protocol. */
  async report (): Promise<PeerReport> {
    return localReport(this.c)
  }

  /**
   * Ask one peer for its report. A connection opened just for this is closed again, CRAWL_LINGER_MS after its
   * last use: a dashboard refreshing its graph every few seconds reuses it instead of dialing (and hanging up on)
   * the same peers on every crawl.
   */
  async ask (peerId: string, addrs: string[], options: { signal: AbortSignal }): Promise<PeerReport> {
    const peer = peerIdFromString(peerId)
    const ours = this.lingering.get(peerId)
    const reusable = ours != null && ours.conn.status === 'open' ? ours.conn : undefined
    const connected = this.c.getConnections().some(conn => conn.status === 'open' && conn.remotePeer.equals(peer))
    const dialable = addrs.flatMap(a => {
      try {
        return [multiaddr(`${a}/p2p/${peerId}`)]
      } catch {
        return []
      }
    })
    const conn = reusable ?? await this.c.dial(connected || dialable.length === 0 ? peer : dialable, options)
    const transient = reusable != null || (!connected && this.c.getConnections().filter(other => other.remotePeer.equals(peer)).length <= 1)
    try {
      const stream = await conn.newStream(PEERS_PROTOCOL, options)
      return await askPeers(stream, { transient }, options)
    } finally {
      if (transient) this.linger(peerId, conn)
    }
  }

  /**
   * Whether this node is connected to a peer, and the addresses its peer store or the DHT hold for it, unless
   * the DHT answer came from one of `reporters` (the peers that named it to the crawl: not a second source).
   */
  private async known (peerId: string, reporters: string[]): Promise<{ connected: boolean, addrs: string[] }> {
    try {
      const peer = peerIdFromString(peerId)
      if (this.c.getConnections().some(conn => conn.status === 'open' && conn.remotePeer.equals(peer))) return { connected: true, addrs: [] }
      // the peer store answers at once when identify or the DHT told this node of the peer before
      const found = await withDeadline(CRAWL_FIND_PEER_TIMEOUT_MS, async signal => this.c.findPeer(peer, { signal }))
      if (reporters.includes(found.from)) return { connected: false, addrs: [] }
      return { connected: false, addrs: found.multiaddrs.map(a => a.replace(/\/p2p\/[^/]+$/, '')) }
    } catch {
      // not a peer id, or nobody in the DHT knows it
      return { connected: false, addrs: [] }
    }
  }

  private linger (peerId: string, conn: Connection): void {
    clearTimeout(this.lingering.get(peerId)?.timer)
    const timer = setTimeout(() => {
      this.lingering.delete(peerId)
      if (conn.status !== 'open') return
      this.c.expectDisconnect(conn.remotePeer)
      // closing waits for the other end; nobody waits for it
      void conn.close().catch(err => this.c.log.debug({ peer: peerId, err: (err as Error).message }, 'closing a crawl connection failed'))
    }, CRAWL_LINGER_MS)
    timer.unref()
    this.lingering.set(peerId, { conn, timer })
  }

  /** Crawl the swarm from this node within the given limits. */
  async crawl (options: Omit<CrawlOptions, 'signal'> = {}): Promise<SwarmGraph> {
    const key = JSON.stringify([options.depth, options.maxPeers, options.timeoutMs, options.queryTimeoutMs, options.concurrency])
    const running = this.crawls.get(key)
    if (running != null) return running
    const crawl = crawlSwarm({
      self: async () => this.report(),
      query: async (peerId, addrs, opts) => this.ask(peerId, addrs, opts),
      known: async (peerId, reporters) => this.known(peerId, reporters)
    }, options).finally(() => this.crawls.delete(key))
    this.crawls.set(key, crawl)
    return crawl
  }
}

/** The swarm view, wired as every feature is: narrow components from the composition root. */
export function createSwarmView (components: SwarmViewComponents): SwarmView {
  return new SwarmView(components)
}
