import { createHash, randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FileStore } from '../../src/files/store.js'
import { checkFileName } from '../../src/files/names.js'
import { decodeManifest, manifestId, parseFileId } from '../../src/files/manifest.js'
import { openDatabase, type Database } from '../../src/storage/database.js'
import { removeDir, sha256OfStream, tempDir } from './helpers.js'

async function * pieces (data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let off = 0; off < data.byteLength; off += size) yield data.subarray(off, off + size)
}

describe('file store', () => {
  let dir: string
  let db: Database
  let store: FileStore

  beforeEach(async () => {
    dir = await tempDir('store')
    db = openDatabase(dir)
    store = new FileStore({ dataDir: dir, db, chunkSize: 16 * 1024, maxFileSize: 1024 * 1024 })
    await store.init()
  })

  afterEach(async () => {
    db.close()
    await removeDir(dir)
  })

  it('splits a streamed file into hashed chunks whatever the input piece sizes', async () => {
    const data = randomBytes(100_000)
    const a = await store.add(pieces(data, 777), 'a.bin')
    expect(a).toMatchObject({ name: 'a.bin', size: 100_000, chunks: 7, chunkSize: 16 * 1024, origin: 'upload' })
    expect(a.hash).toBe(createHash('sha256').update(data).digest('hex'))
    const m = await decodeManifest(await store.manifestBytes(a.id), parseFileId(a.id))
    expect(m.chunks[6]).toBe(createHash('sha256').update(data.subarray(6 * 16384)).digest('hex'))
    expect(Buffer.from(await store.readChunk(a.id, 1))).toEqual(data.subarray(16384, 32768))
    expect((await store.readChunk(a.id, 6)).byteLength).toBe(100_000 - 6 * 16384)
    // the same bytes in other pieces give the same id
    const again = await store.add(pieces(data, 65536), 'a.bin')
    expect(again.id).toBe(a.id)
    expect(store.list()).toHaveLength(1)
  })

  it('the id is the CID of the manifest bytes', async () => {
    const e = await store.add(pieces(randomBytes(1000), 100), 'x')
    expect((await manifestId(await store.manifestBytes(e.id))).toString()).toBe(e.id)
  })

  it('stores an empty file', async () => {
    const e = await store.add(pieces(new Uint8Array(0), 1), 'empty.txt')
    expect(e).toMatchObject({ size: 0, chunks: 0 })
    expect(await sha256OfStream(store.createReadStream(e.id))).toBe(createHash('sha256').digest('hex'))
  })

  it('keeps unicode names', async () => {
    const e = await store.add(pieces(Buffer.from('hi'), 1), 'Привет 世界 🎉.txt')
    expect(store.get(e.id).name).toBe('Привет 世界 🎉.txt')
  })

  it('reads byte ranges', async () => {
    const data = randomBytes(50_000)
    const e = await store.add(pieces(data, 4096), 'r')
    const chunks: Buffer[] = []
    for await (const c of store.createReadStream(e.id, { start: 100, end: 40_000 })) chunks.push(c as Buffer)
    expect(Buffer.concat(chunks)).toEqual(data.subarray(100, 40_001))
    expect(() => store.createReadStream(e.id, { start: 10, end: 50_000 })).toThrow(/outside/)
  })

  it('refuses a file over the size limit and leaves nothing behind', async () => {
    await expect(store.add(pieces(randomBytes(1024 * 1024 + 1), 65536), 'big')).rejects.toMatchObject({ name: 'FileTooLargeError', code: 'file-too-large' })
    expect(store.list()).toEqual([])
  })

  it('deletes a file and its bytes', async () => {
    const e = await store.add(pieces(randomBytes(10), 10), 'd')
    const path = store.dataPath(e.id)
    await store.delete(e.id)
    expect(store.has(e.id)).toBe(false)
    await expect(readFile(path)).rejects.toThrow(/ENOENT/)
    await expect(store.delete(e.id)).rejects.toMatchObject({ name: 'FileNotFoundError', code: 'file-not-found' })
  })

  it('serves a chunk as stored, so corruption on disk is caught by the downloader, not hidden', async () => {
    const data = randomBytes(40_000)
    const e = await store.add(pieces(data, 4096), 'c')
    const bytes = await readFile(store.dataPath(e.id))
    bytes[20_000] ^= 0xff
    await writeFile(store.dataPath(e.id), bytes)
    const chunk = await store.readChunk(e.id, 1)
    const m = await decodeManifest(await store.manifestBytes(e.id))
    expect(createHash('sha256').update(chunk).digest('hex')).not.toBe(m.chunks[1])
  })
})

describe('file names', () => {
  it.each(['../etc/passwd', '..', '.', 'a/b', 'a\\b', '/abs', '', 'x\u0000y', 'line\nbreak', 'é'.repeat(200)])('refuses %j', name => {
    expect(() => checkFileName(name)).toThrow(expect.objectContaining({ name: 'InvalidFileNameError', code: 'invalid-file-name' }))
  })

  it.each(['report.pdf', '..hidden', 'a..b', 'Привет.txt', '🎉', 'name with spaces'])('accepts %j', name => {
    expect(checkFileName(name)).toBe(name)
  })
})

describe('manifest checks', () => {
  it('rejects bytes that do not hash to the id', async () => {
    const dir = await tempDir('manifest')
    const db = openDatabase(dir)
    const store = new FileStore({ dataDir: dir, db, chunkSize: 16 * 1024, maxFileSize: 1 << 20 })
    await store.init()
    const a = await store.add(pieces(Buffer.from('a'), 1), 'a')
    const b = await store.add(pieces(Buffer.from('b'), 1), 'b')
    await expect(decodeManifest(await store.manifestBytes(a.id), parseFileId(b.id))).rejects.toThrow(/does not hash/)
    db.close()
    await removeDir(dir)
  })

  it('rejects a manifest whose name is a path', async () => {
    const bad = new TextEncoder().encode(JSON.stringify({ version: 1, name: '../../x', size: 0, chunkSize: 262144, hash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', chunks: [] }))
    await expect(decodeManifest(bad)).rejects.toThrow(/path separator/)
  })

  it('rejects ids that are not manifest CIDs', () => {
    expect(() => parseFileId('hello')).toThrow(expect.objectContaining({ name: 'InvalidFileIdError', code: 'invalid-file-id' }))
    expect(() => parseFileId(join('..', 'x'))).toThrow(/not a file id/)
  })
})
