/**
 * src/files/read-handles.ts: the open files kept for serving chunks. Reads return the bytes at their offset,
 * a file stays open between reads (so reading goes on after the path is gone), at most `max` stay open, and a
 * dropped or evicted handle is closed without failing a read that was using it.
 */
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ReadHandles } from '../../src/files/read-handles.js'

describe('ReadHandles', () => {
  let dir: string
  const bytes = (seed: number, n = 4096): Buffer => Buffer.from(Array.from({ length: n }, (_v, i) => (i * 7 + seed) & 255))

  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'read-handles-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('reads the bytes at an offset, short at the end of the file', async () => {
    const h = new ReadHandles(4)
    const path = join(dir, 'a')
    await writeFile(path, bytes(1))
    expect(Buffer.from(await h.read('a', path, 100, 1000))).toEqual(bytes(1).subarray(1000, 1100))
    expect((await h.read('a', path, 100, 4050)).byteLength).toBe(46)
    await h.closeAll()
  })

  it('keeps a file open between reads, and closes it when dropped', async () => {
    const h = new ReadHandles(4)
    const path = join(dir, 'a')
    await writeFile(path, bytes(2))
    await h.read('a', path, 10, 0)
    await unlink(path)
    // the open handle still reads the unlinked file
    expect(Buffer.from(await h.read('a', path, 10, 10))).toEqual(bytes(2).subarray(10, 20))
    expect(h.size).toBe(1)
    await h.drop('a')
    expect(h.size).toBe(0)
    await expect(h.read('a', path, 10, 0)).rejects.toThrow(/ENOENT/)
  })

  it('keeps at most max files open, closing the least recently read', async () => {
    const h = new ReadHandles(2)
    for (const k of ['a', 'b', 'c']) await writeFile(join(dir, k), bytes(k.charCodeAt(0)))
    await h.read('a', join(dir, 'a'), 1, 0)
    await h.read('b', join(dir, 'b'), 1, 0)
    await h.read('a', join(dir, 'a'), 1, 0)
    await h.read('c', join(dir, 'c'), 1, 0)
    expect(h.size).toBe(2)
    // 'b' was the least recently read: closed, so it no longer reads once its path is gone; 'a' still does
    await unlink(join(dir, 'a'))
    await unlink(join(dir, 'b'))
    expect((await h.read('a', join(dir, 'a'), 4, 0)).byteLength).toBe(4)
    await expect(h.read('b', join(dir, 'b'), 4, 0)).rejects.toThrow(/ENOENT/)
    await h.closeAll()
  })

  it('finishes reads in flight when their handle is evicted or dropped meanwhile', async () => {
    const h = new ReadHandles(1)
    const files = ['a', 'b', 'c', 'd']
    for (const [i, k] of files.entries()) await writeFile(join(dir, k), bytes(i, 65536))
    const reads = []
    for (let round = 0; round < 20; round++) {
      for (const [i, k] of files.entries()) {
        const at = (round * 997) % 60000
        reads.push(h.read(k, join(dir, k), 1000, at).then(b => expect(Buffer.from(b)).toEqual(bytes(i, 65536).subarray(at, at + 1000))))
      }
      if (round % 5 === 0) void h.drop('a')
    }
    await Promise.all(reads)
    await h.closeAll()
  })
})
