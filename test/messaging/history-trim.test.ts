/**
 * The history keeps the newest `limit` messages per channel (a large channel up to 1 % more between trims). It
 * counts rows in memory rather than asking SQLite on every insert (a performance fix), so these check the count
 * stays right across channels, duplicates and a restart with a lower limit.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MessageLog } from '../../src/messaging/history.js'
import { openDatabase, type Database } from '../../src/storage/database.js'

let dir: string
let db: Database

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bench-history-test-'))
  db = openDatabase(dir)
})

afterEach(async () => {
  db.close()
  await rm(dir, { recursive: true, force: true })
})

const msg = (channel: string, i: number): Parameters<MessageLog['append']>[0] => ({ channel, id: `${channel}-${i}`, from: 'peer', data: new Uint8Array([i & 0xff]) })
const ids = (log: MessageLog, channel: string): string[] => log.page(channel, { limit: 1000 }).map(m => m.id)

describe('MessageLog limit', () => {
  it('keeps the newest messages of each channel, independently', () => {
    const log = new MessageLog(db, 'msgs', 3)
    for (let i = 0; i < 7; i++) log.append(msg('a', i))
    log.append(msg('b', 0))
    expect(ids(log, 'a')).toEqual(['a-4', 'a-5', 'a-6'])
    expect(ids(log, 'b')).toEqual(['b-0'])
    expect(log.stats('a').count).toBe(3)
  })

  it('does not count a duplicate id twice', () => {
    const log = new MessageLog(db, 'msgs', 3)
    for (let i = 0; i < 3; i++) log.append(msg('a', i))
    expect(log.append(msg('a', 2))).toBeUndefined()
    log.append(msg('a', 3))
    expect(ids(log, 'a')).toEqual(['a-1', 'a-2', 'a-3'])
  })

  it('drops a large channel\'s excess in batches: at most 1 % over the limit, then back to the newest `limit`', () => {
    const log = new MessageLog(db, 'msgs', 500)
    // 1 % of 500: up to 5 over the limit are held until the next trim
    for (let i = 0; i < 505; i++) log.append(msg('a', i))
    expect(log.stats('a').count).toBe(505)
    log.append(msg('a', 505))
    expect(log.stats('a').count).toBe(500)
    const kept = log.page('a', { limit: 1000 }).map(m => m.id)
    expect(kept[0]).toBe('a-6')
    expect(kept.at(-1)).toBe('a-505')
  })

  it('trims rows stored before a restart, also under a lower limit', () => {
    const first = new MessageLog(db, 'msgs', 10)
    for (let i = 0; i < 8; i++) first.append(msg('a', i))
    const second = new MessageLog(db, 'msgs', 4)
    second.append(msg('a', 8))
    expect(ids(second, 'a')).toEqual(['a-5', 'a-6', 'a-7', 'a-8'])
    second.append(msg('a', 9))
    expect(ids(second, 'a')).toEqual(['a-6', 'a-7', 'a-8', 'a-9'])
  })
})
