import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { RouteOptions } from '../route-options.js'

/** Prometheus text exposition of the node's metrics. */
const metrics: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { node }) => {
  app.get('/metrics', {
    schema: { summary: 'Prometheus metrics', tags: ['node'], produces: ['text/plain'] }
  }, async (_req, reply) => {
    const { registry } = node.metrics
    return reply.type(registry.contentType).send(await registry.metrics())
  })
}

export default metrics
