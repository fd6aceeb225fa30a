/**
 * The providers of one download and what the download knows of each: the chunks it holds (its `have` bitfield)
 * and when to ask again, how many providers hold each chunk, the chunk to ask it for next (rarest first), its
 * `busy` window and back-off, the chunks it is not asked for a while, its failures and whether it is dropped.
 * The download job does the requests; this keeps the state they read and update.
 */
import type { PeerId } from '@libp2p/interface'
import {
  FILES_BUSY_MAX_RETRY_MS, FILES_BUSY_RETRY_MS, FILES_HAVE_REFRESH_MS, FILES_MAX_PROVIDER_FAILURES,
  FILES_PEER_HINT_REFRESH_MS, FILES_PROVIDER_COOLDOWN_MS, FILES_STREAMS_PER_PEER
} from './constants.js'
import { Bitfield } from './bitfield.js'
import { rarestFirst } from './piece-picker.js'

export interface ProviderStatus {
  peerId: string
  chunks: number
  bytes: number
  failures: number
  state: 'active' | 'dropped'
}

export interface ProviderRun extends ProviderStatus {
  peer: PeerId
  /** When the manifest may next be asked of this provider. */
  manifestAt: number
  workers: number
  /** Served bad data or denied having the file: never asked again by this job. */
  banned: boolean
  droppedAt: number
  /** Chunks from it that failed their hash. */
  corrupt: number
  /** The chunks it holds, as it last said (undefined: not asked yet, or it cannot say). */
  have?: Bitfield
  /** When it last answered `have` (0: never). */
  haveAt: number
  /** It answered `have` with `bad-request` (a node without the request): asked blindly for any chunk. */
  haveUnknown: boolean
  /** A `have` request in flight, shared by its workers. */
  refreshing?: Promise<void>
  /** Answered `busy` (at its upload cap): not asked again before this. */
  busyUntil: number
  /** `busy` answers in a row: each doubles the wait. */
  busyStreak: number
  /**
   * Chunk requests it may have in flight: FILES_STREAMS_PER_PEER at first, halved by each `busy`, one more for
   * each chunk served (a provider at its upload cap is asked by one or two streams, not hammered by four).
   */
  window: number
  /** Chunk requests to it in flight. */
  requests: number
}

/** The download's chunks a provider may be asked for; the job owns and updates both sets. */
export interface WantedChunks {
  /** Chunks still to fetch, in the job's random order (which breaks ties between equally rare chunks). */
  readonly remaining: ReadonlySet<number>
  /** Chunks being fetched now, from any provider. */
  readonly inflight: ReadonlySet<number>
}

export class ProviderSwarm {
  private readonly providers = new Map<string, ProviderRun>()
  /** Chunk -> how many active providers say they hold it (rarest first). */
  private availability = new Uint16Array(0)
  /** Chunk -> provider -> time until which that provider is not asked for it again. */
  private readonly avoid = new Map<number, Map<string, number>>()

  constructor (private readonly wanted: WantedChunks) {}

  /** The manifest is in: count availability over its `chunks` chunks (until then nothing is counted). */
  setChunks (chunks: number): void {
    this.availability = new Uint16Array(chunks)
  }

  has (peerId: string): boolean {
    return this.providers.has(peerId)
  }

  get (peerId: string): ProviderRun | undefined {
    return this.providers.get(peerId)
  }

  /** A new provider, active, asked nothing yet. */
  add (peer: PeerId): ProviderRun {
    const key = peer.toString()
    const p: ProviderRun = { peer, peerId: key, chunks: 0, bytes: 0, failures: 0, state: 'active', manifestAt: 0, workers: 0, banned: false, droppedAt: 0, corrupt: 0, haveAt: 0, haveUnknown: false, busyUntil: 0, busyStreak: 0, window: FILES_STREAMS_PER_PEER, requests: 0 }
    this.providers.set(key, p)
    return p
  }

  status (): ProviderStatus[] {
    return [...this.providers.values()].map(p => ({ peerId: p.peerId, chunks: p.chunks, bytes: p.bytes, failures: p.failures, state: p.state }))
  }

  active (): ProviderRun[] {
    return [...this.providers.values()].filter(p => p.state === 'active')
  }

  /**
   * A provider dropped for errors (timeouts, a broken connection) gets another chance once it cools down:
   * returns whether `p`, found again, is active again.
   */
  reactivate (p: ProviderRun): boolean {
    if (p.state === 'dropped' && !p.banned && Date.now() - p.droppedAt > FILES_PROVIDER_COOLDOWN_MS) {
      p.state = 'active'
      p.failures = 0
      this.count(undefined, p.have)
      return true
    }
    return false
  }

