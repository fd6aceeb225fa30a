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
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { CID } from 'multiformats/cid'
import { FILES_MAX_CHUNK_ATTEMPTS, FILES_NO_PROVIDER_TIMEOUT_MS, FILES_REQUEST_TIMEOUT_MS, FILES_UNAVAILABLE_RETRY_MS } from './constants.js'
import { FileTooLargeError, FileTransferError, GossipdError, isError } from '../errors.js'
import type { Logger } from '../logger.js'
import { Bitfield } from './bitfield.js'
import { ChunkQueue } from './chunk-queue.js'
import type { DownloadRecord, DownloadRecords, DownloadState } from './download-records.js'
import { chunkLength, decodeManifest, parseFileId, type Manifest } from './manifest.js'
import { PartialFile } from './partial-file.js'
import type { FilesSession } from './protocol.js'
import { ProviderSwarm, type Provider, type ProviderStatus } from './provider-swarm.js'
import { deadline } from '../node/deadline.js'
import { lookUpProviders } from './provider-lookups.js'
import { runWorker, type WorkerContext } from './provider-worker.js'
import type { FileStore } from './store.js'
import { Changes } from './wait.js'
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

const RATE_WINDOW_MS = 5_000

function shuffled (values: number[]): number[] {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    const t = values[i]; values[i] = values[j]; values[j] = t
  }
  return values
}

export class DownloadJob {
  readonly cid: CID
  manifest?: Manifest
  private manifestBytes?: Uint8Array
  /** The chunks verified and written here, once the manifest is in: also what this node answers to `have`. */
  private done?: Bitfield
  /** Chunks still to fetch, in random order (random-first spreads chunks among parallel downloaders). */
  private readonly chunks = new ChunkQueue()
  private readonly attempts = new Map<number, number>()
  private readonly swarm = new ProviderSwarm(this.chunks)
  private readonly controller = new AbortController()
  private readonly samples: Array<[number, number]> = []
  private bytesDone = 0
  private fatal?: Error
  private file?: PartialFile
  private readonly changes = new Changes()
  private finished?: Promise<void>

  constructor (private readonly c: JobComponents, readonly record: DownloadRecord) {
    this.cid = parseFileId(record.fileId)
    // waiting workers wake when the job ends, without a listener of their own on its signal
    this.signal.addEventListener('abort', () => { this.changes.notify() }, { once: true })
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
    // the partial file moves into the store when the job completes: between the two, ask again
    return PartialFile.readChunk(this.partialPath, m, index)
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

  private async run (): Promise<void> {
    void lookUpProviders({
      cid: this.cid,
      from: this.record.from,
      signal: this.signal,
      findProviders: this.c.findProviders,
      addProvider: peer => { this.addProvider(peer) },
      haveProviders: () => this.swarm.active().length > 0,
      log: this.c.log.child({ job: this.id })
    })
    try {
      await mkdir(this.c.partialDir, { recursive: true, mode: 0o700 })
      await this.loadManifest()
      if (this.state === 'pending') this.setState('running')
      await this.fetchAll()
      const m = this.manifest as Manifest
      await this.file?.close()
      this.file = undefined
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
      await this.file?.close().catch(() => {})
      this.file = undefined
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
        if (this.manifest != null && this.chunks.size > 0) this.startWorkers(known)
        this.changes.notify()
      }
      return
    }
    const p = this.swarm.add(peer)
    if (this.manifest != null && this.chunks.size > 0) this.startWorkers(p)
    this.changes.notify()
  }

  /** Count a failure against a provider (see ProviderSwarm.penalise), and say so when it is dropped. */
  private penalise (p: Provider, err: Error, ban = false): void {
    if (this.swarm.penalise(p, isError(err, 'CorruptChunkError'), ban)) {
      this.c.log.info({ job: this.id, peer: p.peerId, err: err.message }, 'provider dropped')
    }
  }

