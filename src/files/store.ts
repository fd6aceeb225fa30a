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
import { FILE_READ_HANDLES, FILES_DIR } from './constants.js'
import { DEFAULT_MAX_FILES, DEFAULT_MAX_STORAGE } from '../constants.js'
import { FileNotFoundError, isError, RangeNotSatisfiableError, StorageFullError } from '../errors.js'
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
  /** Cap on the bytes of all stored files. @default DEFAULT_MAX_STORAGE */
  maxStorage?: number
  /** Cap on the number of stored files. @default DEFAULT_MAX_FILES */
  maxFiles?: number
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
  private readonly usageRow: StatementSync
  readonly maxStorage: number
  readonly maxFiles: number

  constructor (private readonly opts: FileStoreOptions) {
    this.root = join(opts.dataDir, FILES_DIR)
    this.storeDir = join(this.root, 'store')
    this.tmpDir = join(this.root, 'tmp')
    migrate(opts.db, SCHEMA)
    // asked for every chunk served: prepared once
    this.findRow = opts.db.prepare('SELECT * FROM files WHERE id = ?')
    this.usageRow = opts.db.prepare('SELECT COUNT(*) AS files, COALESCE(SUM(size), 0) AS bytes FROM files')
    this.maxStorage = opts.maxStorage ?? DEFAULT_MAX_STORAGE
    this.maxFiles = opts.maxFiles ?? DEFAULT_MAX_FILES
  }

  get chunkSize (): number { return this.opts.chunkSize }
  get maxFileSize (): number { return this.opts.maxFileSize }

  async init (): Promise<void> {
    await mkdir(this.storeDir, { recursive: true, mode: 0o700 })
    // uploads cut short by a crash leave their temp files; nothing refers to them
    await rm(this.tmpDir, { recursive: true, force: true })
    await mkdir(this.tmpDir, { recursive: true, mode: 0o700 })
  }

  /** Stored files and their bytes. */
  usage (): { files: number, bytes: number } {
    return this.usageRow.get() as { files: number, bytes: number }
  }

  /**
   * Throw `StorageFullError` unless one more file of `size` bytes (unknown: any size) fits under `--max-files`
   * and `--max-storage`; answers the bytes still free.
   */
  checkRoom (size = 0): number {
    const { files, bytes } = this.usage()
    if (files >= this.maxFiles) throw new StorageFullError(`${files} files are stored, the most --max-files allows (${this.maxFiles})`)
    const free = this.maxStorage - bytes
    if (size > free || free <= 0) {
      throw new StorageFullError(`stored files take ${bytes} of the ${this.maxStorage} bytes --max-storage allows${size > 0 ? `; ${size} more do not fit` : ''}`)
    }
    return free
  }

  dataPath (id: string): string { return join(this.storeDir, id) }
  private manifestPath (id: string): string { return join(this.storeDir, `${id}.manifest`) }

  /** Stream a file into the store. Adding the same bytes under the same name again returns the same entry. */
  async add (source: AsyncIterable<Uint8Array>, name: string, options: { signal?: AbortSignal } = {}): Promise<FileEntry> {
    const label = checkFileName(name)
    const tmp = join(this.tmpDir, randomUUID())
    try {
      const free = this.checkRoom()
      // a body past the free space is cut off as it arrives, like one past the largest file size
      const maxSize = Math.min(this.opts.maxFileSize, free)
      const r = await ingest(source, tmp, { chunkSize: this.opts.chunkSize, maxSize, signal: options.signal }).catch((err: unknown) => {
        if (maxSize < this.opts.maxFileSize && isError(err, 'FileTooLargeError')) throw new StorageFullError(`the upload is larger than the ${free} bytes --max-storage leaves free`)
        throw err
      })
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
