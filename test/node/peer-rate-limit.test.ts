import { describe, expect, it } from 'vitest'
import { PeerRateLimit } from '../../src/node/peer-rate-limit.js'
import { TokenBucket } from '../../src/node/token-bucket.js'

describe('PeerRateLimit', () => {
  it('allows a burst, then the rate, per peer', () => {
    let t = 0
    const limit = new PeerRateLimit({ rate: 2, burst: 3, maxPeers: 10, now: () => t })
    expect([1, 2, 3, 4].map(() => limit.allow('a'))).toEqual([true, true, true, false])
    // another peer has its own bucket
    expect(limit.allow('b')).toBe(true)
    t += 500
    expect([limit.allow('a'), limit.allow('a')]).toEqual([true, false])
  })

  it('tracks at most maxPeers, forgetting the one idle longest', () => {
    const t = 0
    const limit = new PeerRateLimit({ rate: 1, burst: 1, maxPeers: 2, now: () => t })
    expect(limit.allow('a')).toBe(true)
    expect(limit.allow('b')).toBe(true)
    expect(limit.allow('a')).toBe(false)
    // c pushes out b (a was used after it)
    expect(limit.allow('c')).toBe(true)
    expect(limit.size).toBe(2)
    expect(limit.allow('a')).toBe(false)
  })
})

describe('TokenBucket.tryTake', () => {
  it('takes nothing when short, and is always true when unlimited', () => {
    const t = 0
    const bucket = new TokenBucket({ rate: 10, burst: 2, now: () => t })
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, false])
    expect(new TokenBucket({ rate: 0 }).tryTake(1e9)).toBe(true)
  })
})