  /**
   * Count a failure against a provider (`corrupt`: it served a chunk that failed its hash). After
   * FILES_MAX_PROVIDER_FAILURES it is dropped: for good if it ever served bad data, else until it is found again
   * after a cool-down. `ban` (it denies having the file) drops it at once, for good. Returns whether it was dropped.
   */
  penalise (p: ProviderRun, corrupt: boolean, ban: boolean): boolean {
    p.failures++
    if (corrupt) p.corrupt++
    if (ban || p.failures >= FILES_MAX_PROVIDER_FAILURES) {
      p.banned = ban || p.corrupt > 0
      if (p.state === 'active') this.count(p.have, undefined)
      p.state = 'dropped'
      p.droppedAt = Date.now()
      return true
    }
    return false
  }

  /** Add `after`'s chunks to the availability counts and take `before`'s away. */
  private count (before: Bitfield | undefined, after: Bitfield | undefined): void {
    if (this.availability.length === 0) return
    Bitfield.diff(before, after, (idx, nowSet) => {
      if (idx < this.availability.length) this.availability[idx] += nowSet ? 1 : -1
    })
  }

  /** `p` answered `have` with `bits`. */
  setHave (p: ProviderRun, bits: Bitfield): void {
    if (p.state === 'active') this.count(p.have, bits)
    p.have = bits
    p.haveAt = Date.now()
  }

  /** `p` said it does not hold chunk `idx` after all. */
  lacks (p: ProviderRun, idx: number): void {
    if (p.have?.has(idx) !== true) return
    p.have.clear(idx)
    if (p.state === 'active') this.availability[idx]--
  }

  /**
   * The next chunk to ask `p` for: of the free chunks it holds and is not being avoided for, one held by the
   * fewest providers (rarest first: the chunks only the seeder has go out first, and from the seeder), ties in
   * this job's random order.
   */
  pick (p: ProviderRun): number | undefined {
    const now = Date.now()
    let stuck: number | undefined
    const best = rarestFirst(this.wanted.remaining, this.availability, idx => {
      if (this.wanted.inflight.has(idx)) return false
      if (p.have != null && !p.have.has(idx)) return false
      const av = this.avoid.get(idx)
      if (av == null || (av.get(p.peerId) ?? 0) <= now) return true
      // a chunk every active provider is avoiding would never be fetched: let this one try again
      if (stuck == null && this.active().every(q => (av.get(q.peerId) ?? 0) > now)) stuck = idx
      return false
    })
    if (best != null) return best
    if (stuck != null) this.avoid.get(stuck)?.delete(p.peerId)
    return stuck
  }

  /**
   * Whether to ask `p` which chunks it holds now: it was never asked; or it is still downloading, has nothing
   * this job wants (`idle`) and its answer is FILES_HAVE_REFRESH_MS old; or, for the fellow downloaders it names,
   * its answer is FILES_PEER_HINT_REFRESH_MS old.
   */
  haveDue (p: ProviderRun, idle: boolean): boolean {
    if (p.haveUnknown) return false
    if (p.have == null) return true
    const age = Date.now() - p.haveAt
    return age >= FILES_PEER_HINT_REFRESH_MS || (idle && age >= FILES_HAVE_REFRESH_MS && !p.have.complete)
  }

  /** Do not ask `p` for chunk `idx` before `until`. */
  avoidFor (idx: number, p: ProviderRun, until: number): void {
    let av = this.avoid.get(idx)
    if (av == null) this.avoid.set(idx, av = new Map())
    av.set(p.peerId, until)
  }

  /** `p` answered `busy`, at its upload cap: no penalty; fewer requests to it, asked again after a growing, jittered pause. */
  busy (p: ProviderRun): void {
    p.window = Math.max(1, Math.floor(p.window / 2))
    p.busyStreak++
    const pause = Math.min(FILES_BUSY_MAX_RETRY_MS, FILES_BUSY_RETRY_MS * 2 ** (p.busyStreak - 1))
    p.busyUntil = Math.max(p.busyUntil, Date.now() + pause * (0.5 + Math.random()))
  }

  /** `p` served a chunk of `bytes` bytes: its `busy` streak ends and its window grows by one. */
  served (p: ProviderRun, bytes: number): void {
    p.busyStreak = 0
    if (p.window < FILES_STREAMS_PER_PEER) p.window++
    p.chunks++
    p.bytes += bytes
  }
}
