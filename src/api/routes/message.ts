import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { RouteOptions } from '../route-options.js'
import { errorResponses } from '../schemas/common.js'
import { SeedMessageBody, SeedMessageResponse } from '../schemas/messaging.js'

/**
 * The seed course project's `POST /message {"sender", "msg"}`: logged as received. With `"to": "<peerId>"` the
 * text goes there as a direct message (the sender's name as its nick), and the receiving node logs it.
 */
const message: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { node }) => {
  app.post('/message', {
    schema: {
      summary: 'Seed-compatible message: logged here, or sent as a direct message with "to"',
      tags: ['direct'],
      body: SeedMessageBody,
      response: { 200: SeedMessageResponse, 202: SeedMessageResponse, ...errorResponses }
    }
  }, async (req, reply) => {
    const { sender, msg, to } = req.body
    if (to == null) {
      node.log.info({ sender }, `Received message from ${sender}: ${msg}`)
      return { status: 'received' as const }
    }
    const result = await node.direct.send(to, new TextEncoder().encode(msg), { nick: sender })
    if (result.status === 'delivered') return { status: 'delivered' as const, id: result.id, rttMs: result.rttMs }
    return reply.code(202).send({ status: 'queued' as const, id: result.id })
  })
}

export default message
