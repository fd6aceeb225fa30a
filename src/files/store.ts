/**
 * The local file store under `<dataDir>/files/`: each file's bytes in `store/<id>` and its manifest in
 * `store/<id>.manifest`, addressed by id; chunks are fixed-size slices of the bytes, read at their offset.
 * The SQLite table `files` is the index of what is complete: a row is written only after the bytes and the
 * manifest are in place, so a crash never lists a half-written file.
 */
import { randomUUID } from 'node:crypto'
import { createReadStream, type ReadStream } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { StatementSync } from 'node:sqlite'
import type { CID } from 'multiformats/cid'
import { FILE_READ_HANDLES } from './constants.js'
import { FileNotFoundError, RangeNotSatisfiableError } from '../errors.js'
import { migrate, type Database } from '../storage/database.js'
import { ingest } from './ingest.js'
import { chunkLength, encodeManifest, manifestId, MANIFEST_VERSION, type Manifest } from './manifest.js'
import { checkFileName } from './names.js'
import { ReadHandles } from './read-handles.js'

export type FileOrigin = 'upload' | 'download'

export interface FileEntry {
  id: string
  name: string
  size: number
  chunks: number
  chunkSize: number
  /** SHA-256 of the content, hex. */
  hash: string
  origin: FileOrigin
  addedAt: string
}

export interface FileStoreOptions {
  dataDir: string
  db: Database
  chunkSize: number
  maxFileSize: number
}

interface Row {
  id: string
  name: string
  size: number
  chunk_size: number
  chunks: number
  hash: string
  origin: string
  added_at: number
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS files (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, size INTEGER NOT NULL, chunk_size INTEGER NOT NULL,
    chunks INTEGER NOT NULL, hash TEXT NOT NULL, origin TEXT NOT NULL, added_at INTEGER NOT NULL)`
]

function toEntry (r: Row): FileEntry {
  return {
    id: r.id, name: r.name, size: r.size, chunks: r.chunks, chunkSize: r.chunk_size, hash: r.hash,
    origin: r.origin as FileOrigin, addedAt: new Date(r.added_at).toISOString()
  }
}

export class FileStore {
  readonly root: string
  private readonly storeDir: string
  private readonly tmpDir: string
  private readonly handles = new ReadHandles(FILE_READ_HANDLES)
  private readonly findRow: StatementSync

  constructor (private readonly opts: FileStoreOptions) {
    this.root = join(opts.dataDir, 'files')
    this.storeDir = join(this.root, 'store')
    this.tmpDir = join(this.root, 'tmp')
    migrate(opts.db, SCHEMA)
    // asked for every chunk served: prepared once
    this.findRow = opts.db.prepare('SELECT * FROM files WHERE id = ?')
  }

  get chunkSize (): number { return this.opts.chunkSize }
  get maxFileSize (): number { return this.opts.maxFileSize }

  async init (): Promise<void> {
    await mkdir(this.storeDir, { recursive: true, mode: 0o700 })
    // uploads cut short by a crash leave their temp files; nothing refers to them
    await rm(this.tmpDir, { recursive: true, force: true })
    await mkdir(this.tmpDir, { recursive: true, mode: 0o700 })
  }

  dataPath (id: string): string { return join(this.storeDir, id) }
  private manifestPath (id: string): string { return join(this.storeDir, `${id}.manifest`) }

  /** Stream a file into the store. Adding the same bytes under the same name again returns the same entry. */
  async add (source: AsyncIterable<Uint8Array>, name: string, options: { signal?: AbortSignal } = {}): Promise<FileEntry> {
    const label = checkFileName(name)
    const tmp = join(this.tmpDir, randomUUID())
    try {
      const r = await ingest(source, tmp, { chunkSize: this.opts.chunkSize, maxSize: this.opts.maxFileSize, signal: options.signal })
      const manifest: Manifest = { version: MANIFEST_VERSION, name: label, size: r.size, chunkSize: this.opts.chunkSize, hash: r.hash, chunks: r.chunks }
      const bytes = encodeManifest(manifest)
      const id = await manifestId(bytes)
      const existing = this.find(id.toString())
      if (existing != null) return existing
      return await this.commit(id, bytes, manifest, tmp, 'upload')
    } finally {
      await rm(tmp, { force: true })
    }
  }

  /** Move verified bytes (a finished download or an upload) into the store and index them. */
  async commit (id: CID, manifestBytes: Uint8Array, manifest: Manifest, dataFile: string, origin: FileOrigin): Promise<FileEntry> {
    const key = id.toString()
    await this.handles.drop(key)
    await writeFile(this.manifestPath(key), manifestBytes, { mode: 0o600 })
    await rename(dataFile, this.dataPath(key))
    const row: Row = {
      id: key, name: manifest.name, size: manifest.size, chunk_size: manifest.chunkSize, chunks: manifest.chunks.length,
      hash: manifest.hash, origin, added_at: Date.now()
    }
    this.opts.db.prepare(`INSERT OR REPLACE INTO files (id, name, size, chunk_size, chunks, hash, origin, added_at)
      VALUES (:id, :name, :size, :chunk_size, :chunks, :hash, :origin, :added_at)`).run({ ...row })
    return toEntry(row)
  }

  /** Close the files kept open for serving chunks. */
  async close (): Promise<void> {
    await this.handles.closeAll()
  }

  list (): FileEntry[] {
    return (this.opts.db.prepare('SELECT * FROM files ORDER BY added_at, id').all() as unknown as Row[]).map(toEntry)
  }

  find (id: string): FileEntry | undefined {
    const row = this.findRow.get(id) as unknown as Row | undefined
    return row == null ? undefined : toEntry(row)
  }

  get (id: string): FileEntry {
    const entry = this.find(id)
    if (entry == null) throw new FileNotFoundError(id)
    return entry
  }

  has (id: string): boolean {
    return this.find(id) != null
  }

  async manifestBytes (id: string): Promise<Uint8Array> {
    this.get(id)
    return readFile(this.manifestPath(id))
  }

  /** Read chunk `index` as stored. It is not re-hashed here: the downloader verifies every chunk it receives. */
  async readChunk (id: string, index: number): Promise<Uint8Array> {
    const e = this.get(id)
    if (!Number.isInteger(index) || index < 0 || index >= e.chunks) throw new RangeNotSatisfiableError(`file ${id} has no chunk ${index}`)
    return this.handles.read(id, this.dataPath(id), chunkLength(e, index), index * e.chunkSize)
  }

  /** Stream the bytes from `start` to `end` inclusive (HTTP Range semantics). */
  createReadStream (id: string, range: { start?: number, end?: number } = {}): ReadStream {
    const e = this.get(id)
    const start = range.start ?? 0
    const end = range.end ?? e.size - 1
    if (e.size === 0) return createReadStream(this.dataPath(id))
    if (start < 0 || end >= e.size || start > end) throw new RangeNotSatisfiableError(`range ${start}-${end} is outside the file's ${e.size} bytes`)
    return createReadStream(this.dataPath(id), { start, end })
  }

  async delete (id: string): Promise<FileEntry> {
    const e = this.get(id)
    this.opts.db.prepare('DELETE FROM files WHERE id = ?').run(id)
    await this.handles.drop(id)
    await rm(this.dataPath(id), { force: true })
    await rm(this.manifestPath(id), { force: true })
    return e
  }
}
