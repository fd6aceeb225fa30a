/**
 * One download: find providers (the `from` peers, the DHT, looked up again every few seconds, and the fellow
 * downloaders providers name in their `have` answers), fetch the manifest from any of them, then fetch chunks in
 * parallel from all of them, rarest first among the chunks each provider holds (its `have` bitfield, asked again
 * while it is itself downloading), verifying each against its SHA-256 and writing it at its offset in a partial
 * file. A provider at its upload cap answers `busy` and is asked again shortly. A failed
 * or corrupt chunk is retried from another provider and the provider is penalised; after a few failures it is
 * dropped. Only when every chunk is in, and the whole file hashes to the manifest's hash, does the file enter
 * the store. Progress is persisted per chunk, so a restart resumes.
 */
import { createHash } from 'node:crypto'
import { mkdir, open, readFile, writeFile, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { CID } from 'multiformats/cid'
import {
  FILES_BUSY_RETRY_MS, FILES_FIND_PROVIDERS_TIMEOUT_MS, FILES_HAVE_REFRESH_MS, FILES_MAX_CHUNK_ATTEMPTS,
  FILES_NO_PROVIDER_TIMEOUT_MS, FILES_PROVIDER_REFRESH_MAX_MS, FILES_PROVIDER_REFRESH_MS, FILES_REQUEST_TIMEOUT_MS,
  FILES_STREAMS_PER_PEER, FILES_UNAVAILABLE_RETRY_MS
} from './constants.js'
import { FileTooLargeError, FileTransferError, GossipdError, isError } from '../errors.js'
import type { Logger } from '../logger.js'
import { Bitfield } from './bitfield.js'
import type { DownloadRecord, DownloadRecords, DownloadState } from './download-records.js'
import { chunkLength, decodeManifest, parseFileId, type Manifest } from './manifest.js'
import type { FilesSession } from './protocol.js'
import { ProviderSwarm, type ProviderRun, type ProviderStatus } from './provider-swarm.js'
import type { FileStore } from './store.js'
import { isPeerAnswer, type Pieces } from './wire.js'

export interface DownloadStatus {
  id: string
  fileId: string
  state: DownloadState
  name: string | null
  size: number | null
  chunks: number | null
  chunksDone: number
  bytesDone: number
  /** Bytes per second over the last few seconds. */
  rate: number
  providers: ProviderStatus[]
  from: string[]
  error: string | null
  createdAt: string
  updatedAt: string
  finishedAt: string | null
}

export interface JobComponents {
  store: FileStore
  records: DownloadRecords
  partialDir: string
  findProviders(cid: CID, signal: AbortSignal): AsyncIterable<PeerId>
  openSession(peer: PeerId, signal: AbortSignal): Promise<FilesSession>
  /** Announce the file (done once the manifest is in, so other downloaders can fetch finished chunks here). */
  announce(id: string): void
  log: Logger
  onProgress(job: DownloadJob, stateChanged: boolean): void
  onCorrupt?(peer: string): void
  onChunk?(bytes: number): void
}

/**
 * The wait before a download's next DHT provider lookup, given the last wait (undefined after the first lookup)
 * and whether some provider can be asked now: FILES_PROVIDER_REFRESH_MS without one; with one, that at first
 * and then twice the last wait, up to FILES_PROVIDER_REFRESH_MAX_MS.
 */
export function nextProviderLookupMs (lastMs: number | undefined, haveProviders: boolean): number {
  if (!haveProviders || lastMs == null) return FILES_PROVIDER_REFRESH_MS
  return Math.min(FILES_PROVIDER_REFRESH_MAX_MS, lastMs * 2)
}

/** The node is stopping: the job keeps its state and resumes at the next start. */
export class JobStoppedError extends GossipdError {
  static override name = 'JobStoppedError'
  readonly code = 'job-stopped'
}

/** The user cancelled the job. */
export class JobCancelledError extends GossipdError {
  static override name = 'JobCancelledError'
  readonly code = 'job-cancelled'
}

/** A chunk whose bytes do not match the manifest's hash. */
class CorruptChunkError extends FileTransferError {
  static override name = 'CorruptChunkError'
}

const RATE_WINDOW_MS = 5_000

function shuffled (values: number[]): number[] {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    const t = values[i]; values[i] = values[j]; values[j] = t
  }
  return values
}

