import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { FILES_INDEX_TIMEOUT_MS } from '../../files/constants.js'
import type { RouteOptions } from '../route-options.js'
import { errorResponses } from '../schemas/common.js'
import { SearchQuery, SearchResponse } from '../schemas/files.js'

/** Search the connected peers' indexes (/gossipd/index/1.0.0) by name. */
const search: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { node }) => {
  app.get('/search', {
    schema: {
      summary: 'Files whose name contains `q` on any connected peer, merged by file id',
      tags: ['files'],
      querystring: SearchQuery,
      response: { 200: SearchResponse, ...errorResponses }
    }
  }, async (req) => ({ q: req.query.q, ...(await node.files.search(req.query.q, { signal: AbortSignal.timeout(FILES_INDEX_TIMEOUT_MS) })) }))
}

export default search
