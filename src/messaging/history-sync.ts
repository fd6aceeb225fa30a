/**
 * Topic history catch-up. Gossip delivers a message in well under a second to every node in a whole mesh; what
 * it cannot deliver is a message published while a node's mesh was not whole: the seconds after a node joins,
 * before its mesh forms (or while it sits in a corner of the swarm with other newcomers), a node that was down,
 * a mesh emptied by churn or a partition. So each node asks a random peer subscribed to the topic for the
 * messages it stored lately (`/gossipd/history/1.0.0`), checks their signatures, and stores those it lacks:
 *
 * - on subscribing (or starting), for the topic's last `HISTORY_BACKFILL_MS`, or, when it holds messages of the
 *   topic already (a restart), for everything since the newest of them, up to `HISTORY_MAX_WINDOW_MS`;
 * - every `HISTORY_SYNC_FAST_INTERVAL_MS` while joining (`HISTORY_SETTLE_MS` after subscribing) and whenever
 *   the mesh is smaller than gossipsub's lower bound, each time for at least `HISTORY_FAST_WINDOW_MS`, so every
 *   message is asked of several peers. A joining node keeps up to `HISTORY_JOINING_PARALLEL` catch-ups open,
 *   each with another peer: one peer slow to answer (a newcomer itself, busy starting) does not hold the next
 *   catch-up back for the whole `HISTORY_TIMEOUT_MS`;
 * - every `HISTORY_SYNC_INTERVAL_MS` otherwise, for the time since the last catch-up.
 *
 * Caught-up messages are stored and streamed like gossip (the topic's validator decides) but not forwarded:
 * every node catches up for itself, so an old message never floods the swarm a second time.
 */
import type { GossipSub } from '@libp2p/gossipsub'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { GOSSIPSUB_DLO } from '../node/constants.js'
import {
  HISTORY_BACKFILL_MS, HISTORY_BATCH_MESSAGES, HISTORY_FAST_WINDOW_MS, HISTORY_JOINING_PARALLEL, HISTORY_MAX_ANSWER_BYTES,
  HISTORY_MAX_MESSAGES, HISTORY_MAX_STREAMS, HISTORY_MAX_WINDOW_MS, HISTORY_MESSAGE_WIRE_BYTES, HISTORY_OVERLAP_MS, HISTORY_PROTOCOL,
  HISTORY_RATE_BURST, HISTORY_RATE_PEERS, HISTORY_RATE_PER_SECOND, HISTORY_SETTLE_MS, HISTORY_SYNC_FAST_INTERVAL_MS,
  HISTORY_SYNC_INTERVAL_MS, HISTORY_TIMEOUT_MS
} from './constants.js'
import type { Logger } from '../logger.js'
import { deadline, withDeadline } from '../node/deadline.js'
import type { NodeMetrics } from '../node/metrics.js'
import { PeerRateLimit } from '../node/peer-rate-limit.js'
import type { MessageLog } from './history.js'
import { askHistory, serveHistory } from './history-protocol.js'
import { meshPeersOf } from './pubsub.js'
import { readWire, type VerifiedMessage } from './signed-message.js'

/** How often the catch-up schedule is looked at; the intervals above are multiples of it. */
const TICK_MS = 1_000

export interface HistorySyncComponents {
  pubsub: GossipSub
  history: MessageLog
  /** Store a verified message (the topic validator decides); true when it was new. */
  ingest(msg: VerifiedMessage): Promise<boolean>
  log: Logger
  metrics: NodeMetrics
  handle(protocol: string, handler: (stream: Stream, connection: Connection) => Promise<void>, opts: { maxInboundStreams: number, maxOutboundStreams: number }): Promise<void>
  unhandle(protocol: string): Promise<void>
  /** A stream on an open connection to the peer (never a dial). */
  newStream(peer: PeerId, protocol: string, opts: { signal: AbortSignal }): Promise<Stream>
  /**
   * Whether a connected peer serves `protocol` (identify's list). A topic's subscribers may be go or rust nodes
   * that speak gossipsub but not gossipd's history protocol; only peers that do are asked.
   */
  speaks(peer: PeerId, protocol: string): boolean
}

