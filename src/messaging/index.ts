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
import type { Multiaddr } from '@multiformats/multiaddr'
import type { NodeConfig } from '../config.js'
import type { Logger } from '../logger.js'
import type { GossipdLibp2p } from '../node/libp2p.js'
import type { NodeMetrics } from '../node/metrics.js'
import type { DhtView } from '../node/dht.js'
import { NotConnectedError } from '../errors.js'
import { openDatabase } from '../storage/database.js'
import { DirectMessages, type DirectComponents } from './direct.js'
import { MessageLog } from './history.js'
import { HistorySync } from './history-sync.js'
import { Topics } from './topics.js'

export { Topics } from './topics.js'
export type { TopicInfo, TopicPeers, PublishResult, TopicMessage, TopicValidator } from './topics.js'
export { DirectMessages, INBOX } from './direct.js'
export type { SendResult, SendOptions } from './direct.js'
export type { StoredMessage, PageOptions } from './history.js'
export { HistorySync, type CatchUpResult } from './history-sync.js'
export type { OutboxEntry, OutboxStatus } from './outbox.js'
export type { LiveReader } from './live.js'
export { decodeBody, encodeBody, messageView, type MessageView, type Encoding } from './body.js'

/** What messaging needs of the node; `GossipdNode` provides it. */
export interface MessagingHost {
  config: NodeConfig
  libp2p: GossipdLibp2p
  log: Logger
  metrics: NodeMetrics
  dht: DhtView
  handle: DirectComponents['handle']
  unhandle: DirectComponents['unhandle']
}

export interface Messaging {
  topics: Topics
  direct: DirectMessages
  history: HistorySync
  start(): Promise<void>
  stop(): Promise<void>
}

export function createMessaging (host: MessagingHost): Messaging {
  const { config, libp2p, log, metrics } = host
  const db = openDatabase(config.dataDir)
  const mlog = log.child({ component: 'messaging' })
  const topicLog = new MessageLog(db, 'topic_messages', config.historyLimit)
  const topics = new Topics({
    pubsub: libp2p.services.pubsub,
    peerId: libp2p.peerId,
    db,
    history: topicLog,
    log: mlog,
    metrics
  }, { maxMessageSize: config.maxMessageSize, maxTopics: config.maxTopics })
  const history = new HistorySync({
    pubsub: libp2p.services.pubsub,
    history: topicLog,
    ingest: async msg => topics.ingest(msg),
    log: mlog,
    metrics,
    handle: host.handle,
    unhandle: host.unhandle,
    // only over a connection that is open: catching up never dials (a peer just hung up on stays hung up on)
    newStream: async (peer, protocol, opts) => {
      const conn = libp2p.getConnections(peer).find(c => c.status === 'open')
      if (conn == null) throw new NotConnectedError(peer.toString())
      return conn.newStream(protocol, opts)
    }
  }, { maxMessageSize: config.maxMessageSize })
  const direct = new DirectMessages({
    peerId: libp2p.peerId,
    db,
    inbox: new MessageLog(db, 'dm_inbox', config.historyLimit),
    log: mlog,
    metrics,
    handle: host.handle,
    unhandle: host.unhandle,
    dialProtocol: async (peer, protocol, opts) => libp2p.dialProtocol(peer, protocol, opts),
    isConnected: peer => libp2p.getConnections(peer).some(c => c.status === 'open'),
    findPeer: async (peer, opts) => host.dht.findPeer(peer, opts),
    dial: async (addrs: Multiaddr[], opts) => libp2p.dial(addrs, opts),
    dialPeer: async (peer, opts) => libp2p.dial(peer, opts),
    onPeerConnect: listener => {
      const handler = (evt: CustomEvent<Parameters<typeof listener>[0]>): void => { listener(evt.detail) }
      libp2p.addEventListener('peer:connect', handler)
      return () => { libp2p.removeEventListener('peer:connect', handler) }
    }
  }, { maxMessageSize: config.maxMessageSize, outboxTtlMs: config.outboxTtl, outboxKeep: config.historyLimit })
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
