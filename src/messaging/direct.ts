/**
 * Direct messages: one peer to another over `/gossipd/dm/1.0.0`, on the Noise-encrypted connection between
 * the two, each message acknowledged. Every message is written to the outbox before the first attempt; what
 * is not acknowledged is retried with backoff (and at once when the peer connects) until its TTL. The receiver
 * remembers (sender, id) pairs, so a retry whose ack was lost is acknowledged again but stored only once.
 */
import { randomUUID } from 'node:crypto'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import {
  DM_ATTEMPT_TIMEOUT_MS, DM_FRAME_OVERHEAD_BYTES, DM_KNOWN_ADDRESS_DIAL_TIMEOUT_MS, DM_IDLE_TIMEOUT_MS, DM_LOG_BODY_CHARS,
  DM_MAX_STREAMS, DM_PROTOCOL, DM_RATE_BURST, DM_RATE_PEERS, DM_RATE_PER_SECOND, DM_SEEN_PRUNE_MS, DM_SEEN_TTL_FACTOR, LIVE_QUEUE_LIMIT, LIVE_QUEUE_MAX_BYTES,
  OUTBOX_MAX_PER_PEER, OUTBOX_MAX_QUEUED, OUTBOX_RETRY_MIN_MS, REPLAY_BATCH
} from './constants.js'
import { DialFailedError, DirectProtocolError, InvalidRequestError, NotStartedError, StorageFullError } from '../errors.js'
import type { Logger } from '../logger.js'
import { DIAL_ERROR_MAX_CHARS } from '../node/constants.js'
import { deadline, withDeadline } from '../node/deadline.js'
import { dialErrorText } from '../node/dial-error.js'
import type { NodeMetrics } from '../node/metrics.js'
import { addressOfPeer, parsePeerId } from '../node/peer-id.js'
import { PeerRateLimit } from '../node/peer-rate-limit.js'
import type { Database } from '../storage/database.js'
import { checkSize, encodeBody, isBase64 } from './body.js'
import { clampSentAt, decodeFrame, encodeFrame, type Frame, type MsgFrame } from './dm-codec.js'
import { SeenMessages } from './dm-seen.js'
import type { MessageLog, PageOptions, StoredMessage } from './history.js'
import { LiveFeed, type LiveReader } from './live.js'
import { Outbox, type OutboxEntry, type OutboxStatus } from './outbox.js'
import { replayThenLive } from './replay.js'

/** The inbox's channel in its message log. */
export const INBOX = 'inbox'

export interface DirectComponents {
  peerId: PeerId
  db: Database
  inbox: MessageLog
  log: Logger
  metrics: NodeMetrics
  handle(protocol: string, handler: (stream: Stream, connection: Connection) => Promise<void>, opts: { maxInboundStreams: number, maxOutboundStreams: number, runOnLimitedConnection?: boolean }): Promise<void>
  unhandle(protocol: string): Promise<void>
  dialProtocol(peer: PeerId, protocol: string, options: { signal: AbortSignal, runOnLimitedConnection?: boolean }): Promise<Stream>
  isConnected(peer: PeerId): boolean
  /** Addresses of a peer from a DHT lookup, one set per peer that answered with them; none when nobody knows it. */
  peerAnswers(peer: PeerId, options: { signal: AbortSignal }): AsyncIterable<{ multiaddrs: string[] }>
  dial(addrs: Multiaddr[], options: { signal: AbortSignal }): Promise<unknown>
  /** Dial a peer at the addresses the peer store holds for it. */
  dialPeer(peer: PeerId, options: { signal: AbortSignal }): Promise<unknown>
  /** Whether the last dial to the peer failed and none succeeded since (node/dial-history.ts). */
  lastDialFailed(peer: PeerId): Promise<boolean>
  /** Call `listener` whenever a peer connects; returns a function that stops it. */
  onPeerConnect(listener: (peer: PeerId) => void): () => void
}

export interface DirectInit {
  maxMessageSize: number
  outboxTtlMs: number
  /** Finished outbox entries kept for listing. */
  outboxKeep: number
  /** @default DM_ATTEMPT_TIMEOUT_MS */
  attemptTimeoutMs?: number
  /** Messages a peer may send per second on average; 0 means unlimited. @default DM_RATE_PER_SECOND */
  ratePerSecond?: number
  /** Messages a peer may send at once. @default DM_RATE_BURST */
  rateBurst?: number
  /** Undelivered messages queued for one peer; past it, `send` throws `StorageFullError`. @default OUTBOX_MAX_PER_PEER */
  outboxMaxPerPeer?: number
  /** Undelivered messages queued in all. @default OUTBOX_MAX_QUEUED */
  outboxMaxQueued?: number
}

