import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterEach, describe, expect, it } from 'vitest'
import { MessageLog } from '../../src/messaging/history.js'
import { DATABASE_FILE, DATABASE_PAGE_BYTES, openDatabase } from '../../src/storage/database.js'

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

  it('opens a database made with another page size as it is, data and all', async () => {
    const dir = await dataDir()
    const old = new DatabaseSync(join(dir, DATABASE_FILE))
    old.exec('PRAGMA page_size = 4096')
    old.exec('PRAGMA journal_mode = WAL')
    new MessageLog(old, 'messages', 100).append({ channel: 'news', id: 'a', from: 'peer', data: new Uint8Array(1024) })
    old.close()
    const db = openDatabase(dir)
    expect(pageSize(db)).toBe(4096)
    const log = new MessageLog(db, 'messages', 100)
    log.append({ channel: 'news', id: 'b', from: 'peer', data: new Uint8Array(1024) })
    expect(log.page('news', { limit: 10 }).map(m => m.id)).toEqual(['a', 'b'])
    db.close()
  })
})
