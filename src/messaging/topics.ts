/**
 * Topics over gossipsub: subscriptions (persisted, so a restarted node rejoins its topics), publishing that
 * fails loudly when nobody listens, a bounded history per topic, live readers, and validator hooks.
 */
import type { GossipSub, GossipsubMessage, Message } from '@libp2p/gossipsub'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import { LIVE_QUEUE_LIMIT, LIVE_QUEUE_MAX_BYTES, REPLAY_BATCH } from './constants.js'
import { DEFAULT_MAX_TOPICS } from '../constants.js'
import { InvalidRequestError, LimitReachedError, MessageRejectedError, NoSubscribersError, NotStartedError } from '../errors.js'
import { TOPIC_MAX_BYTES } from '../node/constants.js'
import type { Logger } from '../logger.js'
import { topicFits } from '../node/gossip-topics.js'
import type { NodeMetrics } from '../node/metrics.js'
import { migrate, type Database } from '../storage/database.js'
import { checkSize } from './body.js'
import type { MessageLog, PageOptions, StoredMessage } from './history.js'
import { LiveFeed, type LiveReader } from './live.js'
import { seqnoBytes } from './message-id.js'
import type { PublishedIds } from './published-ids.js'
import type { VerifiedMessage } from './signed-message.js'
import { isNoPeersError, meshPeersOf, publishStrict } from './pubsub.js'
import { replayThenLive } from './replay.js'

/** What a validator sees of a message; `from` is the author's peer id (proven by its signature). */
export interface TopicMessage {
  topic: string
  from: string
  data: Uint8Array
}

/** Return false (or 'reject') to refuse and penalise, 'ignore' to drop silently, true or 'accept' to take it. */
export type TopicValidator = (msg: TopicMessage) => boolean | 'accept' | 'reject' | 'ignore' | Promise<boolean | 'accept' | 'reject' | 'ignore'>

export interface TopicInfo {
  topic: string
  /** Connected peers known to subscribe. */
  subscribers: number
  /** Peers in this node's mesh for the topic. */
  meshPeers: number
  /** Messages held in the history, and the newest sequence number. */
  messages: number
  lastSeq: number
}

export interface TopicPeers {
  topic: string
  mesh: string[]
  subscribers: string[]
}

export interface PublishResult {
  id: string
  seq: number
  topic: string
  /** Peers this node sent the message to directly. */
  recipients: number
}

export interface TopicsComponents {
  pubsub: GossipSub
  peerId: PeerId
  db: Database
  history: MessageLog
  /** The id recorder gossipsub's `msgIdFn` belongs to: how a publish learns its message's id. */
  publishedIds: PublishedIds
  log: Logger
  metrics: NodeMetrics
}

export interface TopicsInit {
  maxMessageSize: number
  /** Use gossipsub as published: no write to its private cache of fast ids (pubsub.ts). @default false */
  stockLibraries?: boolean
  /** @default LIVE_QUEUE_LIMIT */
  liveQueueLimit?: number
  /** Topics subscribed at once; past it, `subscribe` throws `LimitReachedError`. @default DEFAULT_MAX_TOPICS */
  maxTopics?: number
}

function toResult (v: boolean | 'accept' | 'reject' | 'ignore'): TopicValidatorResult {
  if (v === true || v === 'accept') return TopicValidatorResult.Accept
  if (v === 'ignore') return TopicValidatorResult.Ignore
  return TopicValidatorResult.Reject
}

/** Peers drop subscriptions and messages of longer topic names (node/gossip-topics.ts): refuse them here first. */
function checkTopic (topic: string): void {
  if (topic.length === 0 || !topicFits(topic)) throw new InvalidRequestError(`a topic name is 1 to ${TOPIC_MAX_BYTES} bytes of UTF-8`)
}

export class Topics {
  private readonly live: LiveFeed<StoredMessage>
  private readonly validators = new Map<string, TopicValidator>()
  private readonly onMessage = (evt: CustomEvent<GossipsubMessage>): void => { this.receive(evt.detail.msgId, evt.detail.msg) }
  private readonly stmts
  private started = false

