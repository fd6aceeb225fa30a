/**
 * Messaging: gossipsub topics with a persisted history, and acknowledged direct messages with an outbox.
 *
 * @example
 * ```ts
 * const node = await createNode(config)
 * node.topics.subscribe('news')
 * for await (const m of node.topics.stream('news')) console.log(m.from, new TextDecoder().decode(m.data))
 * await node.topics.publish('news', new TextEncoder().encode('hello'))
 * await node.direct.send(otherPeerId, new TextEncoder().encode('hi'), { nick: 'alice' })
 * ```
 */
import type { GossipSub } from '@libp2p/gossipsub'
import type { Database } from '../storage/database.js'
import { DirectMessages, type DirectComponents } from './direct.js'
import { MessageLog } from './history.js'
import { migrateMessageIds } from './message-id-migration.js'
import { HistorySync, type HistorySyncComponents } from './history-sync.js'
import type { PublishedIds } from './published-ids.js'
import { Topics } from './topics.js'

export { Topics } from './topics.js'
export type { TopicInfo, TopicPeers, PublishResult, TopicMessage, TopicValidator } from './topics.js'
export { DirectMessages, INBOX } from './direct.js'
export type { SendResult, SendOptions } from './direct.js'
export type { StoredMessage, PageOptions } from './history.js'
export { HistorySync, type CatchUpResult } from './history-sync.js'
export { PublishedIds, type Published } from './published-ids.js'
export { meshPeersOf } from './pubsub.js'
export type { OutboxEntry, OutboxStatus } from './outbox.js'
export type { LiveReader } from './live.js'
export { decodeBody, encodeBody, messageView, type MessageView, type Encoding } from './body.js'

/** What messaging needs of the node: the host's services, narrowed, and the database the root opened. */
export interface MessagingComponents extends Omit<DirectComponents, 'inbox'>, Pick<HistorySyncComponents, 'newStream' | 'speaks'> {
  pubsub: GossipSub
  db: Database
  /** The recorder whose `msgIdFn` gossipsub was built with (see `PublishedIds.gossipsubOptions`). */
  publishedIds: PublishedIds
}

export interface MessagingInit {
  maxMessageSize: number
  /** Messages kept per topic and in the direct inbox. */
  historyLimit: number
  outboxTtlMs: number
  /** Use the libraries as published (no write to gossipsub's private caches). @default false */
  stockLibraries?: boolean
  /** Topics subscribed at once. @default DEFAULT_MAX_TOPICS */
  maxTopics?: number
  /** Direct messages one peer may send per second; 0: no limit. @default DM_RATE_PER_SECOND */
  dmRate?: number
}

export interface Messaging {
  topics: Topics
  direct: DirectMessages
  history: HistorySync
  start(): Promise<void>
  stop(): Promise<void>
}

/** The table of topic messages (a MessageLog). */
const TOPIC_TABLE = 'topic_messages'

export function createMessaging (components: MessagingComponents, init: MessagingInit): Messaging {
  const { db, metrics, pubsub } = components
  const log = components.log.child({ component: 'messaging' })
  const topicLog = new MessageLog(db, TOPIC_TABLE, init.historyLimit)
  const renamed = migrateMessageIds(db, TOPIC_TABLE)
  if (renamed != null && renamed > 0) log.info({ renamed }, 'stored topic messages renamed to the peer-id message id')
  const topics = new Topics({
    pubsub,
    peerId: components.peerId,
    db,
    history: topicLog,
    publishedIds: components.publishedIds,
    log,
    metrics
  }, { maxMessageSize: init.maxMessageSize, stockLibraries: init.stockLibraries, maxTopics: init.maxTopics })
  const history = new HistorySync({
    pubsub,
    history: topicLog,
    ingest: async msg => topics.ingest(msg),
    log,
    metrics,
    handle: components.handle,
    unhandle: components.unhandle,
    newStream: components.newStream,
    speaks: components.speaks
  }, { maxMessageSize: init.maxMessageSize })
  const direct = new DirectMessages({
    ...components,
    inbox: new MessageLog(db, 'dm_inbox', init.historyLimit),
    log
  }, { maxMessageSize: init.maxMessageSize, outboxTtlMs: init.outboxTtlMs, outboxKeep: init.historyLimit, ratePerSecond: init.dmRate })
  return {
    topics,
    direct,
    history,
    async start () {
      topics.start()
      await history.start()
      await direct.start()
    },
    async stop () {
      await direct.stop()
      await history.stop()
      topics.stop()
    }
  }
}
