import { Type, type Static } from '@sinclair/typebox'
import {
  CRAWL_DEFAULT_DEPTH, CRAWL_DEFAULT_MAX_PEERS, CRAWL_DEFAULT_TIMEOUT_MS, CRAWL_MAX_PEERS, CRAWL_MAX_TIMEOUT_MS
} from '../../crawl/constants.js'

export const SwarmQuery = Type.Object({
  depth: Type.Optional(Type.Integer({ minimum: 0, maximum: 32, default: CRAWL_DEFAULT_DEPTH, description: 'hops from this node to ask' })),
  maxPeers: Type.Optional(Type.Integer({ minimum: 1, maximum: CRAWL_MAX_PEERS, default: CRAWL_DEFAULT_MAX_PEERS, description: 'nodes to ask, this one included' })),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: CRAWL_MAX_TIMEOUT_MS, default: CRAWL_DEFAULT_TIMEOUT_MS, description: 'time budget of the whole crawl' }))
}, { additionalProperties: false })
export type SwarmQueryType = Static<typeof SwarmQuery>

export const SwarmNodeSchema = Type.Object({
  id: Type.String(),
  nick: Type.Optional(Type.String()),
  agentVersion: Type.Optional(Type.String()),
  uptimeMs: Type.Optional(Type.Number()),
  addrs: Type.Array(Type.String()),
  depth: Type.Integer({ description: 'hops from this node along the shortest path found' }),
  reached: Type.Boolean({ description: 'the node answered the crawl' }),
  reason: Type.Optional(Type.String({ description: 'why an unreached node was not asked or did not answer' })),
  queryMs: Type.Optional(Type.Number({ description: 'round trip of the query, dial included' })),
  topics: Type.Array(Type.String(), { description: 'gossipsub topics the node subscribes to' }),
  degree: Type.Integer({ description: 'links in the graph' })
})

export const SwarmEdgeSchema = Type.Object({
  source: Type.String(),
  target: Type.String(),
  latencyMs: Type.Union([Type.Number(), Type.Null()], { description: 'ping round trip measured by the ends, null until measured' }),
  mesh: Type.Array(Type.String(), { description: 'topics in whose gossipsub mesh this link is' })
})

export const SwarmResponse = Type.Object({
  origin: Type.String({ description: 'the peer id of the node that crawled' }),
  startedAt: Type.String({ format: 'date-time' }),
  durationMs: Type.Number(),
  complete: Type.Boolean({ description: 'every node found answered; no limit cut the crawl short' }),
  stoppedBy: Type.Array(Type.Union([Type.Literal('depth'), Type.Literal('maxPeers'), Type.Literal('timeout')])),
  limits: Type.Object({ depth: Type.Integer(), maxPeers: Type.Integer(), timeoutMs: Type.Integer() }),
  topics: Type.Array(Type.String()),
  nodes: Type.Array(SwarmNodeSchema),
  edges: Type.Array(SwarmEdgeSchema)
})
