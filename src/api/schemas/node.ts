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
  startedAt: Type.Union([Type.String(), Type.Null()])
})
