/** Waiting in a download: for a time, or for "something changed" (a chunk in, a request ended, a provider added). */

/** Sleep `ms`, or less when `signal` aborts; never rejects. */
export async function sleep (ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>(resolve => {
    const t = setTimeout(done, ms)
    function done (): void { clearTimeout(t); signal.removeEventListener('abort', done); resolve() }
    signal.addEventListener('abort', done, { once: true })
  })
}

/** A change any number of waiters wake on. */
export class Changes {
  private wake = Changes.next()

  private static next (): { promise: Promise<void>, resolve: () => void } {
    let resolve!: () => void
    const promise = new Promise<void>(r => { resolve = r })
    return { promise, resolve }
  }

  notify (): void {
    this.wake.resolve()
    this.wake = Changes.next()
  }

  /**
   * Wait until the next `notify()` or `ms` pass. Dozens of workers wait here and wake often: the timer is cleared
   * on waking, not left to fire.
   */
  async wait (ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([this.wake.promise, new Promise<void>(resolve => { timer = setTimeout(resolve, ms) })])
    clearTimeout(timer)
  }
}
