import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  FILES_BUSY_RETRY_MS, FILES_HAVE_REFRESH_MS, FILES_PEER_HINT_REFRESH_MS, FILES_PROVIDER_COOLDOWN_MS,
  FILES_STREAMS_PER_PEER
} from '../../src/files/constants.js'
import { Bitfield } from '../../src/files/bitfield.js'
import { ChunkQueue } from '../../src/files/chunk-queue.js'
import { ProviderSwarm } from '../../src/files/provider-swarm.js'

describe('the providers of a download', () => {
  const peers: PeerId[] = []
  let chunks: ChunkQueue
  let swarm: ProviderSwarm

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) peers.push(peerIdFromPrivateKey(await generateKeyPair('Ed25519')))
  })

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(1_000_000)
    chunks = new ChunkQueue()
    swarm = new ProviderSwarm(chunks)
  })

  afterEach(() => { vi.useRealTimers() })

  it('counts how many active providers hold each chunk and asks each for the rarest it holds', () => {
    // the job's order would pick chunk 1 first: only the counts make chunk 0 the choice
    chunks.want([1, 0, 2, 3])
    swarm.setChunks(4)
    const [a, b, c] = peers.map(p => swarm.add(p))
    swarm.setHave(a, Bitfield.full(4))
    swarm.setHave(b, Bitfield.of(4, [1, 2]))
    swarm.setHave(c, Bitfield.of(4, [0, 1]))
    // held by: 0 -> a, c; 1 -> a, b, c; 2 -> a, b; 3 -> a
    expect(swarm.pick(a)).toBe(3)
    expect(swarm.pick(b)).toBe(2)
    expect(swarm.pick(c)).toBe(0)

    // chunks being fetched are not offered again
    chunks.fetch(3)
    expect(swarm.pick(a)).toBe(0)
    chunks.settle(3)

    // b dropped (three failures): its chunks no longer count, so 0 and 1 tie and the job's order decides
    expect(swarm.penalise(b, false, false)).toBe(false)
    expect(swarm.penalise(b, false, false)).toBe(false)
    expect(swarm.penalise(b, false, false)).toBe(true)
    expect(swarm.active()).toEqual([a, c])
    expect(swarm.pick(c)).toBe(1)

    // found again before its cool-down: still dropped; after it: counted again
    expect(swarm.reactivate(b)).toBe(false)
    vi.setSystemTime(Date.now() + FILES_PROVIDER_COOLDOWN_MS + 1)
    expect(swarm.reactivate(b)).toBe(true)
    expect(b.failures).toBe(0)
    expect(swarm.pick(c)).toBe(0)

    // b says it lacks chunk 2 after all: a alone holds it now, so a is asked for it (3 being fetched)
    chunks.fetch(3)
    swarm.lacks(b, 2)
    expect(b.have?.has(2)).toBe(false)
    expect(swarm.pick(a)).toBe(2)
    expect(swarm.pick(b)).toBe(1)
  })

  it('a provider that served bad data stays dropped, and a banned one is not found again', () => {
    const [a, b] = peers.slice(0, 2).map(p => swarm.add(p))
    swarm.penalise(a, true, false)
    swarm.penalise(a, false, false)
    expect(swarm.penalise(a, false, false)).toBe(true)
    expect(a.banned).toBe(true)
    expect(swarm.penalise(b, false, true)).toBe(true)
    expect(b.banned).toBe(true)
    vi.setSystemTime(Date.now() + FILES_PROVIDER_COOLDOWN_MS + 1)
    expect(swarm.reactivate(a)).toBe(false)
    expect(swarm.reactivate(b)).toBe(false)
    expect(swarm.status().map(s => s.state)).toEqual(['dropped', 'dropped'])
  })

  it('avoids a chunk for a provider until every active provider avoids it, then lets the asker try again', () => {
    chunks.want([0, 1])
    swarm.setChunks(2)
    const [a, b] = peers.slice(0, 2).map(p => swarm.add(p))
    swarm.setHave(a, Bitfield.full(2))
    swarm.setHave(b, Bitfield.full(2))
    swarm.avoidFor(0, a, Number.POSITIVE_INFINITY)
    expect(swarm.pick(a)).toBe(1)
    chunks.fetch(1)
    expect(swarm.pick(a)).toBeUndefined()
    expect(swarm.pick(b)).toBe(0)

    // every active provider avoids chunk 0 (b for a while): it would never be fetched, so a may try it again
    swarm.avoidFor(0, b, Date.now() + 500)
    expect(swarm.pick(a)).toBe(0)
    // b's avoidance has ended; a's was lifted when it was let through
    vi.setSystemTime(Date.now() + 501)
    expect(swarm.pick(a)).toBe(0)
    // a avoiding it again while b may fetch it: a is not let through
    swarm.avoidFor(0, a, Number.POSITIVE_INFINITY)
    expect(swarm.pick(a)).toBeUndefined()
  })

  it('halves the window and backs off on `busy`, and grows the window again with each chunk served', () => {
    const a = swarm.add(peers[0])
    expect(a.window).toBe(FILES_STREAMS_PER_PEER)
    const now = Date.now()
    a.busy()
    expect(a.window).toBe(FILES_STREAMS_PER_PEER / 2)
    expect(a.busyUntil).toBeGreaterThanOrEqual(now + FILES_BUSY_RETRY_MS * 0.5)
    expect(a.busyUntil).toBeLessThanOrEqual(now + FILES_BUSY_RETRY_MS * 1.5)
    a.busy()
    a.busy()
    expect(a.window).toBe(1)
    expect(a.busyStreak).toBe(3)
    // the third `busy` in a row waits four times the first
    expect(a.busyUntil).toBeGreaterThanOrEqual(now + FILES_BUSY_RETRY_MS * 4 * 0.5)
    a.served(100)
    a.served(50)
    expect({ window: a.window, busyStreak: a.busyStreak, ...a.status() }).toMatchObject({ window: 3, busyStreak: 0, chunks: 2, bytes: 150 })
    for (let i = 0; i < 5; i++) a.served(1)
    expect(a.window).toBe(FILES_STREAMS_PER_PEER)
  })

  it('asks again which chunks a provider holds when it was never asked, or its answer is old', () => {
    swarm.setChunks(4)
    const [a, b, c] = peers.map(p => swarm.add(p))
    expect(a.haveDue(false)).toBe(true)
    swarm.setHave(a, Bitfield.of(4, [0]))
    swarm.setHave(b, Bitfield.full(4))
    c.cannotSayHave()
    expect(c.haveDue(true)).toBe(false)
    expect(a.haveDue(true)).toBe(false)

    vi.setSystemTime(Date.now() + FILES_HAVE_REFRESH_MS)
    // still downloading and nothing wanted from it: ask again
    expect(a.haveDue(true)).toBe(true)
    expect(a.haveDue(false)).toBe(false)
    // holds the whole file: nothing new to learn until the fellow downloaders it names are due
    expect(b.haveDue(true)).toBe(false)

    vi.setSystemTime(Date.now() + FILES_PEER_HINT_REFRESH_MS)
    expect(a.haveDue(false)).toBe(true)
    expect(b.haveDue(false)).toBe(true)
  })
})
