/**
 * bench/gossip.js's view of the tail in time: which seconds of a run held a slow delivery or a slow `/health`.
 */
import { describe, expect, it } from 'vitest'
// @ts-expect-error the benchmarks are plain JavaScript
import { tailSeconds } from '../../bench/gossip.js'

describe('gossip bench tail seconds', () => {
  it('names each second with a slow message or probe once, in order', () => {
    // 10 msg/s: message k is published in second floor(k / 10)
    const lastArrival = new Map([[0, 30], [5, 400], [7, 251], [23, 250], [41, 900], [45, 260]])
    const healthAt = [{ k: 3, ms: 2 }, { k: 12, ms: 150 }, { k: 19, ms: 101 }, { k: 30, ms: 100 }]
    expect(tailSeconds({ rate: 10, lastArrival, healthAt, slowMs: 250, slowHealthMs: 100 })).toEqual({
      slowMessageSeconds: [0, 4],
      slowHealthSeconds: [1]
    })
  })

  it('is empty when nothing was slow', () => {
    expect(tailSeconds({ rate: 2, lastArrival: new Map([[1, 10]]), healthAt: [{ k: 1, ms: 5 }], slowMs: 250, slowHealthMs: 100 }))
      .toEqual({ slowMessageSeconds: [], slowHealthSeconds: [] })
  })
})
