/**
 * What one node says about itself on `/gossipd/peers/1.0.0`: identity, topics with their gossipsub mesh, and its
 * open connections. The schema is the wire format (JSON), so an answer from another peer is checked against it
 * before anything reads it.
 */
import { Type, type Static } from '@sinclair/typebox'
import { PEERS_MAX_REPORTED_CONNECTIONS, PEERS_MAX_REPORTED_TOPICS } from './constants.js'
import { GossipdError } from '../errors.js'
import { decodeJsonFrame, encodeJsonFrame } from '../json-frame.js'

/** Wire bounds of single fields; a node trims its own report to them (local-report.ts). */
export const REPORT_LIMITS = { addrs: 16, addrLength: 512, topicLength: 1024, nickLength: 64 } as const

const PeerIdString = Type.String({ minLength: 1, maxLength: 128 })
const Addrs = Type.Array(Type.String({ maxLength: REPORT_LIMITS.addrLength }), { maxItems: REPORT_LIMITS.addrs })

export const ConnectionReportSchema = Type.Object({
  peerId: PeerIdString,
  /** Where the reporting node knows the peer listens (its identify answer), so a crawler can dial it. */
  addrs: Addrs,
  direction: Type.Union([Type.Literal('inbound'), Type.Literal('outbound')]),
  /** The reporting node's last ping round trip to that peer, in ms. */
  latencyMs: Type.Union([Type.Number({ minimum: 0 }), Type.Null()])
})

export const TopicReportSchema = Type.Object({
  topic: Type.String({ maxLength: REPORT_LIMITS.topicLength }),
  /** Peer ids in this node's gossipsub mesh for the topic. */
  mesh: Type.Array(PeerIdString, { maxItems: PEERS_MAX_REPORTED_CONNECTIONS })
})

export const PeerReportSchema = Type.Object({
  peerId: PeerIdString,
  nick: Type.Optional(Type.String({ maxLength: REPORT_LIMITS.nickLength })),
  agentVersion: Type.String({ maxLength: 256 }),
  uptimeMs: Type.Number({ minimum: 0 }),
  addrs: Addrs,
  topics: Type.Array(TopicReportSchema, { maxItems: PEERS_MAX_REPORTED_TOPICS }),
  connections: Type.Array(ConnectionReportSchema, { maxItems: PEERS_MAX_REPORTED_CONNECTIONS })
})

export type ConnectionReport = Static<typeof ConnectionReportSchema>
export type TopicReport = Static<typeof TopicReportSchema>
export type PeerReport = Static<typeof PeerReportSchema>

/** The request frame. Unknown fields are ignored, so later versions can add options. */
export const PeersRequestSchema = Type.Object({
  /**
   * The asker opened the connection only for this query and closes it right after: the answering node should
   * not take the disconnect for the asker going away.
   */
  transient: Type.Optional(Type.Boolean())
})

export type PeersRequest = Static<typeof PeersRequestSchema>

export class InvalidReportError extends GossipdError {
  static override name = 'InvalidReportError'
  readonly code = 'invalid-report'
}

const invalid = (message: string): Error => new InvalidReportError(message)

export function decodeReport (bytes: Uint8Array): PeerReport {
  return decodeJsonFrame<PeerReport>(PeerReportSchema, bytes, 'peers report', invalid)
}

export function decodeRequest (bytes: Uint8Array): PeersRequest {
  return decodeJsonFrame<PeersRequest>(PeersRequestSchema, bytes, 'peers request', invalid)
}

export function encodeJson (value: PeerReport | PeersRequest): Uint8Array {
  return encodeJsonFrame(value)
}
