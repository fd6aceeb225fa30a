/**
 * One of a download's request streams to one provider: asks it which chunks it holds when due, then for the next
 * chunk the provider swarm picks for it, verifies each against its hash and hands it to the job. A provider has
 * up to FILES_STREAMS_PER_PEER of these.
 */
import { createHash } from 'node:crypto'
import type { PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { FILES_BUSY_RETRY_MS, FILES_HAVE_REFRESH_MS, FILES_REQUEST_TIMEOUT_MS, FILES_UNAVAILABLE_RETRY_MS } from './constants.js'
import { FileTransferError } from '../errors.js'
import { deadline, withDeadline } from '../node/deadline.js'
import { Bitfield } from './bitfield.js'
import type { ChunkQueue } from './chunk-queue.js'
import { chunkLength, type Manifest } from './manifest.js'
import type { FilesSession } from './protocol.js'
import type { Provider } from './provider.js'
import type { ProviderSwarm } from './provider-swarm.js'
import type { Changes } from './wait.js'
import { sleep } from './wait.js'
import { isPeerAnswer, type Pieces } from './wire.js'

/** A chunk whose bytes do not match the manifest's hash. */
export class CorruptChunkError extends FileTransferError {
  static override name = 'CorruptChunkError'
}

/** What a worker needs of its download. */
export interface WorkerContext {
  cid: CID
  manifest: Manifest
  signal: AbortSignal
  swarm: ProviderSwarm
  chunks: ChunkQueue
  changes: Changes
  /** The download failed for a reason no provider caused (e.g. the disk): workers stop. */
  failed(): boolean
  openSession(peer: PeerId, signal: AbortSignal): Promise<FilesSession>
  penalise(p: Provider, err: Error, ban?: boolean): void
  /** A fellow downloader a provider named. */
  hint(peer: string): void
  /** A verified chunk from `p`. */
  store(idx: number, data: Pieces, p: Provider): Promise<void>
  /** A chunk request to `p` failed with `err`. */
  chunkFailed(idx: number, p: Provider, err: Error): void
  onCorrupt?(peer: string): void
}

/** Open a session to `p` within one request's time limit. */
async function openSessionTo (job: WorkerContext, p: Provider): Promise<FilesSession> {
  return withDeadline(FILES_REQUEST_TIMEOUT_MS, async signal => job.openSession(p.peer, signal), job.signal)
}

/** Ask `p` for its bitfield and the fellow downloaders it knows; they join as providers. */
async function refreshHave (job: WorkerContext, p: Provider, session: FilesSession): Promise<void> {
  const chunks = job.manifest.chunks.length
  try {
    const { bits, peers } = await withDeadline(FILES_REQUEST_TIMEOUT_MS, async signal => session.have(job.cid, chunks, signal), job.signal)
    job.swarm.setHave(p, bits)
    for (const id of peers) job.hint(id)
  } catch (err) {
    if (!isPeerAnswer(err)) throw err
    if (err.answer === 'unavailable') {
      // a fellow downloader still waiting for the manifest: holds nothing yet
      job.swarm.setHave(p, Bitfield.empty(chunks))
    } else if (err.answer === 'not-found') {
      job.penalise(p, err, true)
    } else {
      // a node that does not know the request closes the stream after answering
      p.cannotSayHave()
      throw err
    }
  }
}

/** Run one request stream to `p` until the download ends, `p` is dropped or nothing is left to fetch. */
export async function runWorker (job: WorkerContext, p: Provider): Promise<void> {
  const m = job.manifest
  let session: FilesSession | undefined
  try {
    while (!job.signal.aborted && p.isActive && job.chunks.size > 0) {
      const busyMs = p.busyUntil - Date.now()
      if (busyMs > 0) {
        await sleep(busyMs, job.signal)
        continue
      }
      let idx = p.have == null ? undefined : job.swarm.pick(p)
      if (p.haveDue(idx == null)) {
        // one `have` at a time per provider: its other workers wait for the answer (on a timer as well, so no
        // loop of theirs can keep the event loop from running the request they wait for)
        if (p.refreshing != null) {
          await job.changes.wait(FILES_HAVE_REFRESH_MS)
          continue
        }
        let failure: Error | undefined
        try {
          await p.refreshWith((async () => {
            session ??= await openSessionTo(job, p)
            await refreshHave(job, p, session)
          })())
        } catch (err) {
          failure = err as Error
        } finally {
          job.changes.notify()
        }
        if (failure != null) {
          if (job.signal.aborted) break
          session?.abort(failure)
          session = undefined
          if (!isPeerAnswer(failure)) job.penalise(p, failure)
          await sleep(FILES_BUSY_RETRY_MS, job.signal)
        }
        continue
      }
      if (!p.canRequest) {
        await job.changes.wait(FILES_UNAVAILABLE_RETRY_MS)
        continue
      }
      idx ??= job.swarm.pick(p)
      if (idx == null) {
        await job.changes.wait(FILES_UNAVAILABLE_RETRY_MS)
        continue
      }
      job.chunks.fetch(idx)
      p.requestStarted()
      // one request's time limit, cleared when it ends: a download makes one request per chunk, and timers left to
      // fire would pile up by the thousand on a fast one (node/deadline.ts)
      const request = deadline(FILES_REQUEST_TIMEOUT_MS, job.signal)
      try {
        session ??= await job.openSession(p.peer, request.signal)
        const data = await session.chunk(job.cid, idx, request.signal)
        const hasher = createHash('sha256')
        for (const piece of data) hasher.update(piece)
        if (data.byteLength !== chunkLength(m, idx) || hasher.digest('hex') !== m.chunks[idx]) {
          job.onCorrupt?.(p.peerId)
          throw new CorruptChunkError(`chunk ${idx} from ${p.peerId} does not match its hash`)
        }
        await job.store(idx, data, p)
      } catch (err) {
        if (job.signal.aborted || job.failed()) break
        job.chunkFailed(idx, p, err as Error)
        if (!isPeerAnswer(err)) {
          session?.abort(err as Error)
          session = undefined
        }
      } finally {
        request.clear()
        job.chunks.settle(idx)
        p.requestEnded()
        job.changes.notify()
      }
    }
  } finally {
    await session?.close()
  }
}
