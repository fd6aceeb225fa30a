/**
 * Keeps the peer table honest: checks every connected peer on a timer, closes connections to peers that miss
 * `PING_MAX_FAILURES` pings in a row, and drops peers that went away and cannot be dialed back from the DHT
 * routing table (the connection that finds a peer still there is closed again: see `onDisconnect`).
 *
 * A check pings a peer only when the connection's own traffic cannot vouch for it: when this node wrote to it
 * and read nothing from it since the last round (data may be stuck in a cut-off path, which TCP retransmits for
 * many minutes), when its traffic cannot be read (a relayed connection), or when its latency (shown in
 * `GET /peers`) is `LIVENESS_REFRESH_MS` old. An idle connection is the kernel's to watch (TCP keep-alive), and
 * one that carries data both ways shows the peer alive. Pinging every peer every round had been a third of an
 * idle node's CPU: each ping is a Noise frame and a system call each way, on both ends.
 */
import { monitorEventLoopDelay, type ELDHistogram } from 'node:perf_hooks'
import type { Connection, PeerId } from '@libp2p/interface'
import { LIVENESS_LOOP_RESOLUTION_MS, LIVENESS_REFRESH_MS, PASSING_PROTOCOLS, PING_MAX_FAILURES, PING_TIMEOUT_MS } from './constants.js'
import { closeConnection } from './close-connection.js'
import { deadline, withDeadline } from './deadline.js'
import { socketTraffic, type Traffic } from './socket-traffic.js'
import type { Logger } from '../logger.js'

/** Misses in one round from which, when they are most of the peers, the node may blame itself (see `round`). */
const SELF_OVERLOAD_MIN_MISSES = 3

/**
 * Event-loop delay (ms, the worst during a round) from which the node counts as overloaded: its timers and its
 * reads of the answers ran that late. A healthy node's loop is late by milliseconds; a saturated one by seconds.
 */
export const OVERLOAD_EVENT_LOOP_DELAY_MS = 1_000

export interface LivenessComponents {
  getConnections(): Connection[]
  ping(peer: PeerId, options: { signal: AbortSignal }): Promise<number>
  hangUp(peer: PeerId): Promise<void>
  /** Remove a peer that cannot be reached from the routing table. */
  forget(peer: PeerId): Promise<void>
  isConnected(peer: PeerId): boolean
  /**
   * Whether the node is short of peers: then a connection opened to test a peer's reachability is kept, otherwise
   * it is closed again. @default never short
   */
  wantsPeers?(): boolean
  /**
   * The worst event-loop delay (ms) since the last call. @default measured with `perf_hooks.monitorEventLoopDelay`
   */
  eventLoopDelay?(): number
  /** Bytes read and written on a connection; undefined when unknown. @default read from its socket */
  trafficOf?(conn: Connection): Traffic | undefined
  log: Logger
}

export interface LivenessInit {
  intervalMs: number
  /** @default PING_TIMEOUT_MS */
  timeoutMs?: number
  /** @default PING_MAX_FAILURES */
  maxFailures?: number
  /** @default LIVENESS_REFRESH_MS */
  refreshMs?: number
  /**
   * Protocols whose streams do not make a connection in use (gossipsub's, identify, ping): a connection opened to
   * test a peer's reachability is closed again only while it carries none but these. @default PASSING_PROTOCOLS
   */
  idleProtocols?: string[]
}

/** A peer's traffic at the start of the last round that looked at it, and when it was last pinged. */
interface Seen {
  traffic?: Traffic
  pingedAt: number
}

export class Liveness {
  private readonly latency = new Map<string, number>()
  private readonly failures = new Map<string, number>()
  private readonly lastChecked = new Map<string, number>()
  private readonly seen = new Map<string, Seen>()
  private timer?: ReturnType<typeof setInterval>
  private controller = new AbortController()
  private readonly timeoutMs: number
  private readonly maxFailures: number
  private readonly refreshMs: number
  private readonly idleProtocols: Set<string>
  private loopDelay?: ELDHistogram

