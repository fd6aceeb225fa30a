/**
 * The swarm as this node can see it: serves `/gossipd/peers/1.0.0` so others can crawl it, and crawls the swarm
 * itself (`crawl()`, behind `GET /swarm` and the dashboard's graph).
 */
import type { Connection, PeerId, Stream, StreamHandler } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { CRAWL_QUERY_TIMEOUT_MS, PEERS_MAX_STREAMS, PEERS_PROTOCOL } from '../constants.js'
import type { Logger } from '../logger.js'
import { crawlSwarm, type CrawlOptions, type SwarmGraph } from './crawler.js'
import { localReport, type LocalReportComponents } from './local-report.js'
import { askPeers, servePeersRequest } from './protocol.js'
import type { PeerReport } from './report.js'

export interface SwarmViewComponents extends LocalReportComponents {
  dial(target: PeerId | Multiaddr[], options: { signal: AbortSignal }): Promise<Connection>
  /** The node is about to close its connections to a peer on purpose (no liveness alarm). */
  expectDisconnect(peer: PeerId): void
  hangUp(peer: PeerId): Promise<void>
  handle(protocol: string, handler: StreamHandler, options: { maxInboundStreams: number, maxOutboundStreams: number }): Promise<void>
  unhandle(protocol: string): Promise<void>
  log: Logger
}

export class SwarmView {
  /** Crawls under way, by their options: dashboards polling at once share one crawl instead of each starting one. */
  private readonly crawls = new Map<string, Promise<SwarmGraph>>()

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
    await this.c.unhandle(PEERS_PROTOCOL)
  }

  /** This node's own answer on the peers protocol. */
  async report (): Promise<PeerReport> {
    return localReport(this.c)
  }

  /** Ask one peer for its report; a connection opened just for this is closed again. */
  async ask (peerId: string, addrs: string[], options: { signal: AbortSignal }): Promise<PeerReport> {
    const peer = peerIdFromString(peerId)
    const connected = this.c.getConnections().some(conn => conn.status === 'open' && conn.remotePeer.equals(peer))
    const dialable = addrs.flatMap(a => {
      try {
        return [multiaddr(`${a}/p2p/${peerId}`)]
      } catch {
        return []
      }
    })
    const conn = await this.c.dial(connected || dialable.length === 0 ? peer : dialable, options)
    const transient = !connected && this.c.getConnections().filter(other => other.remotePeer.equals(peer)).length <= 1
    try {
      const stream = await conn.newStream(PEERS_PROTOCOL, options)
      return await askPeers(stream, { transient }, options)
    } finally {
      if (transient) {
        this.c.expectDisconnect(peer)
        // closing waits for the other end; the crawl need not
        void this.c.hangUp(peer).catch(err => this.c.log.debug({ peer: peerId, err: (err as Error).message }, 'closing a crawl connection failed'))
      }
    }
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
