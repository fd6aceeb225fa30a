import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { decodeBody, encodeBody } from '../../messaging/body.js'
import { endStreamsOnClose, serveHistory } from '../message-stream.js'
import type { RouteOptions } from '../route-options.js'
import { errorResponses } from '../schemas/common.js'
import {
  DeliveredResponse, DirectBody, HistoryQuery, HistoryResponse, OutboxQuery, OutboxResponse, QueuedResponse
} from '../schemas/messaging.js'

/** Direct messages: send (acknowledged, or queued in the outbox), inbox, outbox. */
const direct: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { node, streams }) => {
  const open = endStreamsOnClose(app)
  app.post('/direct', {
    schema: {
      summary: 'Send a direct message: 200 delivered (acked) or 202 queued in the outbox for retries',
      tags: ['direct'],
      body: DirectBody,
      response: { 200: DeliveredResponse, 202: QueuedResponse, ...errorResponses }
    }
  }, async (req, reply) => {
    const { to, data, encoding, nick } = req.body
    const result = await node.direct.send(to, decodeBody(data, encoding), { nick: nick ?? node.config.nick })
    return reply.code(result.status === 'delivered' ? 200 : 202).send(result)
  })

  app.get('/direct/inbox', {
    schema: {
      summary: 'Received direct messages by cursor; with Accept: text/event-stream or application/x-ndjson, live',
      tags: ['direct'],
      querystring: HistoryQuery,
      response: { 200: HistoryResponse, ...errorResponses }
    }
  }, async (req, reply) => serveHistory(req, reply, {
    page: opts => node.direct.inbox(opts),
    lastSeq: () => node.direct.inboxStats().lastSeq,
    stream: opts => node.direct.stream(opts),
    open,
    slots: streams
  }, req.query))

  app.get('/direct/outbox', {
    schema: {
      summary: 'Sent direct messages, newest first: queued, delivered, expired or rejected',
      tags: ['direct'],
      querystring: OutboxQuery,
      response: { 200: OutboxResponse, ...errorResponses }
    }
  }, async (req) => ({
    counts: node.direct.outboxCounts(),
    messages: node.direct.outboxEntries({ status: req.query.status, limit: req.query.limit ?? 100 }).map(({ data, ...e }) => ({ ...e, ...encodeBody(data) }))
  }))
}

export default direct
