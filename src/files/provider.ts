/**
 * One provider of one download and everything the download knows of it: the chunks it holds (its `have`
 * bitfield) and when to ask again, its `busy` window and back-off, its requests and workers, its failures and
 * whether it is dropped. This object is the only one that changes that state; the provider swarm and the job
 * read it and call its methods.
 */
import type { PeerId } from '@libp2p/interface'
import {
  FILES_BUSY_MAX_RETRY_MS, FILES_BUSY_RETRY_MS, FILES_HAVE_REFRESH_MS, FILES_MAX_PROVIDER_FAILURES,
  FILES_PEER_HINT_REFRESH_MS, FILES_PROVIDER_COOLDOWN_MS, FILES_STREAMS_PER_PEER
} from './constants.js'
import type { Bitfield } from './bitfield.js'
import { jittered } from '../node/jitter.js'

export interface ProviderStatus {
  peerId: string
  chunks: number
  bytes: number
  failures: number
  state: 'active' | 'dropped'
}

export class Provider {
  readonly peerId: string
  private _state: ProviderStatus['state'] = 'active'
  private _chunks = 0
  private _bytes = 0
  private _failures = 0
  /** Chunks from it that failed their hash. */
  private corrupt = 0
  private _banned = false
  private droppedAt = 0
  private _manifestAt = 0
  private _workers = 0
  private _have?: Bitfield
  private haveAt = 0
  private _haveUnknown = false
  private _refreshing?: Promise<void>
  private _busyUntil = 0
  private _busyStreak = 0
  private _window = FILES_STREAMS_PER_PEER
  private _requests = 0

  constructor (readonly peer: PeerId) {
    this.peerId = peer.toString()
  }

  get state (): ProviderStatus['state'] { return this._state }
  get isActive (): boolean { return this._state === 'active' }
  get failures (): number { return this._failures }
  /** Served bad data or denied having the file: never asked again by this job. */
  get banned (): boolean { return this._banned }
  /** The chunks it holds, as it last said (undefined: not asked yet, or it cannot say). */
  get have (): Bitfield | undefined { return this._have }
  /** It answered `have` with `bad-request` (a node without the request): asked blindly for any chunk. */
  get haveUnknown (): boolean { return this._haveUnknown }
  /** A `have` request in flight, shared by its workers. */
  get refreshing (): Promise<void> | undefined { return this._refreshing }
  /** Answered `busy` (at its upload cap): not asked again before this. */
  get busyUntil (): number { return this._busyUntil }
  /** `busy` answers in a row: each doubles the wait. */
  get busyStreak (): number { return this._busyStreak }
  /**
   * Chunk requests it may have in flight: FILES_STREAMS_PER_PEER at first, halved by each `busy`, one more for
   * each chunk served (a provider at its upload cap is asked by one or two streams, not hammered by four).
   */
  get window (): number { return this._window }
  /** Chunk requests to it in flight. */
  get requests (): number { return this._requests }
  get workers (): number { return this._workers }

  status (): ProviderStatus {
    return { peerId: this.peerId, chunks: this._chunks, bytes: this._bytes, failures: this._failures, state: this._state }
  }

  /** Whether the manifest may be asked of it now. */
  get manifestDue (): boolean { return this._manifestAt <= Date.now() }

  /** The manifest is being asked of it: after a failure it is asked again later each time (it may just be busy). */
  askedManifest (): void {
    this._manifestAt = Date.now() + 1_000 * 2 ** this._failures
  }

  /** One more worker may run for it: whether one was added (at most FILES_STREAMS_PER_PEER, only while active). */
  addWorker (): boolean {
    if (this._workers >= FILES_STREAMS_PER_PEER || !this.isActive) return false
    this._workers++
    return true
  }

  workerEnded (): void { this._workers-- }

  /** Whether another chunk request may go to it now. */
  get canRequest (): boolean { return this._requests < this._window }
  requestStarted (): void { this._requests++ }
  requestEnded (): void { this._requests-- }

  /** Run `refresh` as its one `have` request in flight. */
  async refreshWith (refresh: Promise<void>): Promise<void> {
    this._refreshing = refresh
    try {
      await refresh
    } finally {
      if (this._refreshing === refresh) this._refreshing = undefined
    }
  }

  /** It does not know the `have` request: from now on it is asked blindly. */
  cannotSayHave (): void { this._haveUnknown = true }

  /** It answered `have` with `bits`; returns the bitfield it replaces. */
  setHave (bits: Bitfield): Bitfield | undefined {
    const before = this._have
    this._have = bits
    this.haveAt = Date.now()
    return before
  }

  /** It said it does not hold chunk `idx` after all; whether its bitfield changed. */
  lacks (idx: number): boolean {
    if (this._have?.has(idx) !== true) return false
    this._have.clear(idx)
    return true
  }

  /**
   * Whether to ask it which chunks it holds now: it was never asked; or it is still downloading, has nothing
   * the job wants (`idle`) and its answer is FILES_HAVE_REFRESH_MS old; or, for the fellow downloaders it names,
   * its answer is FILES_PEER_HINT_REFRESH_MS old.
   */
  haveDue (idle: boolean): boolean {
    if (this._haveUnknown) return false
    if (this._have == null) return true
    const age = Date.now() - this.haveAt
    return age >= FILES_PEER_HINT_REFRESH_MS || (idle && age >= FILES_HAVE_REFRESH_MS && !this._have.complete)
  }

  /**
   * Count a failure (`corrupt`: it served a chunk that failed its hash). After FILES_MAX_PROVIDER_FAILURES it is
   * dropped: for good if it ever served bad data, else until it is found again after a cool-down. `ban` (it
   * denies having the file) drops it at once, for good. Returns whether it is dropped.
   */
  penalise (corrupt: boolean, ban: boolean): boolean {
    this._failures++
    if (corrupt) this.corrupt++
    if (!ban && this._failures < FILES_MAX_PROVIDER_FAILURES) return false
    this._banned = ban || this.corrupt > 0
    this._state = 'dropped'
    this.droppedAt = Date.now()
    return true
  }

  /** Found again: active again if it was dropped for errors (not banned) and has cooled down. Whether it was. */
  reactivate (): boolean {
    if (this._state !== 'dropped' || this._banned || Date.now() - this.droppedAt <= FILES_PROVIDER_COOLDOWN_MS) return false
    this._state = 'active'
    this._failures = 0
    return true
  }

  /** It answered `busy`, at its upload cap: no penalty; fewer requests to it, asked again after a growing, jittered pause. */
  busy (): void {
    this._window = Math.max(1, Math.floor(this._window / 2))
    this._busyStreak++
    const pause = Math.min(FILES_BUSY_MAX_RETRY_MS, FILES_BUSY_RETRY_MS * 2 ** (this._busyStreak - 1))
    this._busyUntil = Math.max(this._busyUntil, Date.now() + jittered(pause, 0.5))
  }

  /** It served a chunk of `bytes` bytes: its `busy` streak ends and its window grows by one. */
  served (bytes: number): void {
    this._busyStreak = 0
    if (this._window < FILES_STREAMS_PER_PEER) this._window++
    this._chunks++
    this._bytes += bytes
  }
}