/** A promise and its resolver: workers wait on it for "something changed". */
function signal (): { promise: Promise<void>, resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>(r => { resolve = r })
  return { promise, resolve }
}

async function sleep (ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>(resolve => {
    const t = setTimeout(done, ms)
    function done (): void { clearTimeout(t); signal.removeEventListener('abort', done); resolve() }
    signal.addEventListener('abort', done, { once: true })
  })
}

export class DownloadJob {
  readonly cid: CID
  manifest?: Manifest
  private manifestBytes?: Uint8Array
  /** The chunks verified and written here, once the manifest is in: also what this node answers to `have`. */
  private done?: Bitfield
  /** Chunks still to fetch, in random order (random-first spreads chunks among parallel downloaders). */
  private readonly remaining = new Set<number>()
  private readonly inflight = new Set<number>()
  private readonly attempts = new Map<number, number>()
  private readonly swarm = new ProviderSwarm({ remaining: this.remaining, inflight: this.inflight })
  private readonly controller = new AbortController()
  private readonly samples: Array<[number, number]> = []
  private bytesDone = 0
  private fatal?: Error
  private fh?: FileHandle
  private wake = signal()
  private finished?: Promise<void>

  constructor (private readonly c: JobComponents, readonly record: DownloadRecord) {
    this.cid = parseFileId(record.fileId)
    // waiting workers wake when the job ends, without a listener of their own on its signal
    this.signal.addEventListener('abort', () => { this.notify() }, { once: true })
  }

  get id (): string { return this.record.id }
  get state (): DownloadState { return this.record.state }
  get isActive (): boolean { return this.state === 'pending' || this.state === 'running' }
  private get signal (): AbortSignal { return this.controller.signal }
  get partialPath (): string { return join(this.c.partialDir, this.id) }
  private get manifestPath (): string { return `${this.partialPath}.manifest` }

  status (): DownloadStatus {
    const now = Date.now()
    while (this.samples.length > 0 && now - this.samples[0][0] > RATE_WINDOW_MS) this.samples.shift()
    const recent = this.samples.reduce((n, [, b]) => n + b, 0)
    const r = this.record
    const complete = r.state === 'completed'
    return {
      id: r.id,
      fileId: r.fileId,
      state: r.state,
      name: r.name,
      size: r.size,
      chunks: r.chunks,
      chunksDone: complete ? (r.chunks ?? 0) : (this.done?.count ?? 0),
      bytesDone: complete ? (r.size ?? 0) : this.bytesDone,
      rate: this.isActive ? Math.round(recent * 1000 / RATE_WINDOW_MS) : 0,
      providers: this.swarm.status(),
      from: r.from,
      error: r.error,
      createdAt: new Date(r.createdAt).toISOString(),
      updatedAt: new Date(r.updatedAt).toISOString(),
      finishedAt: r.finishedAt == null ? null : new Date(r.finishedAt).toISOString()
    }
  }

  /** Run to completion, failure, cancellation or node stop; never rejects. */
  async start (): Promise<void> {
    this.finished ??= this.run()
    return this.finished
  }

  /** Stop without changing the persisted state (the node is stopping). */
  async stop (): Promise<void> {
    this.controller.abort(new JobStoppedError('the node is stopping'))
    await this.finished
  }

  async cancel (): Promise<void> {
    this.controller.abort(new JobCancelledError('cancelled'))
    await this.finished
  }

  /** A finished chunk from the partial file, for peers downloading the same file. */
  async readChunk (index: number): Promise<Uint8Array | 'unavailable'> {
    const m = this.manifest
    if (m == null || this.done?.has(index) !== true) return 'unavailable'
    const buf = Buffer.allocUnsafe(chunkLength(m, index))
    // the partial file moves into the store when the job completes: between the two, ask again
    const fh = await open(this.partialPath, 'r').catch(() => undefined)
    if (fh == null) return 'unavailable'
    try {
      await fh.read(buf, 0, buf.byteLength, index * m.chunkSize)
    } finally {
      await fh.close()
    }
    return buf
  }

