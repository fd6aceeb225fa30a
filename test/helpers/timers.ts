/**
 * Timers a piece of work leaves behind, for tests of code that must clear its deadlines (src/node/deadline.ts).
 */
import { vi } from 'vitest'

export interface TimerCount {
  /** Timers of that length set while the work ran. */
  set: number
  /** Of those, the ones never cleared. */
  left: number
}

/**
 * How many timers of each length in `ms` were set while `work` ran, and how many of those were not cleared,
 * counted by watching setTimeout and clearTimeout. Real timers run: streams and queries that wait on them work
 * as they do in a node, which fake timers would stop.
 */
export async function timersOf (ms: number[], work: () => Promise<void>): Promise<Record<number, TimerCount>> {
  const set = vi.spyOn(globalThis, 'setTimeout')
  const clear = vi.spyOn(globalThis, 'clearTimeout')
  try {
    await work()
    const cleared = new Set(clear.mock.calls.map(call => call[0]))
    return Object.fromEntries(ms.map(length => {
      const ours = set.mock.calls.flatMap((call, i) => call[1] === length ? [set.mock.results[i].value] : [])
      return [length, { set: ours.length, left: ours.filter(t => !cleared.has(t)).length }]
    }))
  } finally {
    set.mockRestore()
    clear.mockRestore()
  }
}

/** `timersOf` for one length. */
export async function timersOfLength (ms: number, work: () => Promise<void>): Promise<TimerCount> {
  return (await timersOf([ms], work))[ms]
}