export interface HistorySyncInit {
  maxMessageSize: number
}

interface TopicState {
  /** When this node subscribed (or started). */
  joinedAt: number
  /** What the first catch-up asks from: the newest message held then, or the backfill window. */
  from: number
  /** When the last catch-up that was answered began. */
  lastOkAt?: number
  /** No new attempt before this (after a failure). */
  retryAt: number
  /** The peers being asked now. */
  asking: Set<string>
}

export interface CatchUpResult {
  topic: string
  peer: string
  withinMs: number
  /** Messages the peer answered with. */
  answered: number
  /** Of those, messages this node did not hold and stored. */
  stored: number
}

export class HistorySync {
  private readonly topics = new Map<string, TopicState>()
  private readonly rate = new PeerRateLimit({ rate: HISTORY_RATE_PER_SECOND, burst: HISTORY_RATE_BURST, maxPeers: HISTORY_RATE_PEERS })
  private timer?: ReturnType<typeof setInterval>
  /** Aborted on stop: the catch-ups the schedule started end with it. */
  private running = new AbortController()

  constructor (private readonly c: HistorySyncComponents, private readonly init: HistorySyncInit) {}

  async start (): Promise<void> {
    await this.c.handle(HISTORY_PROTOCOL, async (stream, connection) => {
      // cleared when the answer ends, sent or not, as a catch-up's is
      await withDeadline(HISTORY_TIMEOUT_MS, async signal => serveHistory(stream, {
        signal,
        allow: () => this.rate.allow(connection.remotePeer.toString()),
        plan: request => {
          // only topics this node takes part in: it serves what any subscriber would receive anyway
          if (!this.c.pubsub.getTopics().includes(request.topic)) return { seqs: [], truncated: false }
          return this.c.history.signedPlan(request.topic, Date.now() - request.withinMs, request.limit, request.have ?? [], HISTORY_MAX_ANSWER_BYTES, HISTORY_MESSAGE_WIRE_BYTES)
        },
        load: (request, seq) => this.c.history.signedAt(request.topic, seq)
      }))
    }, { maxInboundStreams: HISTORY_MAX_STREAMS, maxOutboundStreams: HISTORY_MAX_STREAMS })
    this.running = new AbortController()
    this.timer = setInterval(() => { this.tick() }, TICK_MS)
    this.timer.unref?.()
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    this.running.abort(new Error('history sync stopped'))
    this.topics.clear()
    await this.c.unhandle(HISTORY_PROTOCOL).catch(() => {})
  }

  /** Start every catch-up that is due. */
  tick (now = Date.now()): void {
    const subscribed = new Set(this.c.pubsub.getTopics())
    for (const topic of this.topics.keys()) if (!subscribed.has(topic)) this.topics.delete(topic)
    for (const topic of subscribed) {
      const s = this.topics.get(topic) ?? this.track(topic, now)
      if (now < s.retryAt) continue
      const subscribers = this.c.pubsub.getSubscribers(topic)
      // peers that serve history and are not being asked already
      const peers = subscribers.filter(p => !s.asking.has(p.toString()) && this.c.speaks(p, HISTORY_PROTOCOL))
      if (peers.length === 0) continue
      const joining = this.isJoining(topic, s, now, subscribers.length)
      if (s.asking.size >= (joining ? HISTORY_JOINING_PARALLEL : 1)) continue
      if (s.lastOkAt != null && now - s.lastOkAt < (joining ? HISTORY_SYNC_FAST_INTERVAL_MS : HISTORY_SYNC_INTERVAL_MS) - TICK_MS / 2) continue
      const peer = peers[Math.floor(Math.random() * peers.length)]
      void this.catchUp(topic, peer, this.windowFor(s, now, joining), { signal: this.running.signal }).catch(() => {})
    }
  }

