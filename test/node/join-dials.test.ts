/**
 * A joining node dials at most JOIN_MAX_PARALLEL_DIALS peers at once for its first JOIN_DIAL_PHASE_MS, then as
 * many as libp2p allows, and the dials that waited start at once.
 */
import { PriorityQueue } from '@libp2p/utils'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { JOIN_DIAL_PHASE_MS, JOIN_MAX_PARALLEL_DIALS } from '../../src/node/constants.js'
import { dialQueueOf, JoinDials, type DialConcurrency } from '../../src/node/join-dials.js'
import { TestNodes } from '../helpers/nodes.js'

describe('JoinDials on a queue of dials', () => {
  afterEach(() => { vi.useRealTimers() })

  it('runs at most maxParallel jobs at once while joining, then all the others at once', async () => {
    vi.useFakeTimers()
    const queue = new PriorityQueue<void, { priority: number }>({ concurrency: 100 })
    const join = new JoinDials(queue as unknown as DialConcurrency, { maxParallel: 4, forMs: 10_000 })
    join.start()
    let running = 0
    let most = 0
    const finish: Array<() => void> = []
    const jobs = Array.from({ length: 20 }, async () => queue.add(async () => {
      running++
      most = Math.max(most, running)
      await new Promise<void>(resolve => finish.push(resolve))
      running--
    }, { priority: 0 }))
    await vi.advanceTimersByTimeAsync(0)
    expect(running).toBe(4)
    // one finishes: one more starts, never more than four
    finish.shift()?.()
    await vi.advanceTimersByTimeAsync(0)
    expect(running).toBe(4)
    expect(most).toBe(4)
    // the phase ends: every waiting dial starts at once
    await vi.advanceTimersByTimeAsync(10_000)
    expect(join.limited).toBe(false)
    expect(queue.concurrency).toBe(100)
    expect(running).toBe(19)
    for (const f of finish.splice(0)) f()
    await vi.advanceTimersByTimeAsync(0)
    for (const f of finish.splice(0)) f()
    await Promise.all(jobs)
  })

  it('never raises a limit lower than its own', () => {
    const queue = new PriorityQueue({ concurrency: 2 })
    const join = new JoinDials(queue as unknown as DialConcurrency, { maxParallel: 4, forMs: 10_000 })
    join.start()
    expect(queue.concurrency).toBe(2)
    join.release()
    expect(queue.concurrency).toBe(2)
  })
})

describe('a node\'s dials while it joins', () => {
  const t = new TestNodes({ logLevel: 'silent', minConnections: 0 })
  afterAll(async () => { await t.cleanup() })

  it('are limited from start for the join phase, and back to libp2p\'s limit once it stops', async () => {
    // createNode starts the node
    const node = await t.add()
    const queue = dialQueueOf(node.libp2p)
    expect(JOIN_DIAL_PHASE_MS).toBeGreaterThan(1_000)
    expect(queue.concurrency).toBe(JOIN_MAX_PARALLEL_DIALS)
    await node.stop()
    expect(queue.concurrency).toBeGreaterThan(JOIN_MAX_PARALLEL_DIALS)
  })
})
