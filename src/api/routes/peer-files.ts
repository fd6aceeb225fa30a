import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { FILES_INDEX_TIMEOUT_MS } from '../../files/constants.js'
import { DialFailedError, PeerNotFoundError } from '../../errors.js'
import { dialErrorText } from '../../node/dial-error.js'
import { parsePeerId } from '../../node/peer-id.js'
import type { RouteOptions } from '../route-options.js'
import { errorResponses, PeerIdParam } from '../schemas/common.js'
import { ListQuery, PeerFilesResponse } from '../schemas/files.js'

/** Another peer's shared files, asked over /gossipd/index/1.0.0: a POST, as asking dials the peer and no GET may. */
const peerFiles: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { node }) => {
  app.post('/peers/:peerId/files', {
    schema: {
      summary: 'Ask a peer for its shared files (its index); dials it when not connected',
      tags: ['files'],
      params: PeerIdParam,
      querystring: ListQuery,
      response: { 200: PeerFilesResponse, ...errorResponses, 502: errorResponses[400] }
    }
  }, async (req) => {
    const peer = parsePeerId(req.params.peerId)
    try {
      return { peerId: peer.toString(), files: await node.files.peerFiles(peer, { q: req.query.q, signal: AbortSignal.timeout(FILES_INDEX_TIMEOUT_MS) }) }
    } catch (err) {
      // a peer nobody knows an address of is not found, not a failed gateway
      if ((err as Error).name === 'NoValidAddressesError') throw new PeerNotFoundError(peer.toString(), 'no known address')
      throw new DialFailedError(peer.toString(), dialErrorText(err))
    }
  })
}

export default peerFiles
