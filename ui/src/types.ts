/**
 * Shapes of the API's answers. Where a route's schema exists in src/api/schemas the type comes from it (type
 * imports only: nothing of the server is bundled).
 */
import type { Static } from '@sinclair/typebox'
import type { RoutingTableResponse } from '../../src/api/schemas/dht.js'
import type { IdResponse } from '../../src/api/schemas/node.js'
import type { PeersResponse } from '../../src/api/schemas/peers.js'
import type { SwarmEdgeSchema, SwarmNodeSchema, SwarmResponse } from '../../src/api/schemas/swarm.js'

export type SwarmGraph = Static<typeof SwarmResponse>
export type SwarmNode = Static<typeof SwarmNodeSchema>
export type SwarmEdge = Static<typeof SwarmEdgeSchema>
export type NodeId = Static<typeof IdResponse>
export type Peers = Static<typeof PeersResponse>
export type RoutingTable = Static<typeof RoutingTableResponse>

// The messaging and file routes are written against their issues' shapes (GET /topics, history, SSE events,
// POST /direct, GET /files, GET /downloads); fields a panel does not use are left out.

export interface Topics { topics: Array<{ topic: string, subscribers: number, meshPeers: number, messages?: number, lastSeq?: number }> }

export interface Message {
  seq: number
  id: string
  topic?: string
  from: string
  nick?: string
  data: string
  encoding: 'utf8' | 'base64'
  receivedAt: number
}

export interface History { messages: Message[], next: number, lastSeq: number }

export interface Published { id: string, seq?: number, recipients: number }

export interface DirectResult { id: string, to: string, status: 'delivered' | 'queued', rttMs?: number, error?: string }

/** `GET /files` entries and `POST /files` answers. */
export interface FileEntry { id: string, name: string, size: number, chunks?: number }

/** `GET /downloads` entries. */
export interface Download {
  id: string
  fileId: string
  state: 'pending' | 'running' | 'completed' | 'failed' | 'cancelled'
  name: string | null
  size: number | null
  chunks: number | null
  chunksDone: number
  bytesDone: number
  rate: number
  providers: Array<{ peerId: string }>
  error: string | null
}
