/**
 * Shared framing of the files and index protocols: varint length-prefixed frames, a JSON request, a JSON
 * response header and, for successful answers, one binary payload frame. Documented in docs/PROTOCOLS.md.
 */
import type { Stream } from '@libp2p/interface'
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import { FileTransferError, isError } from '../errors.js'

export type ErrorCode = 'not-found' | 'unavailable' | 'busy' | 'bad-request' | 'internal'

export type ResponseHeader =
  | { status: 'ok', length: number, peers?: string[] }
  | { status: 'error', code: ErrorCode, message: string }

/** The peer answered a request with an error header; `answer` is its code (e.g. 'unavailable'). */
export class PeerAnsweredError extends FileTransferError {
  static override name = 'PeerAnsweredError'
  constructor (readonly answer: string, message: string) {
    super(`peer answered ${answer}: ${message}`)
  }
}

/** Whether `err` is a peer's error answer (matched by name, as every gossipd error is). */
export const isPeerAnswer = (err: unknown): err is PeerAnsweredError => isError(err, PeerAnsweredError.name)

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export function encodeJson (value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value))
}

export function decodeJson (bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(decoder.decode(bytes))
  } catch (err) {
    throw new FileTransferError(`${what} is not JSON: ${(err as Error).message}`)
  }
}

/** A length-prefixed stream whose frames may be up to `maxFrame` bytes. */
export function framed (stream: Stream, maxFrame: number): LengthPrefixedStream<Stream> {
  return lpStream(stream, { maxDataLength: maxFrame, maxBufferSize: maxFrame + 1024 })
}

/** True when a read failed only because the remote closed its end between frames. */
export function isCleanEnd (err: unknown, stream: Stream): boolean {
  return (err as Error).name === 'UnexpectedEOFError' && stream.remoteWriteStatus !== 'writable' && stream.readBufferLength === 0
}

export async function writeOk (lp: LengthPrefixedStream<Stream>, payload: Uint8Array, extra: { peers?: string[] } = {}, signal?: AbortSignal): Promise<void> {
  await lp.writeV([encodeJson({ status: 'ok', length: payload.byteLength, ...extra } satisfies ResponseHeader), payload], { signal })
}

export async function writeError (lp: LengthPrefixedStream<Stream>, code: ErrorCode, message: string, signal?: AbortSignal): Promise<void> {
  await lp.write(encodeJson({ status: 'error', code, message } satisfies ResponseHeader), { signal })
}

/** Received bytes as the pieces they arrived in: hashed and written piece by piece, never copied into one buffer. */
export interface Pieces extends Iterable<Uint8Array> {
  readonly byteLength: number
  subarray(): Uint8Array
}

/** Read one response: the header, then the payload if it is a success. Error answers throw FileTransferError. */
export async function readResponse (lp: LengthPrefixedStream<Stream>, signal: AbortSignal): Promise<Pieces> {
  return (await readAnswer(lp, signal)).payload
}

/** Peer ids an `ok` header names (the `have` answer's fellow downloaders); anything malformed is dropped. */
function peerList (value: unknown): string[] {
  if (!Array.isArray(value)) return []
  return value.filter((p): p is string => typeof p === 'string' && p.length > 0 && p.length <= 128).slice(0, 64)
}

/** Like readResponse, with what else the `ok` header carried. */
export async function readAnswer (lp: LengthPrefixedStream<Stream>, signal: AbortSignal): Promise<{ payload: Pieces, peers: string[] }> {
  const header = decodeJson((await lp.read({ signal })).subarray(), 'response header') as Partial<ResponseHeader> | null
  if (header?.status === 'error') {
    throw new PeerAnsweredError(String(header.code), String(header.message))
  }
  if (header?.status !== 'ok' || !Number.isSafeInteger(header.length)) {
    throw new FileTransferError('malformed response header')
  }
  const payload = await lp.read({ signal })
  if (payload.byteLength !== header.length) throw new FileTransferError(`payload of ${payload.byteLength} bytes, header said ${header.length}`)
  return { payload, peers: peerList(header.peers) }
}
