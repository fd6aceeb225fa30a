/**
 * A download's partial file: chunks written at their offsets as they arrive, read back for fellow downloaders,
 * and checked whole against the manifest before the file enters the store.
 */
import { createHash } from 'node:crypto'
import { open, type FileHandle } from 'node:fs/promises'
import { FileTransferError } from '../errors.js'
import { chunkLength, type Manifest } from './manifest.js'
import type { Pieces } from './wire.js'

export class PartialFile {
  private constructor (private readonly fh: FileHandle, private readonly m: Manifest) {}

  /** Open (or create) the file at `path`, sized to the manifest's file. */
  static async open (path: string, m: Manifest): Promise<PartialFile> {
    await (await open(path, 'a', 0o600)).close()
    const fh = await open(path, 'r+')
    if ((await fh.stat()).size !== m.size) await fh.truncate(m.size)
    return new PartialFile(fh, m)
  }

  /** A finished chunk, read on its own handle: the file may move into the store meanwhile ('unavailable' then). */
  static async readChunk (path: string, m: Manifest, index: number): Promise<Uint8Array | 'unavailable'> {
    const buf = Buffer.allocUnsafe(chunkLength(m, index))
    const fh = await open(path, 'r').catch(() => undefined)
    if (fh == null) return 'unavailable'
    try {
      await fh.read(buf, 0, buf.byteLength, index * m.chunkSize)
    } finally {
      await fh.close()
    }
    return buf
  }

  async write (index: number, data: Pieces): Promise<void> {
    await this.fh.writev([...data], index * this.m.chunkSize)
  }

  async close (): Promise<void> {
    await this.fh.close()
  }

  /**
   * Check the file against the manifest; returns the chunks that do not match. Every chunk was hashed on arrival,
   * so one pass hashing the whole file proves what was written is what arrived; only if it does not match is the
   * file read again, chunk by chunk, to find the bad ones.
   */
  async verify (signal: AbortSignal): Promise<number[]> {
    const m = this.m
    const whole = createHash('sha256')
    let short = false
    await this.readBack(signal, (_i, data, len) => {
      whole.update(data)
      if (data.byteLength !== len) short = true
    })
    if (!short && whole.digest('hex') === m.hash) return []
    const bad: number[] = []
    await this.readBack(signal, (i, data, len) => {
      if (data.byteLength !== len || createHash('sha256').update(data).digest('hex') !== m.chunks[i]) bad.push(i)
    })
    if (bad.length === 0) throw new FileTransferError('every chunk matches but the whole file does not: the manifest is inconsistent')
    return bad
  }

  /** Read the file back chunk by chunk, one chunk in memory. */
  private async readBack (signal: AbortSignal, each: (index: number, data: Buffer, length: number) => void): Promise<void> {
    const m = this.m
    const buf = Buffer.allocUnsafe(m.chunkSize)
    for (let i = 0; i < m.chunks.length; i++) {
      signal.throwIfAborted()
      const len = chunkLength(m, i)
      const { bytesRead } = await this.fh.read(buf, 0, len, i * m.chunkSize)
      each(i, buf.subarray(0, bytesRead), len)
    }
  }
}
