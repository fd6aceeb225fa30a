/**
 * Shapes of the API's answers, each derived from its route's schema in src/api/schemas (type imports only:
 * nothing of the server is bundled), so a change to a route's answer shows here as a type error.
 */
import type { Static } from '@sinclair/typebox'
import type { RoutingTableResponse } from '../../src/api/schemas/dht.js'
import type { DownloadStatusSchema, DownloadsResponse, FileEntrySchema, FilesResponse } from '../../src/api/schemas/files.js'
import type { DeliveredResponse, HistoryResponse, MessageSchema, PublishResponse, QueuedResponse, TopicsResponse } from '../../src/api/schemas/messaging.js'
import type { IdResponse } from '../../src/api/schemas/node.js'
import type { PeersResponse } from '../../src/api/schemas/peers.js'
import type { SwarmEdgeSchema, SwarmNodeSchema, SwarmResponse } from '../../src/api/schemas/swarm.js'

export type SwarmGraph = Static<typeof SwarmResponse>
export type SwarmNode = Static<typeof SwarmNodeSchema>
export type SwarmEdge = Static<typeof SwarmEdgeSchema>
export type NodeId = Static<typeof IdResponse>
export type Peers = Static<typeof PeersResponse>
export type RoutingTable = Static<typeof RoutingTableResponse>

/** `GET /topics`. */
export type Topics = Static<typeof TopicsResponse>
/** A topic or direct message, in history pages and live events. */
export type Message = Static<typeof MessageSchema>
/** `GET /topics/{topic}/messages` and `GET /direct/inbox` pages. */
export type History = Static<typeof HistoryResponse>
/** `POST /topics/{topic}/messages`. */
export type Published = Static<typeof PublishResponse>
/** `POST /direct`: 200 once acked, 202 when queued in the outbox. */
export type DirectResult = Static<typeof DeliveredResponse> | Static<typeof QueuedResponse>

/** `GET /files` entries and `POST /files` answers. */
export type FileEntry = Static<typeof FileEntrySchema>
/** `GET /files`. */
export type Files = Static<typeof FilesResponse>
/** A download job: `GET /downloads` entries, `POST /files/{id}/download` answers. */
export type Download = Static<typeof DownloadStatusSchema>
/** `GET /downloads`. */
export type Downloads = Static<typeof DownloadsResponse>
