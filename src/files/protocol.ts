/**
 * `/gossipd/files/1.0.0`: a request/response protocol over one stream. The client sends a JSON request frame
 * (a manifest, one chunk by index, or which chunks the server holds), the server answers with a header frame and
 * a payload frame; the stream carries any number of requests in turn until the client closes it. See
 * docs/PROTOCOLS.md.
 */
import type { Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'
import type { CID } from 'multiformats/cid'
import { FILE_MAX_CHUNK_SIZE } from '../constants.js'
import {
  FILE_MAX_MANIFEST_BYTES, FILES_IDLE_TIMEOUT_MS, FILES_MAX_REQUEST_BYTES, FILES_MAX_UPLOAD_BACKLOG_MS
} from './constants.js'
import type { Logger } from '../logger.js'
import { Bitfield } from './bitfield.js'
import type { FilePeers } from './file-peers.js'
import type { SeedSpread } from './seed-spread.js'
import type { TokenBucket } from '../node/token-bucket.js'
import { withDeadline } from '../node/deadline.js'
import { decodeJson, encodeJson, framed, isCleanEnd, readAnswer, writeError, writeOk, type ErrorCode, type Pieces } from './wire.js'

export type FilesRequest =
  | { type: 'manifest', id: string }
  | { type: 'chunk', id: string, index: number }
  | { type: 'have', id: string }

/** Where the server finds what it serves: the store, and downloads still in progress (swarming). */
export interface ChunkSource {
  /** Manifest bytes of a file held whole or in part; undefined if unknown here. */
  manifest(id: string): Promise<Uint8Array | undefined>
  /** A chunk's bytes, 'unavailable' for a file held in part without this chunk yet, or undefined if unknown. */
  chunk(id: string, index: number): Promise<Uint8Array | 'unavailable' | undefined>
  /**
   * The chunks held of a file held whole or in part, 'unavailable' for a download that has not got the manifest
   * yet, undefined if unknown here.
   */
  have(id: string): Bitfield | 'unavailable' | undefined
  /** Chunks in the file if it is held whole here (not a download in progress), else undefined. */
  wholeChunks(id: string): number | undefined
}

export interface FilesServerComponents {
  source: ChunkSource
  upload: TokenBucket
  /** Who asked for which file lately: named to fellow downloaders in `have` answers. */
  peers: FilePeers
  /** Which chunks of whole files were sent lately: under an upload cap each goes out once before any twice. */
  spread: SeedSpread
  /** A peer asked for a file held here (whole or in part): a downloader of it, like this node may be. */
  onAsked?: (fileId: string, peer: string) => void
  log: Logger
  /** Called for every chunk served (metrics, tests). */
  onServed?: (id: string, index: number, bytes: number) => void
  /** Called for every request answered, with its type and the answer ('ok' or the error code) (metrics). */
  onAnswered?: (type: FilesRequest['type'] | 'malformed', answer: 'ok' | ErrorCode) => void
}

function parseRequest (bytes: Uint8Array): FilesRequest | string {
  let r: Partial<{ type: string, id: unknown, index: unknown }>
  try {
    r = decodeJson(bytes, 'request') as typeof r
  } catch (err) {
    return (err as Error).message
  }
  if (r == null || typeof r !== 'object' || typeof r.id !== 'string') return 'request needs a string "id"'
  if (r.type === 'manifest') return { type: 'manifest', id: r.id }
  if (r.type === 'have') return { type: 'have', id: r.id }
  if (r.type === 'chunk') {
    if (!Number.isSafeInteger(r.index) || (r.index as number) < 0) return 'chunk request needs a non-negative integer "index"'
    return { type: 'chunk', id: r.id, index: r.index as number }
  }
  return `unknown request type ${JSON.stringify(r.type)}`
}

function seen (c: FilesServerComponents, fileId: string, peer: string): void {
  c.peers.seen(fileId, peer)
  c.onAsked?.(fileId, peer)
}

type Answer =
  | { answer: 'ok', payload: Uint8Array, peers?: string[] }
  | { answer: ErrorCode, message: string }

/** What to answer one well-formed request; a chunk answered `ok` has had its share of the upload cap. */
async function answer (req: FilesRequest, remotePeer: string, c: FilesServerComponents): Promise<Answer> {
  if (req.type === 'have') {
    const bits = c.source.have(req.id)
    if (bits == null) return { answer: 'not-found', message: `no file ${req.id}` }
    if (bits === 'unavailable') return { answer: 'unavailable', message: `${req.id} is being downloaded here, its manifest not in yet` }
    seen(c, req.id, remotePeer)
    return { answer: 'ok', payload: bits.bytes, peers: c.peers.others(req.id, remotePeer) }
  }
  let found: Uint8Array | 'unavailable' | undefined
  try {
    found = req.type === 'manifest' ? await c.source.manifest(req.id) : await c.source.chunk(req.id, req.index)
  } catch (err) {
    c.log.warn({ file: req.id, err: (err as Error).message }, 'cannot read what a peer asked for')
    return { answer: 'internal', message: 'cannot read the file here' }
  }
  if (req.type === 'manifest') {
    if (found == null || found === 'unavailable') return { answer: 'not-found', message: `no file ${req.id}` }
    seen(c, req.id, remotePeer)
    return { answer: 'ok', payload: found }
  }
  if (found == null) return { answer: 'not-found', message: `no file ${req.id} or no chunk ${req.index} in it` }
  seen(c, req.id, remotePeer)
  if (found === 'unavailable') return { answer: 'unavailable', message: `chunk ${req.index} of ${req.id} is not downloaded here yet` }
  if (c.upload.backlogMs() > FILES_MAX_UPLOAD_BACKLOG_MS) return { answer: 'busy', message: 'the upload cap is taken: ask again shortly or elsewhere' }
  if (!c.upload.unlimited) {
    const chunks = c.source.wholeChunks(req.id)
    if (chunks != null && !c.spread.take(req.id, req.index, chunks)) {
      return { answer: 'unavailable', message: `chunk ${req.index} was sent to another downloader moments ago: ask the file's other downloaders, or again later` }
    }
  }
  await c.upload.take(found.byteLength)
  return { answer: 'ok', payload: found }
}

/** Serve one inbound stream from `remotePeer` until the client closes it, it idles out, or it sends garbage. */
export async function serveFiles (stream: Stream, remotePeer: string, c: FilesServerComponents): Promise<void> {
  const lp = framed(stream, FILES_MAX_REQUEST_BYTES)
  while (true) {
    let frame
    // a read per request: its timer is cleared once the frame is in, not left to fire a minute later
    // (node/deadline.ts)
    try {
      frame = await withDeadline(FILES_IDLE_TIMEOUT_MS, async signal => lp.read({ signal }))
    } catch (err) {
      if (isCleanEnd(err, stream)) break
      throw err
    }
    const req = parseRequest(frame.subarray())
    if (typeof req === 'string') {
      c.onAnswered?.('malformed', 'bad-request')
      await writeError(lp, 'bad-request', req)
      break
    }
    const a = await answer(req, remotePeer, c)
    c.onAnswered?.(req.type, a.answer)
    if (a.answer !== 'ok') {
      await writeError(lp, a.answer, a.message)
      continue
    }
    await writeOk(lp, a.payload, a.peers == null ? {} : { peers: a.peers })
    if (req.type === 'chunk') c.onServed?.(req.id, req.index, a.payload.byteLength)
  }
  await stream.close()
}

export type Dial = (signal: AbortSignal) => Promise<Stream>

/** The client end of one files-protocol stream: requests go one at a time. */
export class FilesSession {
  private constructor (private readonly stream: Stream, private readonly lp: LengthPrefixedStream<Stream>) {}

  static async open (dial: Dial, signal: AbortSignal): Promise<FilesSession> {
    const stream = await dial(signal)
    return new FilesSession(stream, framed(stream, Math.max(FILE_MAX_MANIFEST_BYTES, FILE_MAX_CHUNK_SIZE)))
  }

  get isOpen (): boolean {
    return this.stream.status === 'open' && this.stream.writeStatus === 'writable'
  }

  private async request (req: FilesRequest, signal: AbortSignal): Promise<{ payload: Pieces, peers: string[] }> {
    await this.lp.write(encodeJson(req), { signal })
    return readAnswer(this.lp, signal)
  }

  async manifest (id: CID, signal: AbortSignal): Promise<Uint8Array> {
    return (await this.request({ type: 'manifest', id: id.toString() }, signal)).payload.subarray()
  }

  async chunk (id: CID, index: number, signal: AbortSignal): Promise<Pieces> {
    return (await this.request({ type: 'chunk', id: id.toString(), index }, signal)).payload
  }

  /** Which of the file's `size` chunks the peer holds, and fellow downloaders it knows of. */
  async have (id: CID, size: number, signal: AbortSignal): Promise<{ bits: Bitfield, peers: string[] }> {
    const { payload, peers } = await this.request({ type: 'have', id: id.toString() }, signal)
    return { bits: Bitfield.decode(payload.subarray(), size), peers }
  }

  async close (): Promise<void> {
    await this.stream.close().catch(() => { this.stream.abort(new Error('close failed')) })
  }

  abort (err: Error): void {
    this.stream.abort(err)
  }
}