  get manifestData (): Uint8Array | undefined { return this.manifestBytes }

  /** The chunks held here, for a fellow downloader's `have`; 'unavailable' before the manifest is in. */
  have (): Bitfield | 'unavailable' {
    return this.done?.copy() ?? 'unavailable'
  }

  private setState (state: DownloadState, error: string | null = null): void {
    this.c.records.setState(this.id, state, error)
    Object.assign(this.record, this.c.records.get(this.id))
    this.c.onProgress(this, true)
  }

  private notify (): void {
    this.wake.resolve()
    this.wake = signal()
  }

  /**
   * Wait until something changes (a chunk in, a request ended, a provider added, the job aborted) or `ms` pass.
   * Dozens of workers wait here and wake often: the timer is cleared on waking, not left to fire.
   */
  private async waitChange (ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([this.wake.promise, new Promise<void>(resolve => { timer = setTimeout(resolve, ms) })])
    clearTimeout(timer)
  }

  private async run (): Promise<void> {
    void this.discover()
    try {
      await mkdir(this.c.partialDir, { recursive: true, mode: 0o700 })
      await this.loadManifest()
      if (this.state === 'pending') this.setState('running')
      await this.fetchAll()
      const m = this.manifest as Manifest
      await this.fh?.close()
      this.fh = undefined
      await this.c.store.commit(this.cid, this.manifestBytes as Uint8Array, m, this.partialPath, 'download')
      this.c.records.clearChunks(this.id)
      this.setState('completed')
      this.c.announce(this.record.fileId)
      this.c.log.info({ job: this.id, file: this.record.fileId, size: m.size }, 'download complete')
    } catch (err) {
      const reason = this.signal.reason as Error | undefined
      if (isError(reason, 'JobStoppedError')) {
        this.c.log.debug({ job: this.id }, 'download paused by node stop')
      } else if (isError(reason, 'JobCancelledError')) {
        this.setState('cancelled')
      } else {
        this.c.log.warn({ job: this.id, err: (err as Error).message }, 'download failed')
        this.setState('failed', (err as Error).message)
      }
    } finally {
      if (!this.signal.aborted) this.controller.abort(new JobStoppedError('job ended'))
      await this.fh?.close().catch(() => {})
      this.fh = undefined
    }
  }

  /**
   * Keep adding providers: the `from` peers first, then whoever the DHT knows, looked up again every few seconds
   * while no provider can be asked, and less and less often while some can (FILES_PROVIDER_REFRESH_MS).
   */
  private async discover (): Promise<void> {
    let wait: number | undefined
    while (!this.signal.aborted) {
      for (const p of this.record.from) this.addProvider(peerIdFromString(p))
      try {
        const signal = AbortSignal.any([this.signal, AbortSignal.timeout(FILES_FIND_PROVIDERS_TIMEOUT_MS)])
        for await (const peer of this.c.findProviders(this.cid, signal)) this.addProvider(peer)
      } catch (err) {
        this.c.log.debug({ job: this.id, err: (err as Error).message }, 'provider lookup failed')
      }
      wait = nextProviderLookupMs(wait, this.swarm.active().length > 0)
      await this.waitForProviderLookup(wait)
    }
  }

  /** Sleep `ms`, or less: the wait ends early once no provider can be asked (all dropped or cooling down). */
  private async waitForProviderLookup (ms: number): Promise<void> {
    const until = Date.now() + ms
    while (Date.now() < until && !this.signal.aborted) {
      await sleep(Math.min(FILES_PROVIDER_REFRESH_MS, until - Date.now()), this.signal)
      if (this.swarm.active().length === 0) return
    }
  }

  /** A peer named as a fellow downloader (in a `have` answer, or because it asked this node for the file). */
  hint (peer: string): void {
    if (this.swarm.has(peer)) return
    try {
      this.addProvider(peerIdFromString(peer))
    } catch {
      // not a peer id: ignored
    }
  }

