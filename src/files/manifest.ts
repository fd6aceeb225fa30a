/**
 * The manifest describes a file: its name, size, chunk size, the SHA-256 of every chunk and of the whole file.
 * Its canonical JSON bytes hash to the file id, a CIDv1 (json codec, sha2-256), which is also the key of the
 * file's DHT provider records. A manifest fetched from a peer is trusted only if it hashes to the id asked for.
 */
import { CID } from 'multiformats/cid'
import * as json from 'multiformats/codecs/json'
import { sha256 } from 'multiformats/hashes/sha2'
import { FILE_MAX_CHUNK_SIZE, FILE_MIN_CHUNK_SIZE } from '../constants.js'
import { FILE_MAX_MANIFEST_BYTES } from './constants.js'
import { FileTransferError, InvalidFileIdError } from '../errors.js'
import { checkFileName } from './names.js'

export const MANIFEST_VERSION = 1

export interface Manifest {
  version: typeof MANIFEST_VERSION
  name: string
  size: number
  chunkSize: number
  /** SHA-256 of the whole file, hex. */
  hash: string
  /** SHA-256 of each chunk in order, hex; the last chunk may be short, an empty file has none. */
  chunks: string[]
}

const HEX64 = /^[0-9a-f]{64}$/

export function chunkCount (size: number, chunkSize: number): number {
  return Math.ceil(size / chunkSize)
}

/** Byte length of chunk `index` of a file. */
export function chunkLength (m: Pick<Manifest, 'size' | 'chunkSize'>, index: number): number {
  return Math.min(m.chunkSize, m.size - index * m.chunkSize)
}

/** Canonical bytes: fixed key order, no whitespace, so every node derives the same id. */
export function encodeManifest (m: Manifest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({
    version: m.version, name: m.name, size: m.size, chunkSize: m.chunkSize, hash: m.hash, chunks: m.chunks
  }))
}

export async function manifestId (bytes: Uint8Array): Promise<CID> {
  return CID.createV1(json.code, await sha256.digest(bytes))
}

export function parseFileId (value: string): CID {
  try {
    const cid = CID.parse(value)
    if (cid.version !== 1 || cid.code !== json.code || cid.multihash.code !== sha256.code) throw new Error('not a manifest CID')
    return cid
  } catch {
    throw new InvalidFileIdError(value)
  }
}

/** Parse and check a manifest; when `id` is given the bytes must hash to it. */
export async function decodeManifest (bytes: Uint8Array, id?: CID): Promise<Manifest> {
  if (bytes.byteLength > FILE_MAX_MANIFEST_BYTES) throw new FileTransferError(`manifest of ${bytes.byteLength} bytes exceeds ${FILE_MAX_MANIFEST_BYTES}`)
  if (id != null && !(await manifestId(bytes)).equals(id)) throw new FileTransferError(`manifest does not hash to ${String(id)}`)
  let raw: unknown
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (err) {
    throw new FileTransferError(`manifest is not JSON: ${(err as Error).message}`)
  }
  const m = raw as Partial<Manifest>
  const bad = (why: string): never => { throw new FileTransferError(`invalid manifest: ${why}`) }
  if (m == null || typeof m !== 'object') bad('not an object')
  if (m.version !== MANIFEST_VERSION) bad(`unsupported version ${String(m.version)}`)
  if (typeof m.name !== 'string') bad('name is not a string')
  try {
    if (checkFileName(m.name as string) !== m.name) bad('name is not NFC')
  } catch (err) {
    bad((err as Error).message)
  }
  if (!Number.isSafeInteger(m.size) || (m.size as number) < 0) bad('size is not a non-negative integer')
  if (!Number.isSafeInteger(m.chunkSize) || (m.chunkSize as number) < FILE_MIN_CHUNK_SIZE || (m.chunkSize as number) > FILE_MAX_CHUNK_SIZE) bad('chunkSize out of range')
  if (typeof m.hash !== 'string' || !HEX64.test(m.hash)) bad('hash is not a SHA-256 hex string')
  if (!Array.isArray(m.chunks) || m.chunks.length !== chunkCount(m.size as number, m.chunkSize as number)) bad('chunk list does not match the size')
  if (!(m.chunks as unknown[]).every(h => typeof h === 'string' && HEX64.test(h))) bad('a chunk hash is not a SHA-256 hex string')
  return m as Manifest
}