  /**
   * Ask one peer for a topic's messages of the last `withinMs` and store those this node lacks. Throws when the
   * peer cannot be asked, breaks the protocol or sends a message whose signature does not check out (what it
   * sent before the fault, each message checked, stays stored). It gives up after HISTORY_TIMEOUT_MS, or when
   * `signal` aborts.
   */
  async catchUp (topic: string, peer: PeerId, withinMs: number, options: { signal?: AbortSignal } = {}): Promise<CatchUpResult> {
    options.signal?.throwIfAborted()
    const s = this.topics.get(topic) ?? this.track(topic, Date.now())
    s.asking.add(peer.toString())
    const startedAt = Date.now()
    const syncs = this.c.metrics.counter('gossipd_history_catch_ups_total', 'Topic history catch-ups asked of peers, by result', ['result'])
    let stream: Stream | undefined
    // cleared when the catch-up ends, as a direct message's attempt is (node/deadline.ts)
    const catchUpDeadline = deadline(HISTORY_TIMEOUT_MS, options.signal)
    const { signal } = catchUpDeadline
    try {
      stream = await this.c.newStream(peer, HISTORY_PROTOCOL, { signal })
      // what this node holds of the window (with a margin for the two nodes' receive times) is not sent again
      const have = this.c.history.idsSince(topic, startedAt - withinMs - HISTORY_OVERLAP_MS, HISTORY_MAX_MESSAGES)
      let answered = 0
      let truncated = false
      // newest first on the wire, stored oldest first (the order they were published in, as gossip would have
      // stored them) once the answer ends, or is cut short by the deadline or a fault: what arrived, each message
      // checked, is kept
      const checked: VerifiedMessage[] = []
      let stored = 0
      try {
        for await (const m of askHistory(stream, { topic, withinMs: Math.round(withinMs), limit: HISTORY_BATCH_MESSAGES, have }, { signal, maxMessageSize: this.init.maxMessageSize, onHeader: h => { truncated = h.truncated === true } })) {
          answered++
          const wire = readWire(m)
          if (!this.c.history.has(topic, wire.id)) checked.push(await wire.verify())
        }
      } finally {
        stored = await this.store(checked.reverse())
      }
      if (answered < HISTORY_BATCH_MESSAGES && !truncated) s.lastOkAt = Math.max(s.lastOkAt ?? 0, startedAt)
      // a full batch, or one the peer's byte cap cut: the window may hold more, older messages; ask again at the
      // next tick for the rest
      else s.retryAt = 0
      syncs.inc({ result: 'ok' })
      if (stored > 0) this.c.log.debug({ topic, peer: peer.toString(), withinMs, stored }, 'caught up on messages gossip had not delivered')
      return { topic, peer: peer.toString(), withinMs, answered, stored }
    } catch (err) {
      s.retryAt = Date.now() + HISTORY_SYNC_FAST_INTERVAL_MS
      syncs.inc({ result: 'failed' })
      this.c.log.debug({ topic, peer: peer.toString(), err: (err as Error).message }, 'history catch-up failed')
      stream?.abort(err as Error)
      throw err
    } finally {
      catchUpDeadline.clear()
      s.asking.delete(peer.toString())
    }
  }

  private async store (messages: VerifiedMessage[]): Promise<number> {
    let stored = 0
    for (const m of messages) if (await this.c.ingest(m)) stored++
    return stored
  }

  private track (topic: string, now: number): TopicState {
    const newest = this.c.history.stats(topic).lastReceivedAt
    const s = { joinedAt: now, from: newest ?? now - HISTORY_BACKFILL_MS, retryAt: 0, asking: new Set<string>() }
    this.topics.set(topic, s)
    return s
  }

  /** Joining: just subscribed, or the mesh is below gossipsub's lower bound (and could be larger). */
  private isJoining (topic: string, s: TopicState, now: number, subscribers: number): boolean {
    return now - s.joinedAt < HISTORY_SETTLE_MS || meshPeersOf(this.c.pubsub, topic).length < Math.min(GOSSIPSUB_DLO, subscribers)
  }

  private windowFor (s: TopicState, now: number, joining: boolean): number {
    let window = now - (s.lastOkAt ?? s.from) + HISTORY_OVERLAP_MS
    if (joining) window = Math.max(window, HISTORY_FAST_WINDOW_MS)
    return Math.min(Math.max(window, 0), HISTORY_MAX_WINDOW_MS)
  }
}