  private addProvider (peer: PeerId): void {
    const key = peer.toString()
    if (this.signal.aborted) return
    const known = this.swarm.get(key)
    if (known != null) {
      if (this.swarm.reactivate(known)) {
        if (this.manifest != null && this.remaining.size > 0) this.startWorkers(known)
        this.notify()
      }
      return
    }
    const p = this.swarm.add(peer)
    if (this.manifest != null && this.remaining.size > 0) this.startWorkers(p)
    this.notify()
  }

  /** Count a failure against a provider (see ProviderSwarm.penalise), and say so when it is dropped. */
  private penalise (p: ProviderRun, err: Error, ban = false): void {
    if (this.swarm.penalise(p, isError(err, 'CorruptChunkError'), ban)) {
      this.c.log.info({ job: this.id, peer: p.peerId, err: err.message }, 'provider dropped')
    }
  }

  private async loadManifest (): Promise<void> {
    let bytes: Uint8Array | undefined = await readFile(this.manifestPath).catch(() => undefined)
    const deadline = Date.now() + FILES_NO_PROVIDER_TIMEOUT_MS
    while (bytes == null) {
      this.signal.throwIfAborted()
      const p = this.swarm.active().find(p => p.manifestAt <= Date.now())
      if (p == null) {
        if (Date.now() > deadline) throw new FileTransferError(`no provider of ${this.record.fileId} answered within ${FILES_NO_PROVIDER_TIMEOUT_MS} ms`)
        await this.waitChange(1_000)
        continue
      }
      // asked again after a failure, later each time: the only provider may just have been busy
      p.manifestAt = Date.now() + 1_000 * 2 ** p.failures
      let session: FilesSession | undefined
      try {
        const signal = AbortSignal.any([this.signal, AbortSignal.timeout(FILES_REQUEST_TIMEOUT_MS)])
        session = await this.c.openSession(p.peer, signal)
        const candidate = await session.manifest(this.cid, signal)
        await decodeManifest(candidate, this.cid)
        bytes = candidate
        await writeFile(this.manifestPath, bytes, { mode: 0o600 })
      } catch (err) {
        if (this.signal.aborted) throw err
        this.penalise(p, err as Error, isPeerAnswer(err) && err.answer === 'not-found')
      } finally {
        await session?.close()
      }
    }
    const m = await decodeManifest(bytes, this.cid)
    if (m.size > this.c.store.maxFileSize) throw new FileTooLargeError(this.c.store.maxFileSize)
    this.manifest = m
    this.manifestBytes = bytes
    this.c.records.setManifest(this.id, { name: m.name, size: m.size, chunks: m.chunks.length })
    Object.assign(this.record, { name: m.name, size: m.size, chunks: m.chunks.length })
    this.swarm.setChunks(m.chunks.length)
    const done = Bitfield.empty(m.chunks.length)
    for (const idx of this.c.records.doneChunks(this.id)) {
      if (idx < m.chunks.length) {
        done.set(idx)
        this.bytesDone += chunkLength(m, idx)
      }
    }
    this.done = done
    this.c.announce(this.record.fileId)
  }

  private async openPartial (m: Manifest): Promise<FileHandle> {
    await (await open(this.partialPath, 'a', 0o600)).close()
    const fh = await open(this.partialPath, 'r+')
    if ((await fh.stat()).size !== m.size) await fh.truncate(m.size)
    return fh
  }

  /** Fetch every missing chunk, then check the whole file; chunks that fail the final check are fetched again. */
  private async fetchAll (): Promise<void> {
    const m = this.manifest as Manifest
    const done = this.done as Bitfield
    this.fh = await this.openPartial(m)
    for (let pass = 0; ; pass++) {
      for (const idx of shuffled(m.chunks.map((_h, i) => i).filter(i => !done.has(i)))) this.remaining.add(idx)
      let idleSince = Date.now()
      for (const p of this.swarm.active()) this.startWorkers(p)
      while (this.remaining.size > 0) {
        if (this.fatal != null) throw this.fatal
        this.signal.throwIfAborted()
        if (this.swarm.active().length > 0) idleSince = Date.now()
        else if (Date.now() - idleSince > FILES_NO_PROVIDER_TIMEOUT_MS) throw new FileTransferError(`every provider failed and no other was found within ${FILES_NO_PROVIDER_TIMEOUT_MS} ms`)
        await this.waitChange(1_000)
      }
      const bad = await this.verify(m)
      if (bad.length === 0) return
      if (pass > 0) throw new FileTransferError(`the file does not match its manifest after ${pass + 1} passes`)
      for (const idx of bad) {
        done.clear(idx)
        this.bytesDone -= chunkLength(m, idx)
        this.c.records.unmark(this.id, idx)
      }
    }
  }

