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
 * "Per message"). SQLite applies it only to a database that has no pages yet: an existing one keeps the page
 * size it was made with.
 */
export const DATABASE_PAGE_BYTES = 1024

/** The WAL and shared-memory files SQLite keeps beside the database. */
export const DATABASE_FILES = [DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`]

export function openDatabase (dataDir: string): Database {
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
  db.exec('PRAGMA journal_mode = WAL')
  db.exec('PRAGMA synchronous = NORMAL')
  db.exec('PRAGMA busy_timeout = 5000')
  return db
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
