/**
 * Live fan-out of new messages to stream readers. Each reader has a bounded queue: `push` never waits, and a
 * reader whose queue is full (in messages or bytes) is cut off with `SlowReaderError` (it can resume from the history by cursor), so
 * one slow HTTP client can never hold up the node or the other readers.
 */
import { SlowReaderError } from '../errors.js'

export interface LiveReader<T> extends AsyncIterableIterator<T> {
  /** Stop reading; pending and future `next()` calls end. */
  close(): void
  /** Settles when the reader is closed or cut off. */
  readonly done: Promise<void>
}

/** How far one reader may fall behind: in items, and in bytes by `sizeOf` when both are given. */
export interface QueueLimits<T> {
  items: number
  bytes?: number
  sizeOf?: (item: T) => number
}

class Reader<T> implements LiveReader<T> {
  private readonly queue: T[] = []
  private wake?: () => void
  private ended = false
  private error?: Error
  private settle!: () => void
  readonly done = new Promise<void>(resolve => { this.settle = resolve })

  private bytes = 0

  constructor (private readonly limits: QueueLimits<T>, readonly accepts: (item: T) => boolean, private readonly onClose: (r: Reader<T>) => void) {}

  offer (item: T): void {
    if (this.ended || !this.accepts(item)) return
    if (this.queue.length >= this.limits.items) {
      this.fail(new SlowReaderError(`${this.limits.items} messages`))
      return
    }
    const size = this.limits.sizeOf?.(item) ?? 0
    if (this.limits.bytes != null && this.queue.length > 0 && this.bytes + size > this.limits.bytes) {
      this.fail(new SlowReaderError(`${this.limits.bytes} bytes`))
      return
    }
    this.bytes += size
    this.queue.push(item)
    this.wake?.()
  }

  fail (err: Error): void {
    this.error = err
    this.close()
  }

  close (): void {
    if (this.ended) return
    this.ended = true
    this.onClose(this)
    this.wake?.()
    this.settle()
  }

  async next (): Promise<IteratorResult<T>> {
    while (true) {
      const item = this.queue.shift()
      if (item !== undefined) this.bytes -= this.limits.sizeOf?.(item) ?? 0
      if (item !== undefined && this.error == null) return { value: item, done: false }
      if (this.error != null) throw this.error
      if (this.ended) return { value: undefined, done: true }
      await new Promise<void>(resolve => { this.wake = resolve })
      this.wake = undefined
    }
  }

  async return (): Promise<IteratorResult<T>> {
    this.close()
    return { value: undefined, done: true }
  }

  [Symbol.asyncIterator] (): this {
    return this
  }
}

export class LiveFeed<T> {
  private readonly readers = new Set<Reader<T>>()

  private readonly limits: QueueLimits<T>

  /** `queueLimit` items per reader; with `byteLimit`, also at most that many bytes (a lone item always fits). */
  constructor (queueLimit: number, byteLimit?: { bytes: number, sizeOf: (item: T) => number }) {
    this.limits = { items: queueLimit, ...byteLimit }
  }

  get size (): number {
    return this.readers.size
  }

  /** Deliver to every reader that accepts the item. Never blocks. */
  push (item: T): void {
    for (const r of this.readers) r.offer(item)
  }

  /** A reader of the items `accepts` lets through, from now on. */
  subscribe (accepts: (item: T) => boolean = () => true): LiveReader<T> {
    const reader = new Reader<T>(this.limits, accepts, r => { this.readers.delete(r) })
    this.readers.add(reader)
    return reader
  }

  /** End every reader (the node is stopping). */
  closeAll (): void {
    for (const r of [...this.readers]) r.close()
  }
}
