/**
 * Download jobs and their finished chunks in SQLite, so a restarted node resumes every unfinished job without
 * fetching a finished chunk again. A chunk's row is written after its verified bytes are in the partial file.
 */
import { migrate, type Database } from '../storage/database.js'

export type DownloadState = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled'

export interface DownloadRecord {
  id: string
  fileId: string
  state: DownloadState
  from: string[]
  name: string | null
  size: number | null
  chunks: number | null
  error: string | null
  createdAt: number
  updatedAt: number
  finishedAt: number | null
}

interface Row {
  id: string
  file_id: string
  state: string
  from_peers: string
  name: string | null
  size: number | null
  chunks: number | null
  error: string | null
  created_at: number
  updated_at: number
  finished_at: number | null
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS download_jobs (
    id TEXT PRIMARY KEY, file_id TEXT NOT NULL, state TEXT NOT NULL, from_peers TEXT NOT NULL,
    name TEXT, size INTEGER, chunks INTEGER, error TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, finished_at INTEGER)`,
  `CREATE TABLE IF NOT EXISTS download_chunks (
    job_id TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (job_id, idx)) WITHOUT ROWID`
]

function toRecord (r: Row): DownloadRecord {
  return {
    id: r.id, fileId: r.file_id, state: r.state as DownloadState, from: JSON.parse(r.from_peers) as string[],
    name: r.name, size: r.size, chunks: r.chunks, error: r.error,
    createdAt: r.created_at, updatedAt: r.updated_at, finishedAt: r.finished_at
  }
}

export class DownloadRecords {
  constructor (private readonly db: Database) {
    migrate(db, SCHEMA)
  }

  create (rec: DownloadRecord): void {
    this.db.prepare(`INSERT INTO download_jobs (id, file_id, state, from_peers, name, size, chunks, error, created_at, updated_at, finished_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(rec.id, rec.fileId, rec.state, JSON.stringify(rec.from), rec.name, rec.size,
      rec.chunks, rec.error, rec.createdAt, rec.updatedAt, rec.finishedAt)
  }

  get (id: string): DownloadRecord | undefined {
    const row = this.db.prepare('SELECT * FROM download_jobs WHERE id = ?').get(id) as unknown as Row | undefined
    return row == null ? undefined : toRecord(row)
  }

  list (): DownloadRecord[] {
    return (this.db.prepare('SELECT * FROM download_jobs ORDER BY created_at, id').all() as unknown as Row[]).map(toRecord)
  }

  setManifest (id: string, m: { name: string, size: number, chunks: number }): void {
    this.db.prepare('UPDATE download_jobs SET name = ?, size = ?, chunks = ?, updated_at = ? WHERE id = ?').run(m.name, m.size, m.chunks, Date.now(), id)
  }

  setState (id: string, state: DownloadState, error: string | null = null): void {
    const now = Date.now()
    const finished = state === 'completed' || state === 'failed' || state === 'cancelled' ? now : null
    this.db.prepare('UPDATE download_jobs SET state = ?, error = ?, updated_at = ?, finished_at = ? WHERE id = ?').run(state, error, now, finished, id)
  }

  markDone (id: string, index: number): void {
    this.db.prepare('INSERT OR IGNORE INTO download_chunks (job_id, idx) VALUES (?, ?)').run(id, index)
  }

  unmark (id: string, index: number): void {
    this.db.prepare('DELETE FROM download_chunks WHERE job_id = ? AND idx = ?').run(id, index)
  }

  doneChunks (id: string): number[] {
    return (this.db.prepare('SELECT idx FROM download_chunks WHERE job_id = ? ORDER BY idx').all(id) as Array<{ idx: number }>).map(r => r.idx)
  }

  /** Forget a job's chunk list (once finished, the store has the file and the list is dead weight). */
  clearChunks (id: string): void {
    this.db.prepare('DELETE FROM download_chunks WHERE job_id = ?').run(id)
  }

  delete (id: string): void {
    this.clearChunks(id)
    this.db.prepare('DELETE FROM download_jobs WHERE id = ?').run(id)
  }
}