/** The nack code of a message refused for its sender's rate: the sender retries it later. */
export const RATE_LIMITED = 'rate-limited'

export interface SendOptions {
  nick?: string
  signal?: AbortSignal
}

export type SendResult =
  | { id: string, to: string, status: 'delivered', rttMs: number, duplicate: boolean }
  | { id: string, to: string, status: 'queued', error: string, nextAttemptAt: number }

type AttemptResult = { ok: true, rttMs: number, duplicate: boolean } | { ok: false, error: string, permanent: boolean }

/** Round to 0.1 ms: enough for a loopback round trip, without a column of noise digits. */
function ms (start: number): number {
  return Math.round((performance.now() - start) * 10) / 10
}

export class DirectMessages {
  private readonly outbox: Outbox
  private readonly live: LiveFeed<StoredMessage>
  private readonly inFlight = new Map<string, Promise<AttemptResult>>()
  /** Peers whose queue is being sent, head first. */
  private readonly draining = new Set<string>()
  private readonly seen: SeenMessages
  private readonly rate: PeerRateLimit
  private readonly maxFrame: number
  private timer?: ReturnType<typeof setInterval>
  private stopListening?: () => void
  private started = false
  /**
   * Whether the outbox may hold queued messages: set when one is queued, cleared when a tick finds none. An idle
   * node's 1 s tick then touches no table (it ran three statements a second, 2.4 % of an idle node's CPU).
   * It starts set: messages queued before a restart are found by the first tick.
   */
  private maybeQueued = true
  private seenPrunedAt = 0

  constructor (private readonly components: DirectComponents, private readonly init: DirectInit) {
    this.outbox = new Outbox(components.db, init.outboxKeep)
    this.live = new LiveFeed(LIVE_QUEUE_LIMIT, { bytes: LIVE_QUEUE_MAX_BYTES, sizeOf: m => m.data.byteLength })
    // base64 grows a body by 4/3
    this.maxFrame = Math.ceil(init.maxMessageSize / 3) * 4 + DM_FRAME_OVERHEAD_BYTES
    this.seen = new SeenMessages(components.db)
    this.rate = new PeerRateLimit({ rate: init.ratePerSecond ?? DM_RATE_PER_SECOND, burst: init.rateBurst ?? DM_RATE_BURST, maxPeers: DM_RATE_PEERS })
  }

  async start (): Promise<void> {
    await this.components.handle(DM_PROTOCOL, async (stream, connection) => this.receive(stream, connection), {
      maxInboundStreams: DM_MAX_STREAMS,
      maxOutboundStreams: DM_MAX_STREAMS,
      // a message and its ack are a few KiB, well within a relay's limits: a peer behind a NAT is reached
      // through its relay when no direct connection can be made
      runOnLimitedConnection: true
    })
    this.started = true
    this.stopListening = this.components.onPeerConnect(peer => { this.flushPeer(peer.toString()) })
    this.timer = setInterval(() => { this.tick() }, OUTBOX_RETRY_MIN_MS)
    this.timer.unref()
    this.tick()
  }

  async stop (): Promise<void> {
    this.started = false
    clearInterval(this.timer)
    this.stopListening?.()
    this.live.closeAll()
    await Promise.allSettled([...this.inFlight.values()])
    await this.components.unhandle(DM_PROTOCOL).catch(() => {})
  }

  /**
   * Send a message and wait for its ack (up to `attemptTimeoutMs`). A message that cannot be delivered now stays
   * queued in the outbox and is retried until its TTL; the result says which.
   */
  async send (to: string, data: Uint8Array, opts: SendOptions = {}): Promise<SendResult> {
    if (!this.started) throw new NotStartedError()
    const peer = parsePeerId(to)
    if (peer.equals(this.components.peerId)) throw new InvalidRequestError('cannot send a direct message to this node itself')
    checkSize(data, this.init.maxMessageSize)
    const perPeer = this.init.outboxMaxPerPeer ?? OUTBOX_MAX_PER_PEER
    if (this.outbox.queuedCount(peer.toString()) >= perPeer) throw new StorageFullError(`${perPeer} direct messages are queued for ${peer.toString()} already, the most for one peer`)
    const total = this.init.outboxMaxQueued ?? OUTBOX_MAX_QUEUED
    if (this.outbox.queuedCount() >= total) throw new StorageFullError(`${total} direct messages are queued already, the most the outbox holds`)
    const entry = this.outbox.add({ id: randomUUID(), to: peer.toString(), nick: opts.nick, data, ttlMs: this.init.outboxTtlMs })
    this.maybeQueued = true
    this.components.metrics.counter('gossipd_direct_messages_sent_total', 'Direct messages accepted for sending').inc()
    const result = await this.attempt(entry, opts.signal)
    if (result.ok) {
      return { id: entry.id, to: entry.to, status: 'delivered', rttMs: result.rttMs, duplicate: result.duplicate }
    }
    const now = this.outbox.get(entry.id)
    return { id: entry.id, to: entry.to, status: 'queued', error: result.error, nextAttemptAt: now?.nextAttemptAt ?? Date.now() }
  }

