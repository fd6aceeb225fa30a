import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { RouteOptions } from '../route-options.js'
import { HealthResponse, IdResponse, ReadyResponse, RootResponse } from '../schemas/node.js'

/** The node itself: the seed course project's `GET /`, health, readiness and identity. */
const root: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { node }) => {
  app.get('/', {
    schema: { summary: 'Is the node running?', tags: ['node'], response: { 200: RootResponse } }
  }, async () => ({
    message: `Node ${node.peerId.toString()} is running!`,
    peerId: node.peerId.toString(),
    ...(node.config.nick != null ? { nick: node.config.nick } : {}),
    uptimeMs: node.uptimeMs()
  }))

  app.get('/health', {
    schema: { summary: 'Liveness: the process answers (no token needed)', tags: ['node'], response: { 200: HealthResponse } }
  }, async () => ({ status: 'ok' as const, uptimeMs: node.uptimeMs() }))

  app.get('/ready', {
    schema: { summary: 'Readiness: started and connected to at least one peer (503 otherwise)', tags: ['node'], response: { 200: ReadyResponse, 503: ReadyResponse } }
  }, async (_req, reply) => {
    const peers = node.peers.count()
    const ready = node.isStarted && peers > 0
    return reply.code(ready ? 200 : 503).send({ ready, peers, routingTable: node.dht.size })
  })

  app.get('/id', {
    schema: { summary: 'Peer id, addresses, protocols, agent version, uptime', tags: ['node'], response: { 200: IdResponse } }
  }, async () => node.info())
}

export default root
