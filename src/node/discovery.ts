/**
 * Fills the routing table through the DHT and keeps at least `minConnections` peers connected, so gossipsub
 * meshes can form. The bootstrap peer is only the way in: every other peer is learned from DHT queries.
 */
import { randomBytes } from 'node:crypto'
import type { Connection, PeerId } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import {
  DISCOVERY_BACKOFF_BASE_MS, DISCOVERY_BACKOFF_MAX_MS, DISCOVERY_BACKOFF_MAX_PEERS, DISCOVERY_DIAL_TIMEOUT_MS, DISCOVERY_FAST_INTERVAL_MS, DISCOVERY_FRUITLESS_WALK_MAX_MS, DISCOVERY_QUERY_TIMEOUT_MS, DISCOVERY_SLOW_INTERVAL_MS,
  DISCOVERY_WALK_INTERVAL_MS, DISCOVERY_TARGET_ROUTING_TABLE
} from './constants.js'
import { GossipdError, isError } from '../errors.js'
import { deadline, withDeadline } from './deadline.js'
import type { Logger } from '../logger.js'
import { DialBackoff } from './dial-backoff.js'
import { routingTablePeers, type RoutingTableAccess } from './dht.js'

export interface DiscoveryComponents {
  peerId: PeerId
  dht: KadDHT
  routingTable(): RoutingTableAccess
  getConnections(): Connection[]
  dial(peer: PeerId, options: { signal: AbortSignal }): Promise<Connection>
  /** Protocols a connected peer announced through identify. */
  protocolsOf(peer: PeerId): Promise<string[]>
  /** DHT servers the peer store holds addresses of, connected or not: the peers this node has known. */
  knownDhtPeers(): Promise<PeerId[]>
  /** The DHT protocol id, to tell DHT servers among connected peers. */
  dhtProtocol: string
  /** Called when the node has no connection at all, to go back to the bootstrap list. */
  rejoin(): void
  log: Logger
}

export interface DiscoveryInit {
  minConnections: number
  /** @default DISCOVERY_TARGET_ROUTING_TABLE */
  targetRoutingTable?: number
}

/** A step of the discovery loop that outlived its own deadline (a library call that did not honour its signal). */
export class DiscoveryStallError extends GossipdError {
  static override name = 'DiscoveryStallError'
  readonly code = 'discovery-stall'
}

/** Settle with `work`, or reject after `ms`: a hung await must not stop the loop for good. */
async function within<T> (work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const stalled = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new DiscoveryStallError(`${what} still running after ${ms} ms`)) }, ms)
  })
  try {
    return await Promise.race([work, stalled])
  } finally {
    clearTimeout(timer)
  }
}

/** Slack past a step's own timeout before the loop stops waiting for it. */
const STALL_GRACE_MS = 5_000

export class Discovery {
  private timer?: ReturnType<typeof setTimeout>
  private controller = new AbortController()
  private readonly target: number
  private running = false
  private walk?: Promise<void>
  private lastWalk = 0
  /** Walks in a row after which the routing table was no larger than before: the swarm has no more to give. */
  private fruitless = 0
  /** Peers whose dials failed, skipped for a while (node/dial-backoff.ts). */
  private readonly backoff = new DialBackoff({ baseMs: DISCOVERY_BACKOFF_BASE_MS, maxMs: DISCOVERY_BACKOFF_MAX_MS, maxPeers: DISCOVERY_BACKOFF_MAX_PEERS })

  constructor (private readonly components: DiscoveryComponents, private readonly init: DiscoveryInit) {
    this.target = init.targetRoutingTable ?? DISCOVERY_TARGET_ROUTING_TABLE
  }

  start (): void {
    this.controller = new AbortController()
    // kad-dht's own first lookup (of this node's id, DHT_INITIAL_QUERY_SELF_MS after start) fills most of the
    // table in a small swarm; walking at the same moment would only double the handshakes
    this.lastWalk = Date.now()
    this.schedule(DISCOVERY_FAST_INTERVAL_MS)
  }

  stop (): void {
    clearTimeout(this.timer)
    this.controller.abort()
  }

