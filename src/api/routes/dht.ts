import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { FIND_PEER_TIMEOUT_MS } from '../constants.js'
import { parsePeerId } from '../../node/peer-id.js'
import type { RouteOptions } from '../route-options.js'
import { errorResponses, PeerIdParam } from '../schemas/common.js'
import { FindPeerResponse, RoutingTableResponse } from '../schemas/dht.js'

/** The Kademlia DHT: routing table and peer lookups (a POST: a lookup dials peers, and no GET may). */
const dht: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { node }) => {
  app.get('/dht/routing-table', {
    schema: { summary: 'Routing table size and its non-empty k-buckets', tags: ['dht'], response: { 200: RoutingTableResponse } }
  }, async () => node.dht.routingTable())

  app.post('/dht/peers/:peerId', {
    schema: {
      summary: 'Find a peer\'s addresses through the DHT (dials the peers it asks)',
      tags: ['dht'],
      params: PeerIdParam,
      querystring: Type.Object({
        timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 120_000, default: FIND_PEER_TIMEOUT_MS })),
        cache: Type.Optional(Type.Boolean({ default: false, description: 'answer from the local peer store when it knows the peer, instead of asking the network' }))
      }),
      response: { 200: FindPeerResponse, ...errorResponses }
    }
  }, async (req) => {
    const peer = parsePeerId(req.params.peerId)
    return node.dht.findPeer(peer, { signal: AbortSignal.timeout(req.query.timeoutMs ?? FIND_PEER_TIMEOUT_MS), useCache: req.query.cache ?? false })
  })
}

export default dht
