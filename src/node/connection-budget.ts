/**
 * Keeps a node's connections near a budget, the way go-libp2p's connection manager keeps them between a low
 * and a high water mark. Every connection costs its two ends CPU for as long as it is open (liveness pings,
 * identify, gossipsub control and flood-published copies, DHT traffic), and nothing in libp2p closes one that a
 * DHT lookup opened: in a 40-node swarm every node ended up connected to 27-39 others, nearly a full mesh.
 *
 * When the node holds more than `budget + slack` peers, the least valuable are closed until `budget` remain.
 * Value is the sum of the peer's peer-store tags, as libp2p's own pruner reads it: gossipsub tags its mesh peers
 * (100 per topic) and kad-dht its closest peers (50), so those go last, and a mesh peer is never closed, nor a
 * peer a service keeps alive (a relay holding this node's reservation). Peers
 * connected for less than `graceMs`, and peers with a stream of a feature open (a download, a direct message, a
 * history catch-up, a DHT request in flight) are left alone. libp2p's own pruner cannot do this here: it keeps
 * every connection that carries a gossipsub stream, which in this swarm is every connection, and it refuses
 * inbound connections at its maximum, which would shut a joining node out of a full swarm.
 */
import type { Connection, PeerId } from '@libp2p/interface'
import {
  CONNECTION_BUDGET_GRACE_MS, CONNECTION_BUDGET_INTERVAL_MS, CONNECTION_BUDGET_SLACK, GOSSIPSUB_MESH_TAG_VALUE
} from './constants.js'
import { closeConnection } from './close-connection.js'
import type { NodeConfig } from '../config.js'
import type { Logger } from '../logger.js'

/**
 * The peers a node's budget keeps, from its settings; undefined when the budget is off (`connectionBudget` 0).
 * Never under `minConnections`: discovery dials up to it, and a smaller budget would close what it opens.
 */
export function connectionBudgetOf (config: Pick<NodeConfig, 'connectionBudget' | 'minConnections'>): number | undefined {
  return config.connectionBudget > 0 ? Math.max(config.connectionBudget, config.minConnections) : undefined
}

export interface ConnectionBudgetComponents {
  getConnections(): Connection[]
  /** Sum of a peer's peer-store tag values (0 for a peer the store does not know). */
  tagValue(peer: PeerId): Promise<number>
  /** Whether a service asked for the peer to stay connected (a KEEP_ALIVE tag, e.g. a relay reservation's). */
  keptAlive(peer: PeerId): Promise<boolean>
  /** Called before the node closes a peer's connections itself, so liveness does not test it as gone. */
  expectDisconnect(peer: PeerId): void
  log: Logger
}

export interface ConnectionBudgetInit {
  /** Peers to keep connected. */
  budget: number
  /** Peers over the budget tolerated before trimming starts. @default CONNECTION_BUDGET_SLACK */
  slack?: number
  /** A connection younger than this is never closed. @default CONNECTION_BUDGET_GRACE_MS */
  graceMs?: number
  /** How often the connection count is checked. @default CONNECTION_BUDGET_INTERVAL_MS */
  intervalMs?: number
  /**
   * Protocols whose open streams do not make a connection busy: the ones that stay open on every connection
   * (gossipsub) or come and go with it (identify, ping).
   */
  idleProtocols: string[]
}

interface Candidate { peer: PeerId, connections: Connection[], value: number, openedAt: number }

export class ConnectionBudget {
  private timer?: ReturnType<typeof setInterval>
  private trimming = false
  private readonly slack: number
  private readonly graceMs: number
  private readonly idle: Set<string>

  constructor (private readonly components: ConnectionBudgetComponents, private readonly init: ConnectionBudgetInit) {
    this.slack = init.slack ?? CONNECTION_BUDGET_SLACK
    this.graceMs = init.graceMs ?? CONNECTION_BUDGET_GRACE_MS
    this.idle = new Set(init.idleProtocols)
  }

  start (): void {
    if (this.timer != null) return
    this.timer = setInterval(() => { void this.trim() }, this.init.intervalMs ?? CONNECTION_BUDGET_INTERVAL_MS)
    this.timer.unref()
  }

  stop (): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** Close the least valuable idle connections if the node holds more than budget + slack peers; answers how many peers it closed. */
  async trim (now = Date.now()): Promise<number> {
    if (this.trimming) return 0
    this.trimming = true
    try {
      const byPeer = new Map<string, Connection[]>()
      for (const conn of this.components.getConnections()) {
        if (conn.status !== 'open') continue
        const key = conn.remotePeer.toString()
        byPeer.set(key, [...(byPeer.get(key) ?? []), conn])
      }
      if (byPeer.size <= this.init.budget + this.slack) return 0
      const candidates: Candidate[] = []
      for (const connections of byPeer.values()) {
        const openedAt = Math.max(...connections.map(c => c.timeline.open))
        if (now - openedAt < this.graceMs || connections.some(c => this.busy(c))) continue
        const peer = connections[0].remotePeer
        const value = await this.components.tagValue(peer).catch(() => 0)
        if (value >= GOSSIPSUB_MESH_TAG_VALUE || await this.components.keptAlive(peer).catch(() => false)) continue
        candidates.push({ peer, connections, value, openedAt })
      }
      // least valuable first; of equal value, the newest (the oldest have proven stable)
      candidates.sort((a, b) => a.value - b.value || b.openedAt - a.openedAt)
      const closing = candidates.slice(0, byPeer.size - this.init.budget)
      await Promise.all(closing.map(async c => { await this.close(c) }))
      if (closing.length > 0) this.components.log.debug({ peers: byPeer.size, closed: closing.map(c => c.peer.toString()), budget: this.init.budget }, 'connections over budget closed')
      return closing.length
    } finally {
      this.trimming = false
    }
  }

  /** A stream of a feature is open on it: closing it would cut that work short. */
  private busy (conn: Connection): boolean {
    return conn.streams.some(s => s.protocol != null && !this.idle.has(s.protocol))
  }

  private async close ({ peer, connections }: Candidate): Promise<void> {
    this.components.expectDisconnect(peer)
    await Promise.all(connections.map(closeConnection))
  }
}
