import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { RouteOptions } from '../route-options.js'
import { errorResponses, PeerIdParam } from '../schemas/common.js'
import { ConnectBody, ConnectResponse, PeersResponse } from '../schemas/peers.js'

/** The peer table: list, connect, disconnect. */
const peers: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { node }) => {
  app.get('/peers', {
    schema: { summary: 'Connected peers with address, direction, latency, protocols and age', tags: ['peers'], response: { 200: PeersResponse } }
  }, async () => ({ peers: await node.peers.list() }))

  app.post('/peers', {
    schema: {
      summary: 'Connect to a peer by multiaddr',
      tags: ['peers'],
      body: ConnectBody,
      response: { 200: ConnectResponse, ...errorResponses, 502: errorResponses[400] }
    }
  }, async (req) => node.peers.connect(req.body.multiaddr))

  app.delete('/peers/:peerId', {
    schema: {
      summary: 'Disconnect a peer',
      tags: ['peers'],
      params: PeerIdParam,
      response: { 200: Type.Object({ disconnected: Type.String() }), ...errorResponses }
    }
  }, async (req) => {
    await node.peers.disconnect(req.params.peerId)
    return { disconnected: req.params.peerId }
  })
}

export default peers