  constructor (private readonly components: TopicsComponents, private readonly init: TopicsInit) {
    this.live = new LiveFeed(init.liveQueueLimit ?? LIVE_QUEUE_LIMIT, { bytes: LIVE_QUEUE_MAX_BYTES, sizeOf: m => m.data.byteLength })
    migrate(components.db, ['CREATE TABLE IF NOT EXISTS topic_subscriptions (topic TEXT PRIMARY KEY, since INTEGER NOT NULL)'])
    this.stmts = {
      add: components.db.prepare('INSERT OR IGNORE INTO topic_subscriptions (topic, since) VALUES (?, ?)'),
      remove: components.db.prepare('DELETE FROM topic_subscriptions WHERE topic = ?'),
      all: components.db.prepare('SELECT topic FROM topic_subscriptions ORDER BY since'),
      has: components.db.prepare('SELECT 1 FROM topic_subscriptions WHERE topic = ?'),
      count: components.db.prepare('SELECT COUNT(*) AS n FROM topic_subscriptions')
    }
  }

  start (): void {
    this.started = true
    this.components.pubsub.addEventListener('gossipsub:message', this.onMessage)
    for (const { topic } of this.stmts.all.all() as Array<{ topic: string }>) {
      this.join(topic)
    }
  }

  stop (): void {
    this.started = false
    this.components.pubsub.removeEventListener('gossipsub:message', this.onMessage)
    this.live.closeAll()
  }

  /** Subscribe (idempotent); the subscription survives restarts until `unsubscribe`. */
  subscribe (topic: string): TopicInfo {
    checkTopic(topic)
    const max = this.init.maxTopics ?? DEFAULT_MAX_TOPICS
    if (this.stmts.has.get(topic) == null) {
      const { n } = this.stmts.count.get() as { n: number }
      if (n >= max) throw new LimitReachedError(`${n} topics are subscribed, the most --max-topics allows (${max}); unsubscribe from one first`)
    }
    this.stmts.add.run(topic, Date.now())
    if (this.started) this.join(topic)
    return this.info(topic)
  }

  /** Unsubscribe; returns whether the node was subscribed. History is kept. */
  unsubscribe (topic: string): boolean {
    const was = this.stmts.remove.run(topic).changes > 0
    const { pubsub } = this.components
    if (pubsub.getTopics().includes(topic)) pubsub.unsubscribe(topic)
    pubsub.topicValidators.delete(topic)
    return was
  }

  isSubscribed (topic: string): boolean {
    return this.components.pubsub.getTopics().includes(topic)
  }

  list (): TopicInfo[] {
    return this.components.pubsub.getTopics().map(t => this.info(t))
  }

  info (topic: string): TopicInfo {
    const { lastSeq, count } = this.components.history.stats(topic)
    return {
      topic,
      subscribers: this.components.pubsub.getSubscribers(topic).length,
      meshPeers: meshPeersOf(this.components.pubsub, topic).length,
      messages: count,
      lastSeq
    }
  }

  peers (topic: string): TopicPeers {
    return {
      topic,
      mesh: meshPeersOf(this.components.pubsub, topic),
      subscribers: this.components.pubsub.getSubscribers(topic).map(String)
    }
  }

  /**
   * A validator for a topic's messages, this node's own included. Set before or after subscribing; it replaces
   * any earlier one. Messages over the size limit are refused whatever it says.
   */
  setValidator (topic: string, validator: TopicValidator | undefined): void {
    if (validator == null) this.validators.delete(topic)
    else this.validators.set(topic, validator)
  }

