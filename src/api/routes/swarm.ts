import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { RouteOptions } from '../route-options.js'
import { errorResponses } from '../schemas/common.js'
import { SwarmQuery, SwarmResponse } from '../schemas/swarm.js'

/**
 * The swarm graph from a bounded crawl over `/gossipd/peers/1.0.0`. A crawl dials peers, so it is a POST: a GET
 * any web page can fire (an `<img>`) must not make the node dial.
 */
const swarm: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { node }) => {
  app.post('/swarm', {
    schema: {
      summary: 'Crawl the swarm from this node (bounded by depth, nodes and time): nodes and links',
      tags: ['swarm'],
      querystring: SwarmQuery,
      response: { 200: SwarmResponse, ...errorResponses }
    }
  }, async (req) => node.swarm.crawl(req.query))
}

export default swarm
