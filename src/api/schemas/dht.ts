import { Type } from '@sinclair/typebox'

export const RoutingTableResponse = Type.Object({
  size: Type.Integer(),
  buckets: Type.Array(Type.Object({
    prefix: Type.String({ description: 'the bucket\'s position in the Kademlia trie' }),
    depth: Type.Integer(),
    peers: Type.Array(Type.Object({ id: Type.String(), lastPing: Type.Number() }))
  }))
})

export const FindPeerResponse = Type.Object({
  id: Type.String(),
  multiaddrs: Type.Array(Type.String()),
  ms: Type.Number({ description: 'how long the lookup took' })
})
