import { describe, expect, it } from 'vitest'
import { TokenBucket } from '../../src/node/token-bucket.js'

describe('token bucket', () => {
  it('lets a burst through at once, then paces to the rate', async () => {
    const bucket = new TokenBucket({ rate: 100_000, burst: 10_000 })
    const t0 = Date.now()
    await bucket.take(10_000)
    expect(Date.now() - t0).toBeLessThan(50)
    for (let i = 0; i < 5; i++) await bucket.take(10_000)
    // 50,000 bytes beyond the burst at 100,000 B/s need about 500 ms
    const elapsed = Date.now() - t0
    expect(elapsed).toBeGreaterThanOrEqual(450)
    expect(elapsed).toBeLessThan(2_000)
  })

  it('is a no-op when unlimited', async () => {
    const bucket = new TokenBucket({ rate: 0 })
    const t0 = Date.now()
    for (let i = 0; i < 1000; i++) await bucket.take(1 << 20)
    expect(Date.now() - t0).toBeLessThan(200)
  })

  it('serves waiters in order and survives an aborted waiter', async () => {
    const bucket = new TokenBucket({ rate: 10_000, burst: 1_000 })
    await bucket.take(1_000)
    const order: number[] = []
    const ac = new AbortController()
    const a = bucket.take(1_000).then(() => order.push(1))
    const b = bucket.take(1_000, ac.signal).then(() => order.push(2), () => order.push(-2))
    const c = bucket.take(1_000).then(() => order.push(3))
    ac.abort()
    await Promise.all([a, b, c])
    expect(order[0]).toBe(1)
    expect(order).toContain(3)
    expect(order.indexOf(3)).toBeGreaterThan(0)
  })

  it('reports how long a new request would wait behind those already waiting', async () => {
    const bucket = new TokenBucket({ rate: 10_000, burst: 1_000 })
    expect(bucket.backlogMs()).toBe(0)
    await bucket.take(1_000)
    const waiters = [bucket.take(1_000), bucket.take(1_000), bucket.take(1_000)]
    // 3,000 bytes asked for, an empty bucket refilling at 10,000 B/s: about 300 ms of queue
    expect(bucket.backlogMs()).toBeGreaterThan(250)
    expect(bucket.backlogMs()).toBeLessThanOrEqual(300)
    await Promise.all(waiters)
    expect(bucket.backlogMs()).toBe(0)
    expect(new TokenBucket({ rate: 0 }).backlogMs()).toBe(0)
  })
})
