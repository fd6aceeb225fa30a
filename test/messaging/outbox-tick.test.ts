/**
 * The outbox's 1 s tick on an idle node: with nothing queued it reads no outbox table (it ran three statements a
 * second on every node, 2.4 % of an idle node's CPU), and a message queued after the outbox was found empty is
 * still retried and expires at its TTL. A peer connecting reads the outbox only when something may be queued.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PeerId } from '@libp2p/interface'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { DirectMessages } from '../../src/messaging/direct.js'
import { Outbox } from '../../src/messaging/outbox.js'
import { openDatabase, type Database } from '../../src/storage/database.js'
import { newPeerId, unreachableDirect } from '../helpers/unreachable-direct.js'

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('the outbox tick', () => {
  let dir: string | undefined
  let direct: DirectMessages | undefined
  let db: Database | undefined

  afterEach(async () => {
    vi.restoreAllMocks()
    await direct?.stop()
    db?.close()
    if (dir != null) await rm(dir, { recursive: true, force: true })
    direct = db = dir = undefined
  })

  it('reads no outbox table while nothing is queued', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gossipd-outbox-tick-'))
    db = openDatabase(dir)
    const due = vi.spyOn(Outbox.prototype, 'duePeers')
    const expire = vi.spyOn(Outbox.prototype, 'expire')
    direct = await unreachableDirect(db, { outboxTtlMs: 60_000 })
    await direct.start()
    await sleep(3_500)
    // the first tick, at start, looks for messages queued before a restart; none of the three after it
    expect(due.mock.calls.length).toBeLessThanOrEqual(1)
    expect(expire.mock.calls.length).toBeLessThanOrEqual(1)
  }, 30_000)

  it('reads no outbox table when a peer connects while nothing is queued, and sends what is queued when one does', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gossipd-outbox-tick-'))
    db = openDatabase(dir)
    let connected: ((peer: PeerId) => void) | undefined
    direct = await unreachableDirect(db, { outboxTtlMs: 60_000 }, { onPeerConnect: listener => { connected = listener; return () => {} } })
    await direct.start()
    const head = vi.spyOn(Outbox.prototype, 'head')
    for (let i = 0; i < 5; i++) connected!(await newPeerId())
    expect(head).not.toHaveBeenCalled()
    // queued for a peer: its next connection tries it at once
    const to = await newPeerId()
    expect((await direct.send(to.toString(), new Uint8Array(16))).status).toBe('queued')
    const attempts = direct.outboxEntries({ limit: 10 })[0].attempts
    connected!(to)
    await sleep(100)
    expect(head).toHaveBeenCalledWith(to.toString())
    expect(direct.outboxEntries({ limit: 10 })[0].attempts).toBe(attempts + 1)
  }, 30_000)

  it('still retries and expires a message queued after the outbox was found empty', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gossipd-outbox-tick-'))
    db = openDatabase(dir)
    direct = await unreachableDirect(db, { outboxTtlMs: 2_500 })
    await direct.start()
    await sleep(1_500)
    const due = vi.spyOn(Outbox.prototype, 'duePeers')
    const to = (await newPeerId()).toString()
    expect((await direct.send(to, new Uint8Array(16).fill(0x61))).status).toBe('queued')
    await sleep(4_000)
    expect(due.mock.calls.length).toBeGreaterThanOrEqual(2)
    expect(direct.outboxCounts()).toMatchObject({ queued: 0, expired: 1 })
  }, 30_000)
})