  constructor (private readonly components: LivenessComponents, private readonly init: LivenessInit) {
    this.timeoutMs = init.timeoutMs ?? Math.min(PING_TIMEOUT_MS, init.intervalMs)
    this.maxFailures = init.maxFailures ?? PING_MAX_FAILURES
    this.refreshMs = init.refreshMs ?? LIVENESS_REFRESH_MS
    this.idleProtocols = new Set(init.idleProtocols ?? PASSING_PROTOCOLS)
  }

  start (): void {
    this.controller = new AbortController()
    // enabled only while a round waits for its answers: the histogram's timer wakes the process at every tick
    if (this.components.eventLoopDelay == null) this.loopDelay = monitorEventLoopDelay({ resolution: LIVENESS_LOOP_RESOLUTION_MS })
    this.timer = setInterval(() => { void this.round() }, this.init.intervalMs)
    this.timer.unref()
  }

  stop (): void {
    clearInterval(this.timer)
    this.loopDelay?.disable()
    this.controller.abort()
  }

  /** Last measured round-trip time to a peer, in ms. */
  latencyOf (peer: PeerId): number | undefined {
    return this.latency.get(peer.toString())
  }

  /** The node itself is closing this peer's connections: do not test whether it is still reachable. */
  expectDisconnect (peer: PeerId): void {
    this.lastChecked.set(peer.toString(), Date.now())
  }

  /** A connection closed: forget its figures, and if the peer cannot be dialed back, drop it from the DHT. */
  onDisconnect (peer: PeerId): void {
    const key = peer.toString()
    this.latency.delete(key)
    this.failures.delete(key)
    this.seen.delete(key)
    // counted from the disconnect, the wait included; cleared when the probe ends, which for most closed
    // connections is right after the wait (the peer is back, or was probed within the minute)
    void withDeadline(this.timeoutMs, async signal => {
      // give a deliberate reconnect a moment before testing reachability ourselves
      await new Promise(resolve => setTimeout(resolve, 1000).unref())
      if (signal.aborted || this.components.isConnected(peer)) {
        return
      }
      // once a minute per peer at most, so a peer pruned by the connection manager is not redialed in a loop
      const last = this.lastChecked.get(key) ?? 0
      if (Date.now() - last < 60_000) {
        return
      }
      const probedAt = Date.now()
      this.lastChecked.set(key, probedAt)
      try {
        await this.components.ping(peer, { signal })
        // reachable. A peer that closes a connection is most often trimming to its own connection budget: the
        // connection this probe opened is closed again unless the node is short of peers, or every connection
        // the budget trimmed came back at its other end a second later and lived out the budget's grace
        if (this.components.wantsPeers?.() !== true) await this.closeProbe(peer, probedAt)
      } catch {
        if (!this.controller.signal.aborted) {
          this.components.log.debug({ peer: key }, 'peer went away; removing it from the routing table')
          await this.components.forget(peer).catch(() => {})
        }
      }
    }, this.controller.signal)
  }

  /**
   * Close the connections this node dialed to a peer since `since` (a reachability probe's), unless something else
   * uses them: libp2p dials a peer once for everyone who asks at the same moment, so a direct message sent while
   * the probe dialed shares its connection, and has a stream open on it (named or still negotiating) by the time
   * the probe's ping comes back.
   */
  private async closeProbe (peer: PeerId, since: number): Promise<void> {
    const probes = this.components.getConnections()
      .filter(c => c.remotePeer.equals(peer) && c.direction === 'outbound' && c.timeline.open >= since && !this.inUse(c))
    await Promise.all(probes.map(closeConnection))
  }

  private inUse (conn: Connection): boolean {
    return conn.streams.some(s => s.protocol == null || !this.idleProtocols.has(s.protocol))
  }

  /** A peer connected: measure its latency now rather than at the next round. */
  onConnect (peer: PeerId): void {
    if (!this.controller.signal.aborted) void this.check(peer)
  }

  /** The worst event-loop delay (ms) since the last call (or since the round began). */
  private eventLoopDelay (): number {
    if (this.components.eventLoopDelay != null) return this.components.eventLoopDelay()
    const h = this.loopDelay
    if (h == null) return 0
    const ms = h.max / 1e6
    h.reset()
    return ms
  }

