import { describe, expect, it, vi } from 'vitest'
import { deadline } from '../../src/node/deadline.js'

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
