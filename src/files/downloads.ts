/**
 * The download jobs of a node: created on request, persisted, resumed at start, observable as progress events
 * (throttled to one per FILES_PROGRESS_INTERVAL_MS per job, state changes at once).
 */
import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { rm } from 'node:fs/promises'
import { DEFAULT_MAX_DOWNLOADS } from '../constants.js'
import { DOWNLOADS_MAX_KEPT, FILES_PROGRESS_INTERVAL_MS } from './constants.js'
import { DownloadNotFoundError, LimitReachedError } from '../errors.js'
import { parsePeerId } from '../node/peer-id.js'
import { DownloadRecords, type DownloadRecord } from './download-records.js'
import { DownloadJob, type DownloadStatus, type JobComponents } from './download-job.js'
import { parseFileId } from './manifest.js'
import type { Database } from '../storage/database.js'

export type DownloadsComponents = Omit<JobComponents, 'records' | 'onProgress'> & {
  db: Database
  /** Called when a job ends without the file (failed or cancelled), so its partial announcement stops. */
  abandon(fileId: string): void
}

export interface DownloadOptions {
  /** Peers to fetch from besides those the DHT names. */
  from?: string[]
}

export interface DownloadsInit {
  /** Jobs running at once; past it, `create` throws `LimitReachedError`. @default DEFAULT_MAX_DOWNLOADS */
  maxActive?: number
}

export interface DownloadEvents {
  progress: [DownloadStatus]
}

export class Downloads extends EventEmitter<DownloadEvents> {
  private readonly records: DownloadRecords
  private readonly jobs = new Map<string, DownloadJob>()
  /**
   * File id -> its active job: asked on every files-protocol request this node serves (is this a file it is
   * downloading too?), so not found by walking every job ever kept.
   */
  private readonly active = new Map<string, DownloadJob>()
  private readonly lastEmit = new Map<string, number>()
  private readonly trailing = new Map<string, NodeJS.Timeout>()
  private readonly jobComponents: JobComponents

  constructor (private readonly c: DownloadsComponents, private readonly init: DownloadsInit = {}) {
    super()
    this.setMaxListeners(0)
    this.records = new DownloadRecords(c.db)
    this.jobComponents = { ...c, records: this.records, onProgress: (job, changed) => { this.progress(job, changed) } }
  }

  /** Load every job; resume the unfinished ones. */
  start (): void {
    for (const rec of this.records.list()) {
      const job = new DownloadJob(this.jobComponents, rec)
      this.jobs.set(rec.id, job)
      if (job.isActive) this.run(job)
    }
  }

  async stop (): Promise<void> {
    await Promise.all([...this.jobs.values()].filter(j => j.isActive).map(async j => j.stop()))
    for (const t of this.trailing.values()) clearTimeout(t)
    this.trailing.clear()
  }

  private run (job: DownloadJob): void {
    const fileId = job.record.fileId
    if (!this.active.has(fileId)) this.active.set(fileId, job)
    void job.start().then(() => {
      // a job paused by the node stopping stays active (it resumes at the next start)
      if (!job.isActive && this.active.get(fileId) === job) this.active.delete(fileId)
      if (job.state === 'failed' || job.state === 'cancelled') this.c.abandon(fileId)
    })
  }

  /** Start downloading a file, or return the job already fetching it. */
  create (fileId: string, opts: DownloadOptions = {}): DownloadStatus {
    const cid = parseFileId(fileId)
    const from = (opts.from ?? []).map(p => parsePeerId(p).toString())
    const running = this.activeFor(cid.toString())
    if (running != null) return running.status()
    const now = Date.now()
    const local = this.c.store.find(cid.toString())
    if (local == null) this.admit()
    const rec: DownloadRecord = {
      id: randomUUID(),
      fileId: cid.toString(),
      state: local != null ? 'completed' : 'pending',
      from,
      name: local?.name ?? null,
      size: local?.size ?? null,
      chunks: local?.chunks ?? null,
      error: null,
      createdAt: now,
      updatedAt: now,
      finishedAt: local != null ? now : null
    }
    this.records.create(rec)
    const job = new DownloadJob(this.jobComponents, rec)
    this.jobs.set(rec.id, job)
    if (job.isActive) this.run(job)
    return job.status()
  }

  /**
   * Refuse a new job past the running cap or when the store is full, and make room in the kept jobs by
   * forgetting the oldest finished one.
   */
  private admit (): void {
    const max = this.init.maxActive ?? DEFAULT_MAX_DOWNLOADS
    const running = [...this.jobs.values()].filter(j => j.isActive).length
    if (running >= max) throw new LimitReachedError(`${running} downloads are running, the most --max-downloads allows (${max}); wait for one or cancel one`)
    this.c.store.checkRoom()
    if (this.jobs.size >= DOWNLOADS_MAX_KEPT) {
      const oldest = [...this.jobs.values()].find(j => !j.isActive)
      if (oldest != null) {
        this.records.delete(oldest.id)
        this.jobs.delete(oldest.id)
      }
    }
  }

  list (): DownloadStatus[] {
    return [...this.jobs.values()].map(j => j.status())
  }

  private job (id: string): DownloadJob {
    const job = this.jobs.get(id)
    if (job == null) throw new DownloadNotFoundError(id)
    return job
  }

  get (id: string): DownloadStatus {
    return this.job(id).status()
  }

  /** Wait until a job is no longer active. */
  async wait (id: string, signal?: AbortSignal): Promise<DownloadStatus> {
    const job = this.job(id)
    if (!job.isActive) return job.status()
    return new Promise((resolve, reject) => {
      const onProgress = (s: DownloadStatus): void => {
        if (s.id === id && s.state !== 'pending' && s.state !== 'running') { cleanup(); resolve(s) }
      }
      const onAbort = (): void => { cleanup(); reject(signal?.reason as Error) }
      const cleanup = (): void => { this.off('progress', onProgress); signal?.removeEventListener('abort', onAbort) }
      this.on('progress', onProgress)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Cancel an active job (its partial data is deleted) or forget a finished one. */
  async remove (id: string): Promise<DownloadStatus> {
    const job = this.job(id)
    if (job.isActive) await job.cancel()
    await rm(job.partialPath, { force: true })
    await rm(`${job.partialPath}.manifest`, { force: true })
    this.records.delete(id)
    this.jobs.delete(id)
    return job.status()
  }

  activeFor (fileId: string): DownloadJob | undefined {
    return this.active.get(fileId)
  }

  private progress (job: DownloadJob, stateChanged: boolean): void {
    const now = Date.now()
    const last = this.lastEmit.get(job.id) ?? 0
    if (stateChanged || now - last >= FILES_PROGRESS_INTERVAL_MS) {
      clearTimeout(this.trailing.get(job.id))
      this.trailing.delete(job.id)
      this.lastEmit.set(job.id, now)
      this.emit('progress', job.status())
      return
    }
    if (!this.trailing.has(job.id)) {
      this.trailing.set(job.id, setTimeout(() => {
        this.trailing.delete(job.id)
        this.lastEmit.set(job.id, Date.now())
        this.emit('progress', job.status())
      }, FILES_PROGRESS_INTERVAL_MS - (now - last)))
    }
  }
}
