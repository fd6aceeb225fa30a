import { Type } from '@sinclair/typebox'

export const RootResponse = Type.Object({
  message: Type.String(),
  peerId: Type.String(),
  nick: Type.Optional(Type.String()),
  uptimeMs: Type.Number()
})

export const HealthResponse = Type.Object({ status: Type.Literal('ok'), uptimeMs: Type.Number() })

export const ReadyResponse = Type.Object({
  ready: Type.Boolean(),
  peers: Type.Integer(),
  routingTable: Type.Integer()
})

export const IdResponse = Type.Object({
  peerId: Type.String(),
  nick: Type.Optional(Type.String()),
  listen: Type.Array(Type.String()),
  announced: Type.Array(Type.String()),
  protocols: Type.Array(Type.String()),
  agentVersion: Type.String(),
  uptimeMs: Type.Number(),
  startedAt: Type.Union([Type.String(), Type.Null()]),
  reachability: Type.Union([Type.Literal('public'), Type.Literal('private'), Type.Literal('unknown')], { description: 'from dial-backs (AutoNAT): public once a peer dialed this node back, private after failed dial-backs from 2 peers' }),
  confirmedAddresses: Type.Array(Type.String(), { description: 'addresses a dial-back reached' }),
  relayAddresses: Type.Array(Type.String(), { description: '/p2p-circuit addresses through this node\'s relay reservations' }),
  relayService: Type.Object({
    mode: Type.Union([Type.Literal('auto'), Type.Literal('on'), Type.Literal('off')]),
    serving: Type.Boolean({ description: 'whether this node accepts relay reservations now' }),
    reservations: Type.Integer({ description: 'reservations other nodes hold on this relay' })
  })
})
