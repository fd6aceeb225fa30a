/**
 * The node's SQLite database (`<dataDir>/gossipd.db`), on Node's built-in `node:sqlite`: no native addon to
 * build. WAL mode, so readers never block the writer and a crash mid-write leaves the last commit intact.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'

export type Database = DatabaseSync

export const DATABASE_FILE = 'gossipd.db'

/**
 * Page size of a new database: 1 KiB, not SQLite's 4 KiB. In WAL mode every commit appends each page it changed,
 * whole, to the log, and storing a topic message changes about six (the table's, its three indexes',
 * AUTOINCREMENT's counter). With 4 KiB pages a node wrote 28.6 KB for each 1 KiB message it stored, and the
 * kernel wrote 24.3 KB of it to disk; with 1 KiB pages 10.8 KB and 10.7 KB (`node bench/history-append.js`, and a
 * 40-node swarm at 3 msg/s in `node bench/message-cost.js`). CPU per insert is the same within the spread; reading a
 * page of 100 messages takes about 0.2 ms more, and 1,000 or a catch-up plan about the same (docs/PERFORMANCE.md,
 * "Per message"). SQLite applies it only to a database that has no pages yet; an existing one made with other
 * pages is rewritten once at open, up to `PAGE_CONVERSION_MAX_BYTES` (see `openDatabase`).
 */
export const DATABASE_PAGE_BYTES = 1024

/**
 * Largest existing database rewritten to `DATABASE_PAGE_BYTES` pages when opened. SQLite rewrites the whole file
 * (VACUUM), which took 0.32 s for 54 MiB on the project's machine, and needs as much free disk again while it
 * runs; a larger database keeps its pages, and the node says so in its log.
 */
export const PAGE_CONVERSION_MAX_BYTES = 256 * 1024 * 1024

/** What `openDatabase` did about an existing database made with another page size. */
export type PageSizeChange =
  | { result: 'converted', fromBytes: number, toBytes: number, fileBytes: number, ms: number }
  | { result: 'too-large', fromBytes: number, fileBytes: number }
  | { result: 'failed', fromBytes: number, fileBytes: number, error: string }

export interface OpenDatabaseOptions {
  /** Largest database rewritten to `DATABASE_PAGE_BYTES` pages. @default PAGE_CONVERSION_MAX_BYTES */
  convertMaxBytes?: number
  /** Told when an existing database had another page size, and what was done. */
  onPageSizeChange?: (change: PageSizeChange) => void
}

/** The WAL and shared-memory files SQLite keeps beside the database. */
export const DATABASE_FILES = [DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`]

/**
 * Open (or create) the node's database in `dataDir`: created 0600, WAL mode. A database made with another page
 * size than `DATABASE_PAGE_BYTES` (by an older gossipd) is rewritten with it first, if it is no larger than
 * `convertMaxBytes`. The rewrite runs in SQLite's rollback-journal mode, so a crash or a full disk in the middle
 * leaves the database as it was; it is then opened as it is, and `onPageSizeChange` says why.
 */
export function openDatabase (dataDir: string, opts: OpenDatabaseOptions = {}): Database {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const path = join(dataDir, DATABASE_FILE)
  // created 0600 here rather than by SQLite under the process umask (0644 commonly); SQLite gives its WAL and
  // shared-memory files the database file's mode
  closeSync(openSync(path, 'a', 0o600))
  for (const name of DATABASE_FILES) {
    const p = join(dataDir, name)
    if (existsSync(p)) chmodSync(p, 0o600)
  }
  const db = new DatabaseSync(path)
  // before anything creates the first page, and before WAL mode, where the page size can no longer change
  db.exec(`PRAGMA page_size = ${DATABASE_PAGE_BYTES}`)
  const pages = pragma(db, 'page_count')
  const pageBytes = pragma(db, 'page_size')
  if (pages > 0 && pageBytes !== DATABASE_PAGE_BYTES) {
    const change = convertPageSize(db, pageBytes, pages * pageBytes, opts.convertMaxBytes ?? PAGE_CONVERSION_MAX_BYTES)
    opts.onPageSizeChange?.(change)
  }
  db.exec('PRAGMA journal_mode = WAL')
  db.exec('PRAGMA synchronous = NORMAL')
  db.exec('PRAGMA busy_timeout = 5000')
  return db
}

function pragma (db: Database, name: string): number {
  return Number((db.prepare(`PRAGMA ${name}`).get() as Record<string, unknown>)[name])
}

/** Rewrite an existing database with `DATABASE_PAGE_BYTES` pages; it is left in rollback-journal mode. */
function convertPageSize (db: Database, fromBytes: number, fileBytes: number, maxBytes: number): PageSizeChange {
  if (fileBytes > maxBytes) return { result: 'too-large', fromBytes, fileBytes }
  const started = performance.now()
  try {
    // the WAL's pages go into the file first: the page size can change only outside WAL mode
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    db.exec('PRAGMA journal_mode = DELETE')
    db.exec(`PRAGMA page_size = ${DATABASE_PAGE_BYTES}`)
    db.exec('VACUUM')
  } catch (err) {
    return { result: 'failed', fromBytes, fileBytes, error: (err as Error).message }
  }
  const toBytes = pragma(db, 'page_size')
  if (toBytes !== DATABASE_PAGE_BYTES) return { result: 'failed', fromBytes, fileBytes, error: `page size still ${toBytes} after VACUUM` }
  return { result: 'converted', fromBytes, toBytes, fileBytes, ms: Math.round(performance.now() - started) }
}

/**
 * Apply a feature's schema. Each feature owns its tables and calls this with its own statements, which must be
 * idempotent (`CREATE TABLE IF NOT EXISTS ...`).
 */
export function migrate (db: Database, statements: string[]): void {
  db.exec('BEGIN')
  try {
    for (const sql of statements) db.exec(sql)
    db.exec('COMMIT')
  } catch (err) {
    db.exec('ROLLBACK')
    throw err
  }
}

/**
 * Run a one-time data migration (rewriting rows, where `migrate` only creates): `run` is called in a transaction
 * the first time a database sees `name`, and the name is recorded in the same transaction, so a migration that
 * fails leaves nothing half done and is tried again at the next start.
 */
export function migrateOnce (db: Database, name: string, run: () => void): boolean {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)')
  if (db.prepare('SELECT 1 AS x FROM schema_migrations WHERE name = ?').get(name) != null) return false
  db.exec('BEGIN')
  try {
    run()
    db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)').run(name, Date.now())
    db.exec('COMMIT')
  } catch (err) {
    db.exec('ROLLBACK')
    throw err
  }
  return true
}
