/**
 * Open file handles for serving chunks, kept between requests. A download asks for a file's chunks one after
 * another; opening and closing the file for each 256 KiB read cost the serving node about a tenth of its CPU in
 * a profile of `bench/transfer.js`. The least recently used handles are closed past `max`; a file's handle is
 * dropped before the file is replaced or deleted. Reads are positional, so requests share one handle.
 */
import { open, type FileHandle } from 'node:fs/promises'

export class ReadHandles {
  /** Insertion order is recency: a handle used again moves to the end. */
  private readonly handles = new Map<string, Promise<FileHandle>>()

  constructor (private readonly max: number) {}

  /** Read up to `length` bytes at `position` of the file at `path`, known as `key`. */
  async read (key: string, path: string, length: number, position: number): Promise<Uint8Array> {
    const buf = Buffer.allocUnsafe(length)
    // a handle evicted or dropped after this line is closed only once this read is done: the close waits for the
    // same promise first, and FileHandle.close waits for reads already started
    const fh = await this.handle(key, path)
    const { bytesRead } = await fh.read(buf, 0, length, position)
    return buf.subarray(0, bytesRead)
  }

  /** Close `key`'s handle, if open; reads in flight on it finish first (FileHandle.close waits for them). */
  async drop (key: string): Promise<void> {
    const h = this.handles.get(key)
    if (h == null) return
    this.handles.delete(key)
    await closeQuietly(h)
  }

  async closeAll (): Promise<void> {
    const all = [...this.handles.values()]
    this.handles.clear()
    await Promise.all(all.map(closeQuietly))
  }

  get size (): number { return this.handles.size }

  private handle (key: string, path: string): Promise<FileHandle> {
    let h = this.handles.get(key)
    if (h != null) {
      this.handles.delete(key)
      this.handles.set(key, h)
      return h
    }
    h = open(path, 'r')
    this.handles.set(key, h)
    // a failed open is not kept: the next read tries again
    h.catch(() => { if (this.handles.get(key) === h) this.handles.delete(key) })
    while (this.handles.size > this.max) {
      const [oldest, old] = this.handles.entries().next().value as [string, Promise<FileHandle>]
      this.handles.delete(oldest)
      void closeQuietly(old)
    }
    return h
  }
}

async function closeQuietly (h: Promise<FileHandle>): Promise<void> {
  try {
    await (await h).close()
  } catch {
    // never opened, or already closed: nothing to release
  }
}
