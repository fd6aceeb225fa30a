import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterEach, describe, expect, it } from 'vitest'
import { MessageLog } from '../../src/messaging/history.js'
import { DATABASE_FILE, DATABASE_PAGE_BYTES, openDatabase, type PageSizeChange } from '../../src/storage/database.js'

const pageSize = (db: DatabaseSync): number => (db.prepare('PRAGMA page_size').get() as { page_size: number }).page_size
const journal = (db: DatabaseSync): string => (db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode

describe('openDatabase', () => {
  const dirs: string[] = []
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
  })
  const dataDir = async (): Promise<string> => {
    const d = await mkdtemp(join(tmpdir(), 'gossipd-db-'))
    dirs.push(d)
    return d
  }

  it('makes a new database with small pages, in WAL mode, and keeps them when reopened', async () => {
    const dir = await dataDir()
    let db = openDatabase(dir)
    const log = new MessageLog(db, 'messages', 100)
    log.append({ channel: 'news', id: 'a', from: 'peer', data: new Uint8Array(1024) })
    expect(pageSize(db)).toBe(DATABASE_PAGE_BYTES)
    expect(DATABASE_PAGE_BYTES).toBeLessThan(4096)
    expect(journal(db)).toBe('wal')
    db.close()
    db = openDatabase(dir)
    expect(pageSize(db)).toBe(DATABASE_PAGE_BYTES)
    expect(new MessageLog(db, 'messages', 100).page('news', { limit: 10 }).map(m => m.id)).toEqual(['a'])
    db.close()
  })

  /** A database as an older gossipd made it: 4 KiB pages, WAL mode, one stored message. */
  const oldDatabase = async (): Promise<string> => {
    const dir = await dataDir()
    const old = new DatabaseSync(join(dir, DATABASE_FILE))
    old.exec('PRAGMA page_size = 4096')
    old.exec('PRAGMA journal_mode = WAL')
    new MessageLog(old, 'messages', 100).append({ channel: 'news', id: 'a', from: 'peer', data: new Uint8Array(1024) })
    old.close()
    return dir
  }

  it('rewrites a database made with other pages once, data and all, and says so', async () => {
    const dir = await oldDatabase()
    const changes: PageSizeChange[] = []
    let db = openDatabase(dir, { onPageSizeChange: c => changes.push(c) })
    expect(pageSize(db)).toBe(DATABASE_PAGE_BYTES)
    expect(journal(db)).toBe('wal')
    expect(changes).toHaveLength(1)
    expect(changes[0]).toMatchObject({ result: 'converted', fromBytes: 4096, toBytes: DATABASE_PAGE_BYTES })
    const log = new MessageLog(db, 'messages', 100)
    log.append({ channel: 'news', id: 'b', from: 'peer', data: new Uint8Array(1024) })
    expect(log.page('news', { limit: 10 }).map(m => m.id)).toEqual(['a', 'b'])
    db.close()
    // once: the next open finds the new page size and does nothing
    db = openDatabase(dir, { onPageSizeChange: c => changes.push(c) })
    expect(changes).toHaveLength(1)
    expect(new MessageLog(db, 'messages', 100).page('news', { limit: 10 }).map(m => m.id)).toEqual(['a', 'b'])
    db.close()
  })

  it('leaves a database larger than the limit as it is, and says why', async () => {
    const dir = await oldDatabase()
    const changes: PageSizeChange[] = []
    const db = openDatabase(dir, { convertMaxBytes: 1024, onPageSizeChange: c => changes.push(c) })
    expect(pageSize(db)).toBe(4096)
    expect(journal(db)).toBe('wal')
    expect(changes).toEqual([expect.objectContaining({ result: 'too-large', fromBytes: 4096 })])
    expect(new MessageLog(db, 'messages', 100).page('news', { limit: 10 }).map(m => m.id)).toEqual(['a'])
    db.close()
  })

  it('opens a database it could not rewrite as it was (another connection holds it), data and all', async () => {
    const dir = await oldDatabase()
    const other = new DatabaseSync(join(dir, DATABASE_FILE))
    other.exec('BEGIN')
    other.prepare('SELECT COUNT(*) AS n FROM messages').get()
    const changes: PageSizeChange[] = []
    const db = openDatabase(dir, { onPageSizeChange: c => changes.push(c) })
    expect(changes).toEqual([expect.objectContaining({ result: 'failed', fromBytes: 4096 })])
    expect(pageSize(db)).toBe(4096)
    expect(journal(db)).toBe('wal')
    other.exec('COMMIT')
    other.close()
    const log = new MessageLog(db, 'messages', 100)
    log.append({ channel: 'news', id: 'b', from: 'peer', data: new Uint8Array(1024) })
    expect(log.page('news', { limit: 10 }).map(m => m.id)).toEqual(['a', 'b'])
    db.close()
  })
})
