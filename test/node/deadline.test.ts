import { describe, expect, it, vi } from 'vitest'
import { deadline, withDeadline, withSignalOrDeadline } from '../../src/node/deadline.js'

describe('deadline', () => {
  it('aborts with a TimeoutError, as AbortSignal.timeout does, once the time is up', async () => {
    const d = deadline(20)
    expect(d.signal.aborted).toBe(false)
    await new Promise(resolve => d.signal.addEventListener('abort', resolve))
    const ours = d.signal.reason as DOMException
    const native = await new Promise<DOMException>(resolve => {
      const s = AbortSignal.timeout(1)
      s.addEventListener('abort', () => { resolve(s.reason as DOMException) })
    })
    expect(ours).toBeInstanceOf(DOMException)
    expect([ours.name, ours.message]).toEqual([native.name, native.message])
  })

  it('leaves no timer behind once cleared, and never aborts', () => {
    vi.useFakeTimers()
    try {
      const many = Array.from({ length: 100 }, () => deadline(30))
      expect(vi.getTimerCount()).toBe(100)
      for (const d of many) d.clear()
      expect(vi.getTimerCount()).toBe(0)
      vi.advanceTimersByTime(60)
      expect(many.some(d => d.signal.aborted)).toBe(false)
      // clearing twice is harmless
      many[0].clear()
      // and one not cleared still aborts
      const kept = deadline(30)
      vi.advanceTimersByTime(30)
      expect(kept.signal.aborted).toBe(true)
    } finally {
      vi.useRealTimers()
    }
  })

  it('aborts with the reason of a signal it follows, before its own time', () => {
    const outer = new AbortController()
    const d = deadline(60_000, undefined, outer.signal)
    outer.abort(new Error('stopping'))
    expect(d.signal.aborted).toBe(true)
    expect((d.signal.reason as Error).message).toBe('stopping')
    d.clear()
  })

  it('is aborted from the start when a signal it follows already is', () => {
    const d = deadline(60_000, AbortSignal.abort(new Error('gone')))
    expect(d.signal.aborted).toBe(true)
    d.clear()
  })
})

describe('withDeadline', () => {
  it('hands the work its signal and clears the timer once the work settles, answered or failed', async () => {
    vi.useFakeTimers()
    try {
      let seen: AbortSignal | undefined
      await expect(withDeadline(30, async signal => { seen = signal; expect(vi.getTimerCount()).toBe(1); return 7 })).resolves.toBe(7)
      expect(vi.getTimerCount()).toBe(0)
      await expect(withDeadline(30, async () => { throw new Error('refused') })).rejects.toThrow('refused')
      expect(vi.getTimerCount()).toBe(0)
      vi.advanceTimersByTime(60)
      expect(seen?.aborted).toBe(false)
    } finally {
      vi.useRealTimers()
    }
  })

  it('aborts work that outlasts its time, and follows the signals it is given', async () => {
    const late = withDeadline(10, async signal => new Promise((_resolve, reject) => { signal.addEventListener('abort', () => { reject(signal.reason) }) }))
    await expect(late).rejects.toMatchObject({ name: 'TimeoutError' })
    const outer = new AbortController()
    const stopped = withDeadline(60_000, async signal => new Promise((_resolve, reject) => { signal.addEventListener('abort', () => { reject(signal.reason) }) }), outer.signal)
    outer.abort(new Error('stopping'))
    await expect(stopped).rejects.toThrow('stopping')
  })
})

describe('withSignalOrDeadline', () => {
  it("runs under the caller's signal alone when there is one, else under a deadline of its own", async () => {
    vi.useFakeTimers()
    try {
      const caller = new AbortController().signal
      await withSignalOrDeadline(caller, 30, async signal => { expect(signal).toBe(caller); expect(vi.getTimerCount()).toBe(0) })
      await withSignalOrDeadline(undefined, 30, async signal => { expect(signal).not.toBe(caller); expect(vi.getTimerCount()).toBe(1) })
      expect(vi.getTimerCount()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })
})