  private startWorkers (p: ProviderRun): void {
    while (p.workers < FILES_STREAMS_PER_PEER && p.state === 'active') {
      p.workers++
      void this.worker(p).finally(() => { p.workers-- })
    }
  }

  /** Ask `p` for its bitfield and the fellow downloaders it knows; they join as providers. */
  private async refreshHave (p: ProviderRun, session: FilesSession): Promise<void> {
    const m = this.manifest as Manifest
    try {
      const signal = AbortSignal.any([this.signal, AbortSignal.timeout(FILES_REQUEST_TIMEOUT_MS)])
      const { bits, peers } = await session.have(this.cid, m.chunks.length, signal)
      this.swarm.setHave(p, bits)
      for (const id of peers) this.hint(id)
    } catch (err) {
      if (!isPeerAnswer(err)) throw err
      if (err.answer === 'unavailable') {
        // a fellow downloader still waiting for the manifest: holds nothing yet
        this.swarm.setHave(p, Bitfield.empty(m.chunks.length))
      } else if (err.answer === 'not-found') {
        this.penalise(p, err, true)
      } else {
        // a node that does not know the request closes the stream after answering
        p.haveUnknown = true
        throw err
      }
    }
  }

  private async worker (p: ProviderRun): Promise<void> {
    const m = this.manifest as Manifest
    let session: FilesSession | undefined
    try {
      while (!this.signal.aborted && p.state === 'active' && this.remaining.size > 0) {
        const busyMs = p.busyUntil - Date.now()
        if (busyMs > 0) {
          await sleep(busyMs, this.signal)
          continue
        }
        let idx = p.have == null ? undefined : this.swarm.pick(p)
        if (this.swarm.haveDue(p, idx == null)) {
          // one `have` at a time per provider: its other workers wait for the answer (on a timer as well, so no
          // loop of theirs can keep the event loop from running the request they wait for)
          if (p.refreshing != null) {
            await this.waitChange(FILES_HAVE_REFRESH_MS)
            continue
          }
          let failure: Error | undefined
          const refresh = (async () => {
            const signal = AbortSignal.any([this.signal, AbortSignal.timeout(FILES_REQUEST_TIMEOUT_MS)])
            session ??= await this.c.openSession(p.peer, signal)
            await this.refreshHave(p, session)
          })()
          p.refreshing = refresh
          try {
            await refresh
          } catch (err) {
            failure = err as Error
          } finally {
            if (p.refreshing === refresh) p.refreshing = undefined
            this.notify()
          }
          if (failure != null) {
            if (this.signal.aborted) break
            session?.abort(failure)
            session = undefined
            if (!isPeerAnswer(failure)) this.penalise(p, failure)
            await sleep(FILES_BUSY_RETRY_MS, this.signal)
          }
          continue
        }
        if (p.requests >= p.window) {
          await this.waitChange(FILES_UNAVAILABLE_RETRY_MS)
          continue
        }
        idx ??= this.swarm.pick(p)
        if (idx == null) {
          await this.waitChange(FILES_UNAVAILABLE_RETRY_MS)
          continue
        }
        this.inflight.add(idx)
        p.requests++
        try {
          const signal = AbortSignal.any([this.signal, AbortSignal.timeout(FILES_REQUEST_TIMEOUT_MS)])
          session ??= await this.c.openSession(p.peer, signal)
          const data = await session.chunk(this.cid, idx, signal)
          const hasher = createHash('sha256')
          for (const piece of data) hasher.update(piece)
          const hash = hasher.digest('hex')
          if (data.byteLength !== chunkLength(m, idx) || hash !== m.chunks[idx]) {
            this.c.onCorrupt?.(p.peerId)
            throw new CorruptChunkError(`chunk ${idx} from ${p.peerId} does not match its hash`)
          }
          await this.store(idx, data, p)
        } catch (err) {
          if (this.signal.aborted || this.fatal != null) break
          this.failed(idx, p, err as Error)
          if (!isPeerAnswer(err)) {
            session?.abort(err as Error)
            session = undefined
          }
        } finally {
          this.inflight.delete(idx)
          p.requests--
          this.notify()
        }
      }
    } finally {
      await session?.close()
    }
  }