  inbox (opts: PageOptions): StoredMessage[] {
    return this.components.inbox.page(INBOX, opts)
  }

  inboxStats (): { lastSeq: number, count: number } {
    return this.components.inbox.stats(INBOX)
  }

  /** Inbox messages as they arrive, after replaying those past `after` when given. */
  stream (opts: { after?: number } = {}): LiveReader<StoredMessage> {
    return replayThenLive(this.live.subscribe(), opts.after, after => this.components.inbox.page(INBOX, { after, limit: REPLAY_BATCH }))
  }

  outboxEntries (opts: { status?: OutboxStatus, limit: number }): OutboxEntry[] {
    return this.outbox.list(opts)
  }

  outboxCounts (): Record<OutboxStatus, number> {
    return this.outbox.counts()
  }

  /** Retry what is due now; expire what is past its TTL. */
  private tick (): void {
    if (!this.started) return
    const now = Date.now()
    if (now - this.seenPrunedAt >= DM_SEEN_PRUNE_MS) {
      this.seenPrunedAt = now
      this.seen.prune(now - DM_SEEN_TTL_FACTOR * this.init.outboxTtlMs)
    }
    if (!this.maybeQueued) return
    for (const e of this.outbox.expire()) {
      this.components.log.warn({ id: e.id, to: e.to }, 'direct message expired undelivered')
      this.components.metrics.counter('gossipd_direct_messages_expired_total', 'Direct messages that expired in the outbox').inc()
    }
    for (const peer of this.outbox.duePeers()) this.drain(peer)
    if (this.inFlight.size === 0 && this.outbox.queuedCount() === 0) this.maybeQueued = false
  }

  /**
   * The peer just connected: try what is queued for it now, whatever its backoff says. With nothing queued at
   * all, no table is read: a joining node sees a connection every few milliseconds.
   */
  private flushPeer (peer: string): void {
    if (!this.started || !this.maybeQueued) return
    this.drain(peer)
  }

  /**
   * Send a peer's queue head first, one message at a time: a long queue goes out one stream after another
   * (within the receiver's stream limit, and in sending order), while different peers proceed in parallel.
   * Each message is read (body included) only when it is next; when the peer is unreachable, the rest of its
   * queue waits for the head's next retry.
   */
  private drain (peer: string): void {
    if (this.draining.has(peer)) return
    this.draining.add(peer)
    void (async () => {
      try {
        while (this.started) {
          const entry = this.outbox.head(peer)
          if (entry == null) return
          const result = await this.attempt(entry)
          if (!result.ok && !result.permanent) return
        }
      } finally {
        this.draining.delete(peer)
      }
    })()
  }

  /** One delivery attempt; concurrent calls for the same message share it. Updates the outbox either way. */
  private async attempt (entry: OutboxEntry, signal?: AbortSignal): Promise<AttemptResult> {
    const running = this.inFlight.get(entry.id)
    if (running != null) return running
    const p = this.deliver(entry, signal).then(result => {
      if (result.ok) {
        this.outbox.markDelivered(entry.id, result.rttMs)
        this.components.log.debug({ id: entry.id, to: entry.to, rttMs: result.rttMs }, 'direct message delivered')
      } else if (result.permanent) {
        this.outbox.markRejected(entry.id, result.error)
        this.components.log.warn({ id: entry.id, to: entry.to, error: result.error }, 'direct message refused by the receiver')
      } else {
        const current = this.outbox.get(entry.id) ?? entry
        this.outbox.markFailed(current, result.error)
        this.components.log.debug({ id: entry.id, to: entry.to, attempts: current.attempts + 1, error: result.error }, 'direct message not delivered; queued')
      }
      return result
    }).finally(() => { this.inFlight.delete(entry.id) })
    this.inFlight.set(entry.id, p)
    return p
  }

