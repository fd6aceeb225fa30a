/**
 * Issue 20, finding 6: direct messages queued for an unreachable peer must not cost CPU while they wait. With
 * 1,000 messages of 32 KiB queued for one peer, the outbox's scheduler (a tick a second) takes under 2 % of a
 * core: it reads only each peer's queue head, without bodies. The outbox is capped per peer and in total.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { DirectMessages } from '../../src/messaging/direct.js'
import { openDatabase, type Database } from '../../src/storage/database.js'
import { newPeerId, unreachableDirect } from '../helpers/unreachable-direct.js'

const QUEUED = 1_000
const BODY_BYTES = 32 * 1024
const MEASURE_MS = 5_000
/** 2 % of one core over the measurement. */
const MAX_CPU_SHARE = 0.02

describe('the direct-message outbox', () => {
  let dir: string | undefined
  let direct: DirectMessages | undefined
  let db: Database | undefined

  afterEach(async () => {
    await direct?.stop()
    db?.close()
    if (dir != null) await rm(dir, { recursive: true, force: true })
    direct = db = dir = undefined
  })

  it('takes under 2 % of a core with 1,000 messages queued for an unreachable peer', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gossipd-outbox-'))
    db = openDatabase(dir)
    direct = await unreachableDirect(db)
    await direct.start()
    const to = (await newPeerId()).toString()
    const body = new Uint8Array(BODY_BYTES).fill(0x62)
    for (let i = 0; i < QUEUED; i++) {
      expect((await direct.send(to, body)).status).toBe('queued')
    }
    expect(direct.outboxCounts().queued).toBe(QUEUED)
    // the sends' own attempts are done; what is left is the scheduler's ticks
    await new Promise(resolve => setTimeout(resolve, 1_500))
    const start = process.cpuUsage()
    const t0 = performance.now()
    await new Promise(resolve => setTimeout(resolve, MEASURE_MS))
    const used = process.cpuUsage(start)
    const share = (used.user + used.system) / 1000 / (performance.now() - t0)
    expect(share).toBeLessThan(MAX_CPU_SHARE)
    expect(direct.outboxCounts().queued).toBe(QUEUED)
  }, 120_000)

  it('refuses a message past the cap per peer and in total with storage-full', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gossipd-outbox-'))
    db = openDatabase(dir)
    direct = await unreachableDirect(db, { outboxMaxPerPeer: 3, outboxMaxQueued: 5 })
    await direct.start()
    const [a, b] = [(await newPeerId()).toString(), (await newPeerId()).toString()]
    const body = new Uint8Array([1])
    for (let i = 0; i < 3; i++) expect((await direct.send(a, body)).status).toBe('queued')
    await expect(direct.send(a, body)).rejects.toMatchObject({ name: 'StorageFullError', code: 'storage-full', message: expect.stringMatching(/3 direct messages are queued for/) })
    for (let i = 0; i < 2; i++) expect((await direct.send(b, body)).status).toBe('queued')
    await expect(direct.send(b, body)).rejects.toMatchObject({ name: 'StorageFullError', message: expect.stringMatching(/5 direct messages are queued already/) })
    expect(direct.outboxCounts().queued).toBe(5)
  })
})