  private async store (idx: number, data: Pieces, p: ProviderRun): Promise<void> {
    const m = this.manifest as Manifest
    try {
      await (this.fh as FileHandle).writev([...data], idx * m.chunkSize)
      this.c.records.markDone(this.id, idx)
    } catch (err) {
      // a local write failure (disk full, permissions) is no provider's fault
      this.fatal = new FileTransferError(`cannot write the partial file: ${(err as Error).message}`)
      throw this.fatal
    }
    this.done?.set(idx)
    this.remaining.delete(idx)
    this.bytesDone += data.byteLength
    this.samples.push([Date.now(), data.byteLength])
    this.swarm.served(p, data.byteLength)
    this.c.onChunk?.(data.byteLength)
    this.c.onProgress(this, false)
  }

  private failed (idx: number, p: ProviderRun, err: Error): void {
    if (isPeerAnswer(err) && err.answer === 'busy') {
      this.swarm.busy(p)
      return
    }
    if (isPeerAnswer(err) && err.answer === 'unavailable') {
      // a peer still downloading: ask it again later, no penalty
      this.swarm.lacks(p, idx)
      this.swarm.avoidFor(idx, p, Date.now() + FILES_UNAVAILABLE_RETRY_MS)
      return
    }
    this.swarm.avoidFor(idx, p, Number.POSITIVE_INFINITY)
    this.penalise(p, err, isPeerAnswer(err) && err.answer === 'not-found')
    const n = (this.attempts.get(idx) ?? 0) + 1
    this.attempts.set(idx, n)
    this.c.log.debug({ job: this.id, chunk: idx, peer: p.peerId, err: err.message }, 'chunk fetch failed')
    if (n >= FILES_MAX_CHUNK_ATTEMPTS) this.fatal = new FileTransferError(`chunk ${idx} failed ${n} times, last: ${err.message}`)
  }

  /**
   * Check the partial file against the manifest; returns the chunks that do not match. Every chunk was hashed on
   * arrival, so one pass hashing the whole file proves what was written is what arrived; only if it does not
   * match is the file read again, chunk by chunk, to find the bad ones.
   */
  private async verify (m: Manifest): Promise<number[]> {
    const whole = createHash('sha256')
    let short = false
    await this.readBack(m, (_i, data, len) => {
      whole.update(data)
      if (data.byteLength !== len) short = true
    })
    if (!short && whole.digest('hex') === m.hash) return []
    const bad: number[] = []
    await this.readBack(m, (i, data, len) => {
      if (data.byteLength !== len || createHash('sha256').update(data).digest('hex') !== m.chunks[i]) bad.push(i)
    })
    if (bad.length === 0) throw new FileTransferError('every chunk matches but the whole file does not: the manifest is inconsistent')
    return bad
  }

  /** Read the partial file back chunk by chunk, one chunk in memory. */
  private async readBack (m: Manifest, each: (index: number, data: Buffer, length: number) => void): Promise<void> {
    const fh = this.fh as FileHandle
    const buf = Buffer.allocUnsafe(m.chunkSize)
    for (let i = 0; i < m.chunks.length; i++) {
      this.signal.throwIfAborted()
      const len = chunkLength(m, i)
      const { bytesRead } = await fh.read(buf, 0, len, i * m.chunkSize)
      each(i, buf.subarray(0, bytesRead), len)
    }
  }
}