  /**
   * Publish to every subscriber. Throws `NoSubscribersError` when no peer subscribes (nothing is sent). `signal`
   * can abort it until the message is handed to gossipsub (after the topic's validator); a sent message stays sent.
   */
  async publish (topic: string, data: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<PublishResult> {
    if (!this.started) throw new NotStartedError()
    options.signal?.throwIfAborted()
    checkTopic(topic)
    checkSize(data, this.init.maxMessageSize)
    const verdict = await this.validate({ topic, from: this.components.peerId.toString(), data })
    if (verdict !== TopicValidatorResult.Accept) {
      throw new MessageRejectedError(`the validator of topic "${topic}" refused the message`)
    }
    options.signal?.throwIfAborted()
    // a buffer of our own: gossipsub's id function recognises it by identity
    const own = new Uint8Array(data)
    let published: Awaited<ReturnType<typeof publishStrict>>
    try {
      published = await publishStrict(this.components.pubsub, this.components.publishedIds, this.components.peerId, topic, own, {
        rememberOwnFastIds: this.init.stockLibraries !== true
      })
    } catch (err) {
      if (isNoPeersError(err)) throw new NoSubscribersError(topic)
      throw err
    }
    const { id, signed, recipients } = published
    const stored = this.record({ channel: topic, id, from: this.components.peerId.toString(), data: own, signed })
    this.components.metrics.counter('gossipd_topic_messages_published_total', 'Messages this node published to topics').inc()
    return { id, seq: stored?.seq ?? 0, topic, recipients }
  }

  history (topic: string, opts: PageOptions): StoredMessage[] {
    return this.components.history.page(topic, opts)
  }

  /**
   * Messages of a topic as they arrive, after replaying the history past `after` when given. Ends with
   * `SlowReaderError` if the reader falls `liveQueueLimit` messages behind.
   */
  stream (topic: string, opts: { after?: number } = {}): LiveReader<StoredMessage> {
    return replayThenLive(this.live.subscribe(m => m.channel === topic), opts.after, after => this.components.history.page(topic, { after, limit: REPLAY_BATCH }))
  }

  /**
   * Take a message caught up from a peer's history (its signature already checked): the topic's validator
   * decides as for gossip, and it is stored and streamed unless this node holds it already. Returns whether it
   * was new.
   */
  async ingest (msg: VerifiedMessage): Promise<boolean> {
    if (!this.isSubscribed(msg.topic) || this.components.history.has(msg.topic, msg.id)) return false
    if (await this.validate({ topic: msg.topic, from: msg.from, data: msg.data }) !== TopicValidatorResult.Accept) return false
    const stored = this.record({ channel: msg.topic, id: msg.id, from: msg.from, data: msg.data, signed: msg.signed })
    if (stored != null) {
      this.components.metrics.counter('gossipd_topic_messages_caught_up_total', 'Topic messages gossip had not delivered, stored from a peer\'s history').inc()
    }
    return stored != null
  }

  private join (topic: string): void {
    const { pubsub } = this.components
    pubsub.topicValidators.set(topic, async (_peer, msg: Message) => {
      if (msg.type !== 'signed') return TopicValidatorResult.Reject
      return this.validate({ topic: msg.topic, from: msg.from.toString(), data: msg.data })
    })
    if (!pubsub.getTopics().includes(topic)) pubsub.subscribe(topic)
  }

  private async validate (msg: TopicMessage): Promise<TopicValidatorResult> {
    if (msg.data.byteLength > this.init.maxMessageSize) return TopicValidatorResult.Reject
    const validator = this.validators.get(msg.topic)
    if (validator == null) return TopicValidatorResult.Accept
    try {
      return toResult(await validator(msg))
    } catch (err) {
      this.components.log.debug({ topic: msg.topic, err: (err as Error).message }, 'topic validator threw; message rejected')
      return TopicValidatorResult.Reject
    }
  }

  private receive (msgId: string, msg: Message): void {
    if (msg.type !== 'signed') return
    const stored = this.record({
      channel: msg.topic,
      id: msgId,
      from: msg.from.toString(),
      data: msg.data,
      signed: {
        seqno: seqnoBytes(msg.sequenceNumber),
        signature: msg.signature,
        // RSA authors' ids are hashes of their key: keep the key, or nobody could check the signature later
        ...(msg.from.publicKey == null ? { key: publicKeyToProtobuf(msg.key) } : {})
      }
    })
    if (stored != null) {
      this.components.metrics.counter('gossipd_topic_messages_received_total', 'Topic messages received and stored').inc()
    }
  }

  private record (msg: Parameters<MessageLog['append']>[0]): StoredMessage | undefined {
    const stored = this.components.history.append(msg)
    if (stored != null) this.live.push(stored)
    return stored
  }
}
