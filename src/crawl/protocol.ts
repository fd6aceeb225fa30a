/**
 * `/gossipd/peers/1.0.0` on one stream: the asker writes one length-prefixed JSON request, the answering node
 * writes one length-prefixed JSON report and both close. See docs/PROTOCOLS.md, "Peers".
 */
import type { Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { PEERS_MAX_REPORT_BYTES, PEERS_MAX_REQUEST_BYTES } from './constants.js'
import { decodeReport, decodeRequest, encodeJson, type PeerReport, type PeersRequest } from './report.js'

export interface ServeOptions {
  signal: AbortSignal
  /** Builds this node's report; told what the asker requested. */
  report(request: PeersRequest): Promise<PeerReport>
}

/** Answer one inbound request. Throws (and the caller aborts the stream) on a malformed or oversized request. */
export async function servePeersRequest (stream: Stream, options: ServeOptions): Promise<PeersRequest> {
  const lp = lpStream(stream, { maxDataLength: PEERS_MAX_REQUEST_BYTES })
  const request = decodeRequest((await lp.read({ signal: options.signal })).subarray())
  const report = await options.report(request)
  await lp.write(encodeJson(report), { signal: options.signal })
  await stream.close({ signal: options.signal })
  return request
}

/** Ask the node at the other end of a fresh stream for its report. */
export async function askPeers (stream: Stream, request: PeersRequest, options: { signal: AbortSignal }): Promise<PeerReport> {
  const lp = lpStream(stream, { maxDataLength: PEERS_MAX_REPORT_BYTES })
  await lp.write(encodeJson(request), { signal: options.signal })
  const report = decodeReport((await lp.read({ signal: options.signal })).subarray())
  await stream.close({ signal: options.signal }).catch(() => { stream.abort(new Error('close failed')) })
  return report
}
