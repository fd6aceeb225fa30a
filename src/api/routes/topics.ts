import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Value } from '@sinclair/typebox/value'
import { InvalidRequestError } from '../../errors.js'
import { decodeBody } from '../../messaging/body.js'
import { endStreamsOnClose, serveHistory } from '../message-stream.js'
import type { RouteOptions } from '../route-options.js'
import { errorResponses } from '../schemas/common.js'
import {
  DataBody, HistoryQuery, HistoryResponse, PublishResponse, TopicInfoSchema, TopicParam, TopicPeersResponse,
  TopicsResponse, UnsubscribeResponse
} from '../schemas/messaging.js'
import { registerRawBodies } from '../raw-body.js'

/** Bytes of a publish body: raw (text/plain, application/octet-stream) or JSON `{data, encoding}`. */
export function bodyBytes (body: unknown): Uint8Array {
  if (Buffer.isBuffer(body)) return new Uint8Array(body)
  if (Value.Check(DataBody, body)) return decodeBody(body.data, body.encoding)
  const first = Value.Errors(DataBody, body).First()
  throw new InvalidRequestError(`body must be raw bytes or JSON {"data": "...", "encoding": "utf8"|"base64"}${first != null ? `: ${first.path || 'body'} ${first.message}` : ''}`)
}

/** Gossipsub topics: subscriptions, publishing, history and live streams. */
const topics: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { node, streams }) => {
  registerRawBodies(app)
  const open = endStreamsOnClose(app)

  app.get('/topics', {
    schema: { summary: 'Subscribed topics with subscriber and mesh peer counts', tags: ['topics'], response: { 200: TopicsResponse } }
  }, async () => ({ topics: node.topics.list() }))

  app.put('/topics/:topic', {
    schema: { summary: 'Subscribe to a topic (kept across restarts)', tags: ['topics'], params: TopicParam, response: { 200: TopicInfoSchema, ...errorResponses } }
  }, async (req) => node.topics.subscribe(req.params.topic))

  app.delete('/topics/:topic', {
    schema: { summary: 'Unsubscribe from a topic (its history is kept)', tags: ['topics'], params: TopicParam, response: { 200: UnsubscribeResponse, ...errorResponses } }
  }, async (req) => ({ topic: req.params.topic, unsubscribed: node.topics.unsubscribe(req.params.topic) }))

  app.get('/topics/:topic/peers', {
    schema: { summary: 'Mesh peers and known subscribers of a topic', tags: ['topics'], params: TopicParam, response: { 200: TopicPeersResponse, ...errorResponses } }
  }, async (req) => node.topics.peers(req.params.topic))

  app.post('/topics/:topic/messages', {
    schema: {
      summary: 'Publish: raw body (text/plain, application/octet-stream) or JSON {data, encoding}; 409 no-subscribers when nobody listens',
      tags: ['topics'],
      params: TopicParam,
      response: { 200: PublishResponse, ...errorResponses, 409: errorResponses[400], 422: errorResponses[400] }
    }
  }, async (req) => node.topics.publish(req.params.topic, bodyBytes(req.body)))

  app.get('/topics/:topic/messages', {
    schema: {
      summary: 'History by cursor; with Accept: text/event-stream (SSE, resume with Last-Event-ID) or application/x-ndjson, live messages',
      tags: ['topics'],
      params: TopicParam,
      querystring: HistoryQuery,
      response: { 200: HistoryResponse, ...errorResponses }
    }
  }, async (req, reply) => {
    const { topic } = req.params
    return serveHistory(req, reply, {
      channelAs: 'topic',
      page: opts => node.topics.history(topic, opts),
      lastSeq: () => node.topics.info(topic).lastSeq,
      stream: opts => node.topics.stream(topic, opts),
      open,
      slots: streams
    }, req.query)
  })
}

export default topics