  private async deliver (entry: OutboxEntry, signal?: AbortSignal): Promise<AttemptResult> {
    // cleared when the attempt ends: with a full outbox retried, a timer left to fire after each attempt is most
    // of what the retries cost
    const attemptDeadline = deadline(this.init.attemptTimeoutMs ?? DM_ATTEMPT_TIMEOUT_MS, signal)
    const sig = attemptDeadline.signal
    const peer = parsePeerId(entry.to)
    let stream: Stream | undefined
    try {
      stream = await this.openStream(peer, sig)
      const lp = lpStream(stream, { maxDataLength: this.maxFrame })
      const frame: MsgFrame = {
        type: 'msg',
        id: entry.id,
        from: this.components.peerId.toString(),
        ts: entry.createdAt,
        ...(entry.nick != null ? { nick: entry.nick } : {}),
        body: Buffer.from(entry.data).toString('base64')
      }
      const started = performance.now()
      await lp.write(encodeFrame(frame), { signal: sig })
      const reply = decodeFrame((await lp.read({ signal: sig })).subarray())
      const rttMs = ms(started)
      await stream.close({ signal: sig }).catch(() => {})
      if (reply.id !== entry.id) throw new DirectProtocolError(`ack for ${reply.id}, expected ${entry.id}`)
      // refused for good, except for the sender's rate: that one is retried with the usual backoff
      if (reply.type === 'nack') return { ok: false, error: `${reply.code}: ${reply.reason}`, permanent: reply.code !== RATE_LIMITED }
      if (reply.type !== 'ack') throw new DirectProtocolError(`expected an ack, got a ${reply.type} frame`)
      return { ok: true, rttMs, duplicate: reply.duplicate }
    } catch (err) {
      stream?.abort(err as Error)
      // a failed dial's reasons, one per address, go with the queued message (node/dial-error.ts)
      return { ok: false, error: dialErrorText(err), permanent: false }
    } finally {
      attemptDeadline.clear()
    }
  }

  /**
   * A DM stream to the peer, over a connection `reach` made sure of. When the stream fails because that connection
   * died under it (a relayed connection whose relay just went away is still listed for a moment), the peer is
   * reached afresh and the stream tried once more within the same attempt, instead of waiting for the next one.
   */
  private async openStream (peer: PeerId, signal: AbortSignal): Promise<Stream> {
    const open = async (): Promise<Stream> => this.components.dialProtocol(peer, DM_PROTOCOL, { signal, runOnLimitedConnection: true })
    const wasConnected = this.components.isConnected(peer)
    await this.reach(peer, signal)
    try {
      return await open()
    } catch (err) {
      if (!wasConnected || signal.aborted || this.components.isConnected(peer)) throw err
      await this.reach(peer, signal)
      return await open()
    }
  }

  /**
   * Make sure there is a connection: when there is none, dial the addresses the peer store knows, and when that
   * fails, look the peer up in the DHT and dial what each answer names that was not tried yet, until one
   * connects. The first answer may come from a peer holding stale addresses (a relay the peer has left); others
   * in the same lookup may be fresh.
   *
   * The peer may connect to this node while that goes on (a stale address takes seconds to fail). A connection it
   * opened through a relay ends the search, and so does one a failed dial leaves behind: libp2p 3.3.11 dials a
   * circuit even when a relayed connection to the peer is open, finds the new one duplicates the peer's (the same
   * relay, the same remote address), aborts it and answers a dial joined with it "Remote closed connection during
   * opening". In the NAT drill 0 to 4 of 12 direct messages between sites missed their first attempt that way.
   */
  private async reach (peer: PeerId, signal: AbortSignal): Promise<void> {
    if (this.components.isConnected(peer)) return
    let known: unknown
    if (await this.components.lastDialFailed(peer)) {
      // the addresses known here failed the last time anything dialed them (a peer behind a NAT is often known
      // by its private address on another site's network, which takes 1-3 s to fail): the DHT first
      known = new Error('not dialed: the last dial to them failed')
    } else {
      try {
        const dialDeadline = deadline(DM_KNOWN_ADDRESS_DIAL_TIMEOUT_MS, signal)
        try {
          await this.components.dialPeer(peer, { signal: dialDeadline.signal })
          return
        } finally {
          dialDeadline.clear()
        }
      } catch (err) {
        // no known address, or a stale one: ask the DHT
        known = err
      }
    }
    if (this.components.isConnected(peer)) return
    const tried = new Set<string>()
    let failure: Error | undefined
    // the addresses known here just failed: ask the DHT, not the local copy (a peer behind a NAT is reached at
    // the relay addresses it announced after its first contact)
    for await (const answer of this.components.peerAnswers(peer, { signal })) {
      const untried = answer.multiaddrs.filter(a => !tried.has(a))
      if (untried.length === 0) continue
      for (const a of untried) tried.add(a)
      // an answer's addresses name no peer, or only the relay of a circuit: each is dialed as the peer's own
      const addrs = untried.map(a => addressOfPeer(multiaddr(a), peer)).filter(a => a != null)
      if (addrs.length === 0) continue
      if (this.components.isConnected(peer)) return
      try {
        await this.components.dial(addrs, { signal })
        return
      } catch (err) {
        if (this.components.isConnected(peer)) return
        failure = err as Error
      }
    }
    // not in the DHT (yet): the peer store may still know an address, so let the stream's dial try
    if (failure != null) {
      // each half within the cap of the whole, so the DHT's reasons are not cut off by the peer store's
      const half = Math.floor(DIAL_ERROR_MAX_CHARS / 2) - 100
      throw new DialFailedError(peer.toString(), `known addresses: ${dialErrorText(known, half)}; DHT answers: ${dialErrorText(failure, half)}`)
    }
  }

