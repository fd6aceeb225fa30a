/**
 * A download's requests, a served stream's frame reads and a search of the peers' indexes each run under a time
 * limit whose timer is cleared once they end: a download makes one request per chunk, a stream reads one frame per
 * request, and timers left to fire would pile up by the thousand (node/deadline.ts).
 */
import { createHash } from 'node:crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import { streamPair } from '@libp2p/utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { silentLogger } from '../../src/logger.js'
import { Bitfield } from '../../src/files/bitfield.js'
import { ChunkQueue } from '../../src/files/chunk-queue.js'
import { FILES_IDLE_TIMEOUT_MS, FILES_INDEX_TIMEOUT_MS, FILES_REQUEST_TIMEOUT_MS } from '../../src/files/constants.js'
import { FileSharing, type FileSharingComponents, type SearchAnswer } from '../../src/files/file-sharing.js'
import { serveIndex } from '../../src/files/index-protocol.js'
import { encodeManifest, manifestId, type Manifest } from '../../src/files/manifest.js'
import { FilesSession, serveFiles, type FilesServerComponents } from '../../src/files/protocol.js'
import { ProviderSwarm } from '../../src/files/provider-swarm.js'
import { runWorker, type WorkerContext } from '../../src/files/provider-worker.js'
import type { FileEntry } from '../../src/files/store.js'
import { Changes } from '../../src/files/wait.js'
import type { Pieces } from '../../src/files/wire.js'
import { timersOfLength } from '../helpers/timers.js'

const PEER = peerIdFromString('12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN')
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

function pieces (bytes: Uint8Array): Pieces {
  return { byteLength: bytes.byteLength, subarray: () => bytes, * [Symbol.iterator] () { yield bytes } }
}

describe("a download worker's requests", () => {
  afterEach(() => { vi.useRealTimers() })

  /**
   * A worker's job of one chunk, from a provider that is asked which chunks it holds first; `chunk` answers the
   * chunk request. Each request records how many timers were set while it was in flight.
   */
  async function oneChunk (chunk: (data: Uint8Array) => Promise<Pieces>): Promise<{ job: WorkerContext, run: () => Promise<void>, during: Record<string, number>, signals: AbortSignal[] }> {
    const data = new TextEncoder().encode('the only chunk')
    const manifest: Manifest = { version: 1, name: 'f', size: data.byteLength, chunkSize: data.byteLength, hash: sha256(data), chunks: [sha256(data)] }
    const cid = await manifestId(encodeManifest(manifest))
    const chunks = new ChunkQueue()
    chunks.want([0])
    const swarm = new ProviderSwarm(chunks)
    swarm.setChunks(1)
    const p = swarm.add(PEER)
    const during: Record<string, number> = {}
    const signals: AbortSignal[] = []
    const seen = (what: string, signal: AbortSignal): void => { during[what] = vi.getTimerCount(); signals.push(signal) }
    const session = {
      have: async (_cid: unknown, _size: number, signal: AbortSignal) => { seen('have', signal); return { bits: Bitfield.full(1), peers: [] } },
      chunk: async (_cid: unknown, _idx: number, signal: AbortSignal) => { seen('chunk', signal); return chunk(data) },
      close: async () => {},
      abort: () => {}
    } as unknown as FilesSession
    let failed = false
    const job: WorkerContext = {
      cid,
      manifest,
      signal: new AbortController().signal,
      swarm,
      chunks,
      changes: new Changes(),
      failed: () => failed,
      openSession: async (_peer, signal) => { seen('open', signal); return session },
      penalise: () => {},
      hint: () => {},
      store: async idx => { chunks.done(idx) },
      // a failed request ends this worker: nothing else would end the loop in this test
      chunkFailed: () => { failed = true }
    }
    return { job, run: async () => runWorker(job, p), during, signals }
  }

  it('sets one timer per request and leaves none once the chunk is in', async () => {
    const { run, during, signals } = await oneChunk(async data => pieces(data))
    vi.useFakeTimers()
    await run()
    // the session is opened and the bitfield asked under limits of their own, then the chunk under a third
    expect(during).toEqual({ open: 1, have: 1, chunk: 1 })
    expect(vi.getTimerCount()).toBe(0)
    vi.advanceTimersByTime(FILES_REQUEST_TIMEOUT_MS)
    expect(signals.some(s => s.aborted)).toBe(false)
  })

  it('leaves no timer behind a request that failed', async () => {
    const { run, during } = await oneChunk(async () => { throw new Error('stream reset') })
    vi.useFakeTimers()
    await run()
    expect(during.chunk).toBe(1)
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('a served files stream', () => {
  it('clears the idle timer of every frame read by the time the stream is served', async () => {
    const [outbound, inbound] = await streamPair()
    const c = {
      source: { manifest: async () => undefined, chunk: async () => undefined, have: () => undefined, wholeChunks: () => undefined },
      log: silentLogger()
    } as unknown as FilesServerComponents
    const cid = await manifestId(new TextEncoder().encode('{}'))
    const result = await timersOfLength(FILES_IDLE_TIMEOUT_MS, async () => {
      const served = serveFiles(inbound, PEER.toString(), c)
      const session = await FilesSession.open(async () => outbound, new AbortController().signal)
      for (let i = 0; i < 3; i++) await expect(session.manifest(cid, new AbortController().signal)).rejects.toThrow(/not-found/)
      await session.close()
      await served
    })
    // three requests, and the read that found the client gone
    expect(result).toEqual({ set: 4, left: 0 })
  })
})

describe("a search of the peers' indexes", () => {
  it('asks each peer under one time limit, and the peer answers under its own, both cleared once the answer is in', async () => {
    const [outbound, inbound] = await streamPair()
    const entry = { id: 'bafy-report', name: 'report.pdf', size: 3 } as FileEntry
    let served: Promise<void> | undefined
    const files = new FileSharing({
      connectedPeers: () => [PEER],
      dialProtocol: async () => {
        served = serveIndex(inbound, () => [entry])
        return outbound
      }
    } as unknown as FileSharingComponents, { dataDir: '/nonexistent' })
    let answer: SearchAnswer | undefined
    const result = await timersOfLength(FILES_INDEX_TIMEOUT_MS, async () => {
      answer = await files.search('report')
      await served
    })
    expect(answer).toEqual({ results: [{ ...entry, peers: [PEER.toString()] }], asked: 1, failed: [] })
    // one limit for the one peer asked, and the serving peer's for its answer
    expect(result).toEqual({ set: 2, left: 0 })
  })
})
