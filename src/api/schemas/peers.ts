import { Type, type Static } from '@sinclair/typebox'

export const PeerEntrySchema = Type.Object({
  id: Type.String(),
  remoteAddr: Type.String(),
  direction: Type.Union([Type.Literal('inbound'), Type.Literal('outbound')]),
  latencyMs: Type.Union([Type.Number(), Type.Null()], { description: 'last ping round trip; null until the first ping' }),
  protocols: Type.Array(Type.String()),
  connectedAt: Type.String({ format: 'date-time' }),
  ageMs: Type.Number(),
  connections: Type.Integer(),
  score: Type.Number({ description: 'this node\'s gossipsub score of the peer: below 0 it has misbehaved (or speaks another message id)' }),
  links: Type.Array(Type.Object({
    remoteAddr: Type.String(),
    direction: Type.Union([Type.Literal('inbound'), Type.Literal('outbound')]),
    relayed: Type.Boolean({ description: 'a limited connection through a circuit relay' }),
    origin: Type.Union([Type.Literal('dialed'), Type.Literal('accepted'), Type.Literal('hole-punched')])
  }), { description: 'each open connection to the peer' })
})

export const PeersResponse = Type.Object({ peers: Type.Array(PeerEntrySchema) })

export const ConnectBody = Type.Object({
  multiaddr: Type.String({ minLength: 1, maxLength: 1024, description: 'where to dial; /p2p/<id> optional' })
}, { additionalProperties: false })
export type ConnectBodyType = Static<typeof ConnectBody>

export const ConnectResponse = Type.Object({ id: Type.String(), remoteAddr: Type.String() })
