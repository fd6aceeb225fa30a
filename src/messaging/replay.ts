/**
 * Resume a stream by cursor: replay the stored messages after it, then go live without a gap or a repeat.
 * The live reader is subscribed before the replay starts, so nothing stored during the replay is missed;
 * live messages the replay already yielded are skipped by sequence number.
 */
import type { LiveReader } from './live.js'

export interface Sequenced { seq: number }

export function replayThenLive<T extends Sequenced> (live: LiveReader<T>, after: number | undefined, page: (after: number) => T[]): LiveReader<T> {
  async function * run (): AsyncGenerator<T> {
    let last = after ?? 0
    if (after != null) {
      while (true) {
        const batch = page(last)
        if (batch.length === 0) break
        for (const m of batch) {
          yield m
          last = m.seq
        }
      }
    }
    for await (const m of live) {
      if (m.seq > last) {
        last = m.seq
        yield m
      }
    }
  }
  const gen = run()
  return Object.assign(gen, {
    done: live.done,
    close (): void {
      live.close()
      void gen.return(undefined)
    }
  })
}
