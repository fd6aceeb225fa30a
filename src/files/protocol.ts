/**
 * `/gossipd/files/1.0.0`: a request/response protocol over one stream. The client sends a JSON request frame
 * (a manifest, or one chunk by index), the server answers with a header frame and a payload frame; the stream
 * carries any number of requests in turn until the client closes it. See docs/PROTOCOLS.md.
 */
import type { Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'
import type { CID } from 'multiformats/cid'
import { FILE_MAX_CHUNK_SIZE, FILE_MAX_MANIFEST_BYTES, FILES_IDLE_TIMEOUT_MS, FILES_MAX_REQUEST_BYTES } from '../constants.js'
import type { Logger } from '../logger.js'
import type { TokenBucket } from './token-bucket.js'
import { decodeJson, encodeJson, framed, isCleanEnd, readResponse, writeError, writeOk, type Pieces } from './wire.js'

export type FilesRequest =
  | { type: 'manifest', id: string }
  | { type: 'chunk', id: string, index: number }

/** Where the server finds what it serves: the store, and downloads still in progress (swarming). */
export interface ChunkSource {
  /** Manifest bytes of a file held whole or in part; undefined if unknown here. */
  manifest(id: string): Promise<Uint8Array | undefined>
  /** A chunk's bytes, 'unavailable' for a file held in part without this chunk yet, or undefined if unknown. */
  chunk(id: string, index: number): Promise<Uint8Array | 'unavailable' | undefined>
}

export interface FilesServerComponents {
  source: ChunkSource
  upload: TokenBucket
  log: Logger
  /** Called for every chunk served (metrics, tests). */
  onServed?: (id: string, index: number, bytes: number) => void
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
  if (r.type === 'chunk') {
    if (!Number.isSafeInteger(r.index) || (r.index as number) < 0) return 'chunk request needs a non-negative integer "index"'
    return { type: 'chunk', id: r.id, index: r.index as number }
  }
  return `unknown request type ${JSON.stringify(r.type)}`
}

/** Serve one inbound stream until the client closes it, it idles out, or it sends garbage. */
export async function serveFiles (stream: Stream, c: FilesServerComponents): Promise<void> {
  const lp = framed(stream, FILES_MAX_REQUEST_BYTES)
  while (true) {
    let frame
    try {
      frame = await lp.read({ signal: AbortSignal.timeout(FILES_IDLE_TIMEOUT_MS) })
    } catch (err) {
      if (isCleanEnd(err, stream)) break
      throw err
    }
    const req = parseRequest(frame.subarray())
    if (typeof req === 'string') {
      await writeError(lp, 'bad-request', req)
      break
    }
    let answer: Uint8Array | 'unavailable' | undefined
    try {
      answer = req.type === 'manifest' ? await c.source.manifest(req.id) : await c.source.chunk(req.id, req.index)
    } catch (err) {
      c.log.warn({ file: req.id, err: (err as Error).message }, 'cannot read what a peer asked for')
      await writeError(lp, 'internal', 'cannot read the file here')
      continue
    }
    if (req.type === 'manifest') {
      if (answer == null || answer === 'unavailable') await writeError(lp, 'not-found', `no file ${req.id}`)
      else await writeOk(lp, answer)
      continue
    }
    const chunk = answer
    if (chunk == null) {
      await writeError(lp, 'not-found', `no file ${req.id} or no chunk ${req.index} in it`)
      continue
    }
    if (chunk === 'unavailable') {
      await writeError(lp, 'unavailable', `chunk ${req.index} of ${req.id} is not downloaded here yet`)
      continue
    }
    await c.upload.take(chunk.byteLength)
    await writeOk(lp, chunk)
    c.onServed?.(req.id, req.index, chunk.byteLength)
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

  private async request (req: FilesRequest, signal: AbortSignal): Promise<Pieces> {
    await this.lp.write(encodeJson(req), { signal })
    return readResponse(this.lp, signal)
  }

  async manifest (id: CID, signal: AbortSignal): Promise<Uint8Array> {
    return (await this.request({ type: 'manifest', id: id.toString() }, signal)).subarray()
  }

  async chunk (id: CID, index: number, signal: AbortSignal): Promise<Pieces> {
    return this.request({ type: 'chunk', id: id.toString(), index }, signal)
  }

  async close (): Promise<void> {
    await this.stream.close().catch(() => { this.stream.abort(new Error('close failed')) })
  }

  abort (err: Error): void {
    this.stream.abort(err)
  }
}
