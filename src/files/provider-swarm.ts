/**
 * The providers of one download, and what depends on all of them: how many active providers hold each chunk,
 * the chunk to ask each for next (rarest first), and the chunks a provider is not asked for a while. Each
 * provider's own state is its `Provider`'s; the chunks wanted are the job's `ChunkQueue`, read here only.
 */
import type { PeerId } from '@libp2p/interface'
import { Bitfield } from './bitfield.js'
import type { WantedChunks } from './chunk-queue.js'
import { rarestFirst } from './piece-picker.js'
import { Provider, type ProviderStatus } from './provider.js'

export { Provider, type ProviderStatus } from './provider.js'

export class ProviderSwarm {
  private readonly providers = new Map<string, Provider>()
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

  get (peerId: string): Provider | undefined {
    return this.providers.get(peerId)
  }

  /** A new provider, active, asked nothing yet. */
  add (peer: PeerId): Provider {
    const p = new Provider(peer)
    this.providers.set(p.peerId, p)
    return p
  }

  status (): ProviderStatus[] {
    return [...this.providers.values()].map(p => p.status())
  }

  active (): Provider[] {
    return [...this.providers.values()].filter(p => p.isActive)
  }

  /**
   * A provider dropped for errors (timeouts, a broken connection) gets another chance once it cools down:
   * returns whether `p`, found again, is active again (its chunks count again).
   */
  reactivate (p: Provider): boolean {
    if (!p.reactivate()) return false
    this.count(undefined, p.have)
    return true
  }

  /** Count a failure against `p` (see `Provider.penalise`); a provider dropped stops counting. Whether it is dropped. */
  penalise (p: Provider, corrupt: boolean, ban: boolean): boolean {
    const wasActive = p.isActive
    const dropped = p.penalise(corrupt, ban)
    if (wasActive && !p.isActive) this.count(p.have, undefined)
    return dropped
  }

  /** Add `after`'s chunks to the availability counts and take `before`'s away. */
  private count (before: Bitfield | undefined, after: Bitfield | undefined): void {
    if (this.availability.length === 0) return
    Bitfield.diff(before, after, (idx, nowSet) => {
      if (idx < this.availability.length) this.availability[idx] += nowSet ? 1 : -1
    })
  }

  /** `p` answered `have` with `bits`. */
  setHave (p: Provider, bits: Bitfield): void {
    const before = p.setHave(bits)
    if (p.isActive) this.count(before, bits)
  }

  /** `p` said it does not hold chunk `idx` after all. */
  lacks (p: Provider, idx: number): void {
    if (p.lacks(idx) && p.isActive && idx < this.availability.length) this.availability[idx]--
  }

  /**
   * The next chunk to ask `p` for: of the free chunks it holds and is not being avoided for, one held by the
   * fewest providers (rarest first: the chunks only the seeder has go out first, and from the seeder), ties in
   * the job's random order.
   */
  pick (p: Provider): number | undefined {
    const now = Date.now()
    let stuck: number | undefined
    const best = rarestFirst(this.wanted.remaining(), this.availability, idx => {
      if (this.wanted.isInflight(idx)) return false
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

  /** Do not ask `p` for chunk `idx` before `until`. */
  avoidFor (idx: number, p: Provider, until: number): void {
    let av = this.avoid.get(idx)
    if (av == null) this.avoid.set(idx, av = new Map())
    av.set(p.peerId, until)
  }
}
