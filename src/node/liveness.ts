/**
 * Keeps the peer table honest: pings every connected peer on a timer (the latency shown in `GET /peers`),
 * closes connections to peers that miss `PING_MAX_FAILURES` pings in a row, and drops peers that went away
 * and cannot be dialed back from the DHT routing table.
 */
import { monitorEventLoopDelay, type ELDHistogram } from 'node:perf_hooks'
import type { Connection, PeerId } from '@libp2p/interface'
import { PING_MAX_FAILURES, PING_TIMEOUT_MS } from './constants.js'
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
   * The worst event-loop delay (ms) since the last call. @default measured with `perf_hooks.monitorEventLoopDelay`
   */
  eventLoopDelay?(): number
  log: Logger
}

export interface LivenessInit {
  intervalMs: number
  /** @default PING_TIMEOUT_MS */
  timeoutMs?: number
  /** @default PING_MAX_FAILURES */
  maxFailures?: number
}

export class Liveness {
  private readonly latency = new Map<string, number>()
  private readonly failures = new Map<string, number>()
  private readonly lastChecked = new Map<string, number>()
  private timer?: ReturnType<typeof setInterval>
  private controller = new AbortController()
  private readonly timeoutMs: number
  private readonly maxFailures: number
  private loopDelay?: ELDHistogram

  constructor (private readonly components: LivenessComponents, private readonly init: LivenessInit) {
    this.timeoutMs = init.timeoutMs ?? Math.min(PING_TIMEOUT_MS, init.intervalMs)
    this.maxFailures = init.maxFailures ?? PING_MAX_FAILURES
  }

  start (): void {
    this.controller = new AbortController()
    if (this.components.eventLoopDelay == null) {
      this.loopDelay = monitorEventLoopDelay({ resolution: 50 })
      this.loopDelay.enable()
    }
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
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.timeoutMs)])
    void (async () => {
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
      this.lastChecked.set(key, Date.now())
      try {
        // reachable: the ping's connection stays open, as it would after any dial
        await this.components.ping(peer, { signal })
      } catch {
        if (!this.controller.signal.aborted) {
          this.components.log.debug({ peer: key }, 'peer went away; removing it from the routing table')
          await this.components.forget(peer).catch(() => {})
        }
      }
    })()
  }

  /** A peer connected: measure its latency now rather than at the next round. */
  onConnect (peer: PeerId): void {
    if (!this.controller.signal.aborted) void this.check(peer)
  }

  /** The worst event-loop delay (ms) since the last call. */
  private eventLoopDelay (): number {
    if (this.components.eventLoopDelay != null) return this.components.eventLoopDelay()
    const h = this.loopDelay
    if (h == null) return 0
    const ms = h.max / 1e6
    h.reset()
    return ms
  }

  /**
   * Ping every connected peer once. When most of them miss at once while this node's own event loop ran late,
   * the fault is this node's (too busy to read the answers in time), not theirs: hanging up on every peer would
   * cut the node off and add a storm of reconnections to the overload, so such a round counts against no one.
   * When the loop was on time, the peers are gone (a partition cut off most of them) and are dropped as usual.
   */
  async round (): Promise<void> {
    this.eventLoopDelay()
    const peers = new Map<string, PeerId>()
    for (const conn of this.components.getConnections()) {
      peers.set(conn.remotePeer.toString(), conn.remotePeer)
    }
    const results = await Promise.all([...peers.values()].map(async peer => ({ peer, err: await this.ping(peer) })))
    const missed = results.filter(r => r.err != null)
    if (this.controller.signal.aborted) return
    if (missed.length >= SELF_OVERLOAD_MIN_MISSES && missed.length * 2 > results.length) {
      const delayMs = this.eventLoopDelay()
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
    try {
      const ms = await this.components.ping(peer, { signal: AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.timeoutMs)]) })
      this.latency.set(key, ms)
      this.failures.delete(key)
      return undefined
    } catch (err) {
      return err as Error
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