  private async receive (stream: Stream, connection: Connection): Promise<void> {
    const lp = lpStream(stream, { maxDataLength: this.maxFrame })
    const sender = connection.remotePeer.toString()
    while (true) {
      let bytes: Uint8Array
      // a read per message: its timer is cleared once the frame is in, as an attempt's is
      try {
        bytes = (await withDeadline(DM_IDLE_TIMEOUT_MS, async signal => lp.read({ signal }))).subarray()
      } catch (err) {
        if ((err as Error).name === 'UnexpectedEOFError') break
        throw err
      }
      const frame = decodeFrame(bytes)
      if (frame.type !== 'msg') throw new DirectProtocolError(`expected a msg frame, got ${frame.type}`)
      const reply: Frame = this.rate.allow(sender)
        ? this.accept(frame, sender)
        : { type: 'nack', id: frame.id, code: RATE_LIMITED, reason: `over ${this.init.ratePerSecond ?? DM_RATE_PER_SECOND} messages per second; retry later` }
      await lp.write(encodeFrame(reply))
      if (reply.type === 'nack') break
    }
    await stream.close().catch(() => {})
  }

  /** Check, dedupe and store one incoming message; the frame to answer with. */
  private accept (frame: MsgFrame, sender: string): Frame {
    const nack = (code: string, reason: string): Frame => ({ type: 'nack', id: frame.id, code, reason })
    // the connection's peer is authenticated by Noise; a frame claiming another sender is a forgery
    if (frame.from !== sender) return nack('wrong-sender', `from is ${frame.from} but the connection is from ${sender}`)
    if (!isBase64(frame.body)) return nack('bad-body', 'body is not base64')
    const data = new Uint8Array(Buffer.from(frame.body, 'base64'))
    if (data.byteLength > this.init.maxMessageSize) return nack('too-large', `body of ${data.byteLength} bytes exceeds ${this.init.maxMessageSize}`)
    // remembered and stored in one transaction: a crash between the two would drop the message for good
    const { db } = this.components
    let stored: StoredMessage | undefined
    db.exec('BEGIN IMMEDIATE')
    try {
      const fresh = this.seen.add(sender, frame.id)
      if (fresh) stored = this.components.inbox.append({ channel: INBOX, id: frame.id, from: sender, nick: frame.nick, data, sentAt: clampSentAt(frame.ts) })
      db.exec('COMMIT')
    } catch (err) {
      db.exec('ROLLBACK')
      throw err
    }
    if (stored != null) {
      this.live.push(stored)
      this.components.metrics.counter('gossipd_direct_messages_received_total', 'Direct messages received and stored').inc()
      this.components.log.info({ id: frame.id, from: sender, bytes: data.byteLength }, 'direct message received')
      // the body only at debug, and only its start: a peer's flood must not become a flood of log
      if (this.components.log.isLevelEnabled('debug')) {
        const text = encodeBody(data)
        const shown = text.encoding === 'utf8' ? text.data.slice(0, DM_LOG_BODY_CHARS) + (text.data.length > DM_LOG_BODY_CHARS ? '…' : '') : `<${data.byteLength} bytes>`
        this.components.log.debug({ id: frame.id, from: sender }, `Received message from ${frame.nick ?? sender}: ${shown}`)
      }
    }
    return { type: 'ack', id: frame.id, duplicate: stored == null }
  }
}
