/**
 * A token bucket: `rate` units per second on average, bursts up to `burst`. The upload cap counts bytes: callers
 * await `take(n)` before sending n bytes, and waiters are served in order, so one large request cannot starve the
 * rest. Per-peer request limits count requests: `tryTake(1)` answers at once whether one is allowed now.
 */

export interface TokenBucketOptions {
  /** Bytes per second; 0 means unlimited. */
  rate: number
  /** Largest burst in bytes. @default rate (one second's worth) */
  burst?: number
  /** Clock, for tests. @default Date.now */
  now?: () => number
}

export class TokenBucket {
  private tokens: number
  private last: number
  private readonly burst: number
  private readonly now: () => number
  private queue: Promise<void> = Promise.resolve()
  /** Bytes asked for by callers still waiting for their turn or their tokens. */
  private waiting = 0

  constructor (private readonly opts: TokenBucketOptions) {
    this.now = opts.now ?? Date.now
    this.burst = Math.max(1, opts.burst ?? opts.rate)
    this.tokens = this.burst
    this.last = this.now()
  }

  get unlimited (): boolean { return this.opts.rate <= 0 }

  private refill (): void {
    const t = this.now()
    this.tokens = Math.min(this.burst, this.tokens + (t - this.last) * this.opts.rate / 1000)
    this.last = t
  }

  /** How long bytes asked for now would wait behind those already waiting (0 when unlimited or idle). */
  backlogMs (): number {
    if (this.unlimited) return 0
    this.refill()
    return Math.max(0, this.waiting - this.tokens) * 1000 / this.opts.rate
  }

  /** Take `n` tokens if they are there now (and nobody is waiting for theirs); false, taking nothing, if not. */
  tryTake (n = 1): boolean {
    if (this.unlimited) return true
    this.refill()
    if (this.waiting > 0 || this.tokens < n) return false
    this.tokens -= n
    return true
  }

  /** Wait until `n` bytes may be sent. A request larger than the burst goes once the bucket is full, leaving a debt. */
  async take (n: number, signal?: AbortSignal): Promise<void> {
    if (this.unlimited) return
    this.waiting += n
    const turn = this.queue.then(async () => {
      this.refill()
      const need = Math.min(n, this.burst)
      while (this.tokens < need) {
        signal?.throwIfAborted()
        const waitMs = Math.ceil((need - this.tokens) * 1000 / this.opts.rate)
        await new Promise(resolve => setTimeout(resolve, Math.max(1, waitMs)))
        this.refill()
      }
      this.tokens -= n
    }).finally(() => { this.waiting -= n })
    // a caller that gave up (abort) must not block those behind it
    this.queue = turn.catch(() => {})
    return turn
  }
}