  /**
   * A peer went away: a node left with under half its minimum does not wait out the slow interval (30 s) to dial
   * again. Both ends of a connection trim to their budgets on their own, and the node the most peers connect to
   * (a bootstrap) can lose all of them within a few seconds. A node merely short of its minimum, as every
   * survivor of a churn is, waits for the next round: dialing at once there crowds the moment newcomers join.
   */
  peerLeft (): void {
    if (this.controller.signal.aborted || this.timer == null || this.running) return
    if (this.connectedPeers().size < Math.max(1, Math.floor(this.init.minConnections / 2))) this.schedule(0)
  }

  /** A peer connected, over a relay or not: its dial backoff ends, and a direct one may end all (node/dial-backoff.ts). */
  peerJoined (peer: PeerId, direct: boolean): void {
    this.backoff.connected(peer, direct)
  }

  private schedule (ms: number): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => { void this.tick() }, ms)
    this.timer.unref()
  }

  private connectedPeers (): Set<string> {
    return new Set(this.components.getConnections().map(c => c.remotePeer.toString()))
  }

  /** Whether the node still wants more peers: the fast interval applies until it does not. */
  private wanting (): boolean {
    return this.connectedPeers().size < this.init.minConnections || this.components.routingTable().size < this.target
  }

  /** One round: walk the DHT if the routing table is short, then dial peers until the minimum is met. */
  async tick (): Promise<void> {
    if (this.running || this.controller.signal.aborted) {
      return
    }
    this.running = true
    try {
      // with no connection at all, back to the bootstrap list; and the peers the node knows are dialed whatever
      // the list holds. A bootstrap node's list is empty: once every peer had hung up on it (their connection
      // budgets trimming what a mass join opened) it sat alone, 49 peers in its table, until someone dialed it
      const connected = this.connectedPeers().size
      if (connected === 0) this.components.rejoin()
      // a walk needs someone to ask
      if (connected > 0 && this.components.routingTable().size < this.target) {
        // cheap and local: every round
        await within(this.adoptConnectedPeers(), DISCOVERY_DIAL_TIMEOUT_MS + STALL_GRACE_MS, 'adding connected peers to the routing table')
        // a walk costs the whole swarm CPU: one at a time, at most every DISCOVERY_WALK_INTERVAL_MS, and off
        // the round, so adoption and dialing go on while it runs
        if (this.walk == null && Date.now() - this.lastWalk >= this.walkInterval()) {
          this.lastWalk = Date.now()
          const before = this.components.routingTable().size
          this.walk = within(this.randomWalk(), DISCOVERY_QUERY_TIMEOUT_MS + STALL_GRACE_MS, 'a random walk')
            .catch(err => {
              this.logFailure(err as Error, 'random walk failed')
              return 0
            })
            .then(met => {
              // a walk that was answered and left the table no larger: the swarm has nobody else (one that
              // failed or went unanswered, as on a loaded machine, says nothing of the kind)
              if (this.components.routingTable().size > before) this.fruitless = 0
              else if (met > 0) this.fruitless++
            })
            .finally(() => { this.walk = undefined })
        }
      }
      await within(this.fillConnections(), DISCOVERY_DIAL_TIMEOUT_MS + STALL_GRACE_MS, 'dialing peers')
    } catch (err) {
      if (!this.controller.signal.aborted) {
        this.logFailure(err as Error, 'discovery round failed')
      }
    } finally {
      this.running = false
      if (!this.controller.signal.aborted) {
        this.schedule(this.wanting() ? DISCOVERY_FAST_INTERVAL_MS : DISCOVERY_SLOW_INTERVAL_MS)
      }
    }
  }

  /**
   * Least time between two walks while the table is short: DISCOVERY_WALK_INTERVAL_MS, doubled for every walk in a
   * row that was answered and left the table no larger, up to DISCOVERY_FRUITLESS_WALK_MAX_MS. In a swarm of fewer
   * nodes than the target the table can never fill, and walking every 3 s for good cost a quiet 20-node swarm
   * 1.4-1.55 cores (each walk asks nearly every node); spaced out, 0.25-0.35.
   */
  private walkInterval (): number {
    return Math.min(DISCOVERY_FRUITLESS_WALK_MAX_MS, DISCOVERY_WALK_INTERVAL_MS * 2 ** this.fruitless)
  }

  /** A stall is worth a warning (the node would otherwise sit with too few peers, silently); the rest is routine. */
  private logFailure (err: Error, msg: string): void {
    if (isError(err, 'DiscoveryStallError')) this.components.log.warn({ err: err.message }, msg)
    else this.components.log.debug({ err: err.message }, msg)
  }

  /**
   * kad-dht adds a peer to its routing table when identify completes, after pinging it; on a loaded machine
   * that ping can time out and the peer is never offered again. Offer connected DHT servers once more, so a node
   * whose only contact is its bootstrap cannot be left with an empty table and no one to query.
   */
  private async adoptConnectedPeers (): Promise<void> {
    const rt = this.components.routingTable()
    const inTable = new Set([...routingTablePeers(rt)].map(p => p.toString()))
    const missing = new Map<string, PeerId>()
    for (const conn of this.components.getConnections()) {
      if (!inTable.has(conn.remotePeer.toString())) missing.set(conn.remotePeer.toString(), conn.remotePeer)
    }
    await Promise.allSettled([...missing.values()].map(async peer => {
      if ((await this.components.protocolsOf(peer)).includes(this.components.dhtProtocol)) {
        await withDeadline(DISCOVERY_DIAL_TIMEOUT_MS, async signal => rt.add(peer, { signal }), this.controller.signal)
      }
    }))
  }

  /**
   * Look up a random key: every peer that answers the query enters the routing table. The walk stops once the
   * table holds enough: a lookup in a swarm of dozens would otherwise ask (and connect to) nearly every node,
   * and when a whole swarm joins at once those extra handshakes are what keeps the CPU saturated. Returns how
   * many peers the answers named.
   */
  private async randomWalk (): Promise<number> {
    const enough = new AbortController()
    // cleared when the walk ends: most end well before the query's time is up
    const walk = deadline(DISCOVERY_QUERY_TIMEOUT_MS, this.controller.signal, enough.signal)
    let met = 0
    try {
      for await (const event of this.components.dht.getClosestPeers(randomBytes(32), { signal: walk.signal })) {
        if (event.name === 'PEER_RESPONSE') {
          met += event.closer.length
          if (this.components.routingTable().size >= this.target) {
            enough.abort()
            break
          }
        }
      }
    } catch (err) {
      if (!enough.signal.aborted) throw err
    } finally {
      walk.clear()
    }
    this.components.log.debug({ met, routingTable: this.components.routingTable().size }, 'random walk done')
    return met
  }

  /**
   * Dial peers until the minimum is met: routing-table peers first, then, when the table has too few unconnected
   * ones, peers the node has known. Liveness drops a peer that stopped answering from the routing table, so after a
   * partition the table holds only the node's own side; libp2p's keep-alive redials, which used to reconnect
   * the sides, are off (node/dht-keep-alive.ts), and the peer store still has the other side's addresses.
   */
  private async fillConnections (): Promise<void> {
    const connected = this.connectedPeers()
    const missing = this.init.minConnections - connected.size
    if (missing <= 0) {
      return
    }
    // peers whose last dials failed wait out their backoff (node/dial-backoff.ts)
    const unconnected = (peers: Iterable<PeerId>): PeerId[] => [...peers]
      .filter(p => !p.equals(this.components.peerId) && !connected.has(p.toString()) && this.backoff.allows(p))
      .sort(() => Math.random() - 0.5)
    let candidates = unconnected(routingTablePeers(this.components.routingTable())).slice(0, missing)
    if (candidates.length < missing) {
      const inTable = new Set(candidates.map(String))
      const known = unconnected(await this.components.knownDhtPeers()).filter(p => !inTable.has(p.toString()))
      candidates = [...candidates, ...known.slice(0, missing - candidates.length)]
    }
    await Promise.allSettled(candidates.map(async peer => {
      try {
        await withDeadline(DISCOVERY_DIAL_TIMEOUT_MS, async signal => this.components.dial(peer, { signal }), this.controller.signal)
      } catch {
        if (!this.controller.signal.aborted) this.backoff.failed(peer)
      }
    }))
  }

}