  /**
   * Whether a peer needs a ping this round (see the file's comment), from its connections' traffic now and at the
   * last round; records the traffic for the next.
   */
  private needsPing (key: string, conns: Connection[], now: number): boolean {
    let traffic: Traffic | undefined = { read: 0, written: 0 }
    for (const conn of conns) {
      const t = (this.components.trafficOf ?? socketTraffic)(conn)
      if (t == null) {
        traffic = undefined
        break
      }
      traffic.read += t.read
      traffic.written += t.written
    }
    const last = this.seen.get(key)
    this.seen.set(key, { traffic, pingedAt: last?.pingedAt ?? now })
    if (last?.traffic == null || traffic == null) return true
    if (now - last.pingedAt >= this.refreshMs) return true
    return traffic.written !== last.traffic.written && traffic.read === last.traffic.read
  }

  /**
   * Check every connected peer once, pinging those that need it. When most of them miss at once while this node's own event loop ran late,
   * the fault is this node's (too busy to read the answers in time), not theirs: hanging up on every peer would
   * cut the node off and add a storm of reconnections to the overload, so such a round counts against no one.
   * When the loop was on time, the peers are gone (a partition cut off most of them) and are dropped as usual.
   */
  async round (): Promise<void> {
    const byPeer = new Map<string, { peer: PeerId, conns: Connection[] }>()
    for (const conn of this.components.getConnections()) {
      const key = conn.remotePeer.toString()
      const entry = byPeer.get(key) ?? { peer: conn.remotePeer, conns: [] }
      entry.conns.push(conn)
      byPeer.set(key, entry)
    }
    for (const key of this.seen.keys()) if (!byPeer.has(key)) this.seen.delete(key)
    const now = Date.now()
    const due = [...byPeer].filter(([key, e]) => this.needsPing(key, e.conns, now)).map(([, e]) => e.peer)
    if (due.length === 0) return
    // the loop-delay histogram runs only while pings wait for their answers
    this.eventLoopDelay()
    this.loopDelay?.enable()
    let delayMs: number
    let results: Array<{ peer: PeerId, err: Error | undefined }>
    try {
      results = await Promise.all(due.map(async peer => ({ peer, err: await this.ping(peer) })))
    } finally {
      delayMs = this.eventLoopDelay()
      this.loopDelay?.disable()
    }
    const missed = results.filter(r => r.err != null)
    if (this.controller.signal.aborted) return
    if (missed.length >= SELF_OVERLOAD_MIN_MISSES && missed.length * 2 > results.length) {
      if (delayMs >= OVERLOAD_EVENT_LOOP_DELAY_MS) {
        this.components.log.warn({ missed: missed.length, of: results.length, eventLoopDelayMs: Math.round(delayMs) }, 'most pings missed at once while this node ran late: it is overloaded; no peer is blamed')
        return
      }
    }
    for (const { peer, err } of missed) await this.failed(peer, err as Error)
  }

  private async check (peer: PeerId): Promise<void> {
    const err = await this.ping(peer)
    if (err != null && !this.controller.signal.aborted) await this.failed(peer, err)
  }

  /** Ping once, recording the latency; answers the error of a failed ping. */
  private async ping (peer: PeerId): Promise<Error | undefined> {
    const key = peer.toString()
    const seen = this.seen.get(key)
    if (seen != null) seen.pingedAt = Date.now()
    // a deadline cleared once the answer is in, not AbortSignal.timeout: that one fires after every ping, answered
    // or not, and builds a DOMException with its stack trace each time (4-5 % of an idle node's CPU profile)
    const pingDeadline = deadline(this.timeoutMs, this.controller.signal)
    try {
      const ms = await this.components.ping(peer, { signal: pingDeadline.signal })
      this.latency.set(key, ms)
      this.failures.delete(key)
      return undefined
    } catch (err) {
      return err as Error
    } finally {
      pingDeadline.clear()
    }
  }

  /** Count a missed ping; at `maxFailures` in a row the peer's connections are closed. */
  private async failed (peer: PeerId, err: Error): Promise<void> {
    const key = peer.toString()
    const failures = (this.failures.get(key) ?? 0) + 1
    this.failures.set(key, failures)
    if (failures >= this.maxFailures) {
      this.components.log.info({ peer: key, failures, err: err.message }, 'peer stopped answering pings; closing its connections')
      this.failures.delete(key)
      await this.components.hangUp(peer).catch(() => {})
      await this.components.forget(peer).catch(() => {})
    }
  }
}
