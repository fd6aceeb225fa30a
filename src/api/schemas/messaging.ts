/**
 * Request and response shapes of the messaging routes: topics, direct messages and the seed-compatible
 * `POST /message`.
 */
import { Type, type Static } from '@sinclair/typebox'
import { HISTORY_PAGE_DEFAULT, HISTORY_PAGE_MAX } from '../constants.js'

const EncodingSchema = Type.Union([Type.Literal('utf8'), Type.Literal('base64')], {
  description: 'how `data` is written: UTF-8 text or base64 bytes'
})

export const TopicParam = Type.Object({
  topic: Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\x00-\\x1f]+$', description: 'topic name' })
})
export type TopicParamType = Static<typeof TopicParam>

export const TopicInfoSchema = Type.Object({
  topic: Type.String(),
  subscribers: Type.Integer({ description: 'connected peers known to subscribe' }),
  meshPeers: Type.Integer({ description: 'peers in this node\'s gossipsub mesh for the topic' }),
  messages: Type.Integer({ description: 'messages held in the history' }),
  lastSeq: Type.Integer({ description: 'sequence number of the newest message (0 when none)' })
})

export const TopicsResponse = Type.Object({ topics: Type.Array(TopicInfoSchema) })

export const TopicPeersResponse = Type.Object({
  topic: Type.String(),
  mesh: Type.Array(Type.String()),
  subscribers: Type.Array(Type.String())
})

export const UnsubscribeResponse = Type.Object({ topic: Type.String(), unsubscribed: Type.Boolean() })

export const DataBody = Type.Object({
  data: Type.String({ description: 'the message body' }),
  encoding: Type.Optional(EncodingSchema)
}, { additionalProperties: false })
export type DataBodyType = Static<typeof DataBody>

export const PublishResponse = Type.Object({
  id: Type.String({ description: 'gossipsub message id (author key and sequence number, base64url)' }),
  seq: Type.Integer({ description: 'sequence number in this node\'s history' }),
  topic: Type.String(),
  recipients: Type.Integer({ description: 'peers this node sent the message to directly' })
})

export const HistoryQuery = Type.Object({
  after: Type.Optional(Type.Integer({ minimum: 0, description: 'cursor: only messages with a greater sequence number' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: HISTORY_PAGE_MAX, default: HISTORY_PAGE_DEFAULT })),
  encoding: Type.Optional(Type.Union([Type.Literal('base64')], { description: 'always give data as base64' }))
})
export type HistoryQueryType = Static<typeof HistoryQuery>

export const MessageSchema = Type.Object({
  seq: Type.Integer(),
  id: Type.String(),
  topic: Type.Optional(Type.String()),
  from: Type.String({ description: 'peer id of the author' }),
  nick: Type.Optional(Type.String()),
  data: Type.String(),
  encoding: EncodingSchema,
  sentAt: Type.Optional(Type.Number({ description: 'when the author sent it, ms since the epoch (direct messages)' })),
  receivedAt: Type.Number({ description: 'when this node stored it, ms since the epoch' })
})

export const HistoryResponse = Type.Object({
  messages: Type.Array(MessageSchema),
  next: Type.Integer({ description: 'pass as `after` for the next page' }),
  lastSeq: Type.Integer({ description: 'newest sequence number held' })
})

export const DirectBody = Type.Object({
  to: Type.String({ minLength: 1, maxLength: 256, description: 'peer id of the receiver' }),
  data: Type.String(),
  encoding: Type.Optional(EncodingSchema),
  nick: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'sender name shown to the receiver (default: this node\'s --nick)' }))
}, { additionalProperties: false })
export type DirectBodyType = Static<typeof DirectBody>

export const DeliveredResponse = Type.Object({
  id: Type.String(),
  to: Type.String(),
  status: Type.Literal('delivered'),
  rttMs: Type.Number({ description: 'send to ack round trip' }),
  duplicate: Type.Boolean()
})

export const QueuedResponse = Type.Object({
  id: Type.String(),
  to: Type.String(),
  status: Type.Literal('queued'),
  error: Type.String({ description: 'why the first attempt failed' }),
  nextAttemptAt: Type.Number()
})

const OutboxStatusSchema = Type.Union([Type.Literal('queued'), Type.Literal('delivered'), Type.Literal('expired'), Type.Literal('rejected')])

export const OutboxQuery = Type.Object({
  status: Type.Optional(OutboxStatusSchema),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: HISTORY_PAGE_MAX, default: HISTORY_PAGE_DEFAULT }))
})

export const OutboxResponse = Type.Object({
  counts: Type.Object({ queued: Type.Integer(), delivered: Type.Integer(), expired: Type.Integer(), rejected: Type.Integer() }),
  messages: Type.Array(Type.Object({
    id: Type.String(),
    to: Type.String(),
    nick: Type.Optional(Type.String()),
    data: Type.String(),
    encoding: EncodingSchema,
    status: OutboxStatusSchema,
    createdAt: Type.Number(),
    expiresAt: Type.Number(),
    attempts: Type.Integer(),
    nextAttemptAt: Type.Number(),
    deliveredAt: Type.Optional(Type.Number()),
    rttMs: Type.Optional(Type.Number()),
    lastError: Type.Optional(Type.String())
  }))
})

export const SeedMessageBody = Type.Object({
  sender: Type.String({ minLength: 1, maxLength: 64, description: 'the sender\'s name, as in the seed course project' }),
  msg: Type.String({ description: 'the message text' }),
  to: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'a peer id: send it there as a direct message' }))
}, { additionalProperties: false })
export type SeedMessageBodyType = Static<typeof SeedMessageBody>

export const SeedMessageResponse = Type.Object({
  status: Type.Union([Type.Literal('received'), Type.Literal('delivered'), Type.Literal('queued')]),
  id: Type.Optional(Type.String()),
  rttMs: Type.Optional(Type.Number())
})
