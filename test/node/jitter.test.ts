/**
 * Jittered periods, and the one kad-dht's self-lookups run at.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { DHT_QUERY_SELF_JITTER, DHT_QUERY_SELF_MS } from '../../src/node/constants.js'
import { jittered } from '../../src/node/jitter.js'
import { TestNodes } from '../helpers/nodes.js'

describe('jittered', () => {
  it('moves a period by up to its share either way, and not at all at the middle draw', () => {
    expect(jittered(600_000, 0.2, () => 0)).toBe(480_000)
    expect(jittered(600_000, 0.2, () => 0.5)).toBe(600_000)
    expect(jittered(600_000, 0.2, () => 1)).toBe(720_000)
    expect(jittered(1_000, 0, () => 0)).toBe(1_000)
  })

  it('spreads draws over the whole range', () => {
    const draws = Array.from({ length: 1_000 }, () => jittered(600_000, 0.2))
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(480_000)
    expect(Math.max(...draws)).toBeLessThanOrEqual(720_000)
    // 1,000 uniform draws: the chance that none falls within 2 % of the range from an end is 0.98^1000, under 1e-8
    expect(Math.min(...draws)).toBeLessThan(484_800)
    expect(Math.max(...draws)).toBeGreaterThan(715_200)
  })
})

describe('a node\'s DHT self-lookups', () => {
  const nodes = new TestNodes()
  afterAll(async () => { await nodes.cleanup() })

  it('come every 8-12 minutes, at a period of each node\'s own', async () => {
    const periods = await Promise.all([nodes.add(), nodes.add(), nodes.add()].map(async pending => {
      const node = await pending
      // kad-dht keeps the period its option set on its self-query task
      const period = (node.libp2p.services.dht as unknown as { querySelf?: { interval?: number } }).querySelf?.interval
      expect(period, 'kad-dht keeps no self-query period at querySelf.interval').toBeTypeOf('number')
      return period as number
    }))
    for (const period of periods) {
      expect(period).toBeGreaterThanOrEqual(DHT_QUERY_SELF_MS * (1 - DHT_QUERY_SELF_JITTER))
      expect(period).toBeLessThanOrEqual(DHT_QUERY_SELF_MS * (1 + DHT_QUERY_SELF_JITTER))
    }
    // kad-dht's own period is 5 minutes for every node
    expect(new Set(periods).size).toBeGreaterThan(1)
  })
})
