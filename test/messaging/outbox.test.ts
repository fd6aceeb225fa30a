/**
 * The outbox answers only unexpired entries as due: expiry itself is marked in a write every few seconds, not at
 * every retry tick, and a message past its TTL must not be sent in between.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Outbox } from '../../src/messaging/outbox.js'
import { openDatabase, type Database } from '../../src/storage/database.js'

describe('Outbox.due', () => {
  let dir: string | undefined
  let db: Database | undefined
  afterEach(async () => {
    db?.close()
    if (dir != null) await rm(dir, { recursive: true, force: true })
  })

  it('leaves out entries past their TTL before expiry marks them', async () => {
    dir = await mkdtemp(join(tmpdir(), 'outbox-'))
    db = openDatabase(dir)
    const outbox = new Outbox(db, 100)
    outbox.add({ id: 'short', to: 'peer', data: new Uint8Array([1]), ttlMs: 1_000, now: 0 })
    outbox.add({ id: 'long', to: 'peer', data: new Uint8Array([2]), ttlMs: 60_000, now: 0 })
    expect(outbox.due(500).map(e => e.id).sort()).toEqual(['long', 'short'])
    expect(outbox.due(1_500).map(e => e.id)).toEqual(['long'])
    expect(outbox.get('short')?.status).toBe('queued')
    expect(outbox.expire(1_500).map(e => e.id)).toEqual(['short'])
  })
})
