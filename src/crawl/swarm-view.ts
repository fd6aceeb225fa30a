/**
 * The swarm as this node can see it: serves `/gossipd/peers/1.0.0` so others can crawl it, and crawls the swarm
 * itself (`crawl()`, behind `GET /swarm` and the dashboard's graph).
 */
import type { Connection, PeerId, Stream, StreamHandler } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { CRAWL_LINGER_MS, CRAWL_QUERY_TIMEOUT_MS, PEERS_MAX_STREAMS, PEERS_PROTOCOL } from './constants.js'
import type { Logger } from '../logger.js'
import { crawlSwarm, type CrawlOptions, type SwarmGraph } from './crawler.js'
import { localReport, type LocalReportComponents } from './local-report.js'
import { askPeers, servePeersRequest } from './protocol.js'
import type { PeerReport } from './report.js'

export interface SwarmViewComponents extends LocalReportComponents {
  dial(target: PeerId | Multiaddr[], options: { signal: AbortSignal }): Promise<Connection>
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
      const request = await servePeersRequest(stream, {
        signal: AbortSignal.timeout(CRAWL_QUERY_TIMEOUT_MS),
        report: async () => this.report()
      })
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
      query: async (peerId, addrs, opts) => this.ask(peerId, addrs, opts)
    }, options).finally(() => this.crawls.delete(key))
    this.crawls.set(key, crawl)
    return crawl
  }
}

/** The swarm view, wired as every feature is: narrow components from the composition root. */
export function createSwarmView (components: SwarmViewComponents): SwarmView {
  return new SwarmView(components)
}
