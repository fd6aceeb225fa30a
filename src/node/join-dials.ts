/**
 * A node joining a swarm dials few peers at once (JOIN_MAX_PARALLEL_DIALS) for its first JOIN_DIAL_PHASE_MS, then
 * as many as libp2p allows. A new node's DHT walks dial every peer they ask, each dial a Noise handshake and an
 * identify exchange on both ends; dozens of them side by side fill the new node's event loop, and the gossip it
 * subscribed to waits behind them. On a loaded machine, the nodes that had opened the most connections stored
 * their first topic message last (docs/RELIABILITY.md, "Churn"). Inbound connections are not limited: the peers
 * that dial a new node are joining its meshes.
 *
 * libp2p fixes its dial concurrency at construction; the connection manager's dial queue is reached at run time
 * and checked, so a release that moves it fails loudly.
 */
import type { Libp2p } from '@libp2p/interface'

/** The part of libp2p's dial queue (a `@libp2p/utils` queue) this uses. */
export interface DialConcurrency {
  concurrency: number
  tryToStartAnother(): boolean
}

export function dialQueueOf (libp2p: Libp2p): DialConcurrency {
  const queue = (libp2p as unknown as { components?: { connectionManager?: { dialQueue?: { queue?: Partial<DialConcurrency> } } } })
    .components?.connectionManager?.dialQueue?.queue
  if (typeof queue?.concurrency !== 'number' || typeof queue.tryToStartAnother !== 'function') {
    throw new Error('this libp2p version keeps no dial queue at components.connectionManager.dialQueue.queue')
  }
  return queue as DialConcurrency
}

export class JoinDials {
  private full?: number
  private timer?: NodeJS.Timeout

  constructor (private readonly queue: DialConcurrency, private readonly opts: { maxParallel: number, forMs: number }) {}

  /** Limit dials now, for `forMs`. */
  start (): void {
    if (this.full != null) return
    this.full = this.queue.concurrency
    this.queue.concurrency = Math.min(this.full, this.opts.maxParallel)
    this.timer = setTimeout(() => { this.release() }, this.opts.forMs)
    this.timer.unref()
  }

  /** Back to libp2p's own limit; the dials that waited start at once. */
  release (): void {
    clearTimeout(this.timer)
    if (this.full == null) return
    this.queue.concurrency = this.full
    this.full = undefined
    let started = true
    while (started) started = this.queue.tryToStartAnother()
  }

  get limited (): boolean {
    return this.full != null
  }
}
