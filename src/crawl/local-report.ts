/**
 * This node's own report: what it answers on `/gossipd/peers/1.0.0`, and where every crawl it makes starts.
 */
import type { Connection, PeerId, PeerStore } from '@libp2p/interface'
import { PEERS_MAX_REPORTED_CONNECTIONS, PEERS_MAX_REPORTED_TOPICS } from './constants.js'
import { REPORT_LIMITS, type ConnectionReport, type PeerReport } from './report.js'


/** Addresses without their `/p2p/<id>` suffix (the report names the peer already), bounded as the schema wants. */
function bare (addrs: string[]): string[] {
  return addrs.map(a => a.replace(/\/p2p\/[^/]+$/, '')).filter(a => a.length <= REPORT_LIMITS.addrLength).slice(0, REPORT_LIMITS.addrs)
}

export interface LocalReportComponents {
  peerId: PeerId
  peerStore: Pick<PeerStore, 'get'>
  getConnections(): Connection[]
  /** Last ping round trip to a peer. */
  latencyOf(peer: PeerId): number | undefined
  /** Subscribed gossipsub topics and this node's mesh peers in each. */
  getTopics(): string[]
  getMeshPeers(topic: string): string[]
  info(): { nick?: string, agentVersion: string, uptimeMs: number, announced: string[] }
}

export async function localReport (c: LocalReportComponents): Promise<PeerReport> {
  const info = c.info()
  const byPeer = new Map<string, Connection>()
  for (const conn of c.getConnections()) {
    if (conn.status !== 'open') continue
    const key = conn.remotePeer.toString()
    const seen = byPeer.get(key)
    // the oldest connection describes the link, as in the peer table
    if (seen == null || conn.timeline.open < seen.timeline.open) byPeer.set(key, conn)
  }
  const connections = await Promise.all([...byPeer.values()].slice(0, PEERS_MAX_REPORTED_CONNECTIONS).map(async (conn): Promise<ConnectionReport> => {
    const known = await c.peerStore.get(conn.remotePeer).then(p => p.addresses.map(a => a.multiaddr.toString()), () => [])
    // an inbound connection's remote port is ephemeral; only an outbound one is known to be dialable
    const addrs = known.length > 0 ? known : conn.direction === 'outbound' ? [conn.remoteAddr.toString()] : []
    return {
      peerId: conn.remotePeer.toString(),
      addrs: bare(addrs),
      direction: conn.direction,
      latencyMs: c.latencyOf(conn.remotePeer) ?? null
    }
  }))
  return {
    peerId: c.peerId.toString(),
    ...(info.nick != null ? { nick: info.nick.slice(0, REPORT_LIMITS.nickLength) } : {}),
    agentVersion: info.agentVersion,
    uptimeMs: info.uptimeMs,
    addrs: bare(info.announced),
    // a topic name too long for the wire schema is left out rather than failing the whole report
    topics: c.getTopics().filter(t => t.length <= REPORT_LIMITS.topicLength).slice(0, PEERS_MAX_REPORTED_TOPICS).map(topic => ({
      topic,
      mesh: c.getMeshPeers(topic).slice(0, PEERS_MAX_REPORTED_CONNECTIONS)
    })),
    connections
  }
}