  private async loadManifest (): Promise<void> {
    let bytes: Uint8Array | undefined = await readFile(this.manifestPath).catch(() => undefined)
    const giveUpAt = Date.now() + FILES_NO_PROVIDER_TIMEOUT_MS
    while (bytes == null) {
      this.signal.throwIfAborted()
      const p = this.swarm.active().find(p => p.manifestDue)
      if (p == null) {
        if (Date.now() > giveUpAt) throw new FileTransferError(`no provider of ${this.record.fileId} answered within ${FILES_NO_PROVIDER_TIMEOUT_MS} ms`)
        await this.changes.wait(1_000)
        continue
      }
      p.askedManifest()
      let session: FilesSession | undefined
      // cleared when the request ends, as a chunk request's is (provider-worker.ts)
      const request = deadline(FILES_REQUEST_TIMEOUT_MS, this.signal)
      try {
        session = await this.c.openSession(p.peer, request.signal)
        const candidate = await session.manifest(this.cid, request.signal)
        await decodeManifest(candidate, this.cid)
        bytes = candidate
        await writeFile(this.manifestPath, bytes, { mode: 0o600 })
      } catch (err) {
        if (this.signal.aborted) throw err
        this.penalise(p, err as Error, isPeerAnswer(err) && err.answer === 'not-found')
      } finally {
        request.clear()
        await session?.close()
      }
    }
    const m = await decodeManifest(bytes, this.cid)
    if (m.size > this.c.store.maxFileSize) throw new FileTooLargeError(this.c.store.maxFileSize)
    this.c.store.checkRoom(m.size)
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

  /** Fetch every missing chunk, then check the whole file; chunks that fail the final check are fetched again. */
  private async fetchAll (): Promise<void> {
    const m = this.manifest as Manifest
    const done = this.done as Bitfield
    const file = this.file = await PartialFile.open(this.partialPath, m)
    for (let pass = 0; ; pass++) {
      this.chunks.want(shuffled(m.chunks.map((_h, i) => i).filter(i => !done.has(i))))
      let idleSince = Date.now()
      for (const p of this.swarm.active()) this.startWorkers(p)
      while (this.chunks.size > 0) {
        if (this.fatal != null) throw this.fatal
        this.signal.throwIfAborted()
        if (this.swarm.active().length > 0) idleSince = Date.now()
        else if (Date.now() - idleSince > FILES_NO_PROVIDER_TIMEOUT_MS) throw new FileTransferError(`every provider failed and no other was found within ${FILES_NO_PROVIDER_TIMEOUT_MS} ms`)
        await this.changes.wait(1_000)
      }
      const bad = await file.verify(this.signal)
      if (bad.length === 0) return
      if (pass > 0) throw new FileTransferError(`the file does not match its manifest after ${pass + 1} passes`)
      for (const idx of bad) {
        done.clear(idx)
        this.bytesDone -= chunkLength(m, idx)
        this.c.records.unmark(this.id, idx)
      }
    }
  }

  private startWorkers (p: Provider): void {
    const context = this.workerContext()
    while (p.addWorker()) void runWorker(context, p).finally(() => { p.workerEnded() })
  }

  /** What the workers need of this job; its state stays its own. */
  private workerContext (): WorkerContext {
    return {
      cid: this.cid,
      manifest: this.manifest as Manifest,
      signal: this.signal,
      swarm: this.swarm,
      chunks: this.chunks,
      changes: this.changes,
      failed: () => this.fatal != null,
      openSession: async (peer, signal) => this.c.openSession(peer, signal),
      penalise: (p, err, ban) => { this.penalise(p, err, ban) },
      hint: peer => { this.hint(peer) },
      store: async (idx, data, p) => this.store(idx, data, p),
      chunkFailed: (idx, p, err) => { this.failed(idx, p, err) },
      ...(this.c.onCorrupt != null ? { onCorrupt: this.c.onCorrupt } : {})
    }
  }

  private async store (idx: number, data: Pieces, p: Provider): Promise<void> {
    try {
      await (this.file as PartialFile).write(idx, data)
      this.c.records.markDone(this.id, idx)
    } catch (err) {
      // a local write failure (disk full, permissions) is no provider's fault
      this.fatal = new FileTransferError(`cannot write the partial file: ${(err as Error).message}`)
      throw this.fatal
    }
    this.done?.set(idx)
    this.chunks.done(idx)
    this.bytesDone += data.byteLength
    this.samples.push([Date.now(), data.byteLength])
    p.served(data.byteLength)
    this.c.onChunk?.(data.byteLength)
    this.c.onProgress(this, false)
  }

  private failed (idx: number, p: Provider, err: Error): void {
    if (isPeerAnswer(err) && err.answer === 'busy') {
      p.busy()
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
}
