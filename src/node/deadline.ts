/**
 * A deadline for one piece of work: a signal that aborts after `ms`, or as soon as one of `signals` does, and
 * `clear`, which stops its timer once the work is over.
 *
 * `AbortSignal.timeout` instead keeps its timer until it fires, long after the work it guarded, and then builds a
 * DOMException with its stack trace whether anything still listens or not. On a path taken many times a second (a
 * ping, a direct message's delivery attempt, each retry of a full outbox) that is work for nothing. Here the
 * timeout's error is made only when the deadline really passes, and it is the same `TimeoutError` that
 * `AbortSignal.timeout` gives, so callers and their error texts cannot tell the two apart.
 */
export interface Deadline {
  readonly signal: AbortSignal
  /** Stop the timer; the signal stays as it is (aborted or not). Safe to call more than once. */
  clear: () => void
}

export function deadline (ms: number, ...signals: Array<AbortSignal | undefined>): Deadline {
  const controller = new AbortController()
  const timer = setTimeout(() => {
    controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))
  }, ms)
  // like AbortSignal.timeout's, the timer alone does not keep the process alive
  timer.unref()
  const others = signals.filter(s => s != null)
  const signal = others.length === 0 ? controller.signal : AbortSignal.any([controller.signal, ...others])
  return { signal, clear: () => { clearTimeout(timer) } }
}

/**
 * Run `work` under `deadline(ms, ...signals)`, and clear it once the work has settled, however it ended. For the
 * common case where the deadline guards exactly one awaited piece of work.
 */
export async function withDeadline<T> (ms: number, work: (signal: AbortSignal) => Promise<T>, ...signals: Array<AbortSignal | undefined>): Promise<T> {
  const d = deadline(ms, ...signals)
  try {
    return await work(d.signal)
  } finally {
    d.clear()
  }
}

/** Run `work` under the caller's `signal` when there is one, else under a deadline of `ms` of its own (`withDeadline`). */
export async function withSignalOrDeadline<T> (signal: AbortSignal | undefined, ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return signal != null ? work(signal) : withDeadline(ms, work)
}
