/**
 * Streams bytes into a file while hashing them: one SHA-256 per chunk and one for the whole file. Memory use is
 * one chunk's hash state, whatever the file size.
 */
import { createHash, type Hash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { FileTooLargeError } from '../errors.js'

export interface IngestResult {
  size: number
  hash: string
  chunks: string[]
}

export interface IngestOptions {
  chunkSize: number
  maxSize: number
  signal?: AbortSignal
}

export async function ingest (source: AsyncIterable<Uint8Array>, path: string, opts: IngestOptions): Promise<IngestResult> {
  const fh = await open(path, 'w', 0o600)
  const whole = createHash('sha256')
  const chunks: string[] = []
  let chunk: Hash = createHash('sha256')
  let inChunk = 0
  let size = 0
  try {
    for await (const data of source) {
      opts.signal?.throwIfAborted()
      size += data.byteLength
      if (size > opts.maxSize) throw new FileTooLargeError(opts.maxSize)
      whole.update(data)
      let off = 0
      while (off < data.byteLength) {
        const take = Math.min(opts.chunkSize - inChunk, data.byteLength - off)
        chunk.update(data.subarray(off, off + take))
        inChunk += take
        off += take
        if (inChunk === opts.chunkSize) {
          chunks.push(chunk.digest('hex'))
          chunk = createHash('sha256')
          inChunk = 0
        }
      }
      await fh.write(data)
    }
    if (inChunk > 0) chunks.push(chunk.digest('hex'))
    await fh.sync()
  } finally {
    await fh.close()
  }
  return { size, hash: whole.digest('hex'), chunks }
}
