import { describe, expect, it } from 'vitest'
import { SeedSpread } from '../../src/files/seed-spread.js'

describe('a capped seeder sends each chunk once before any twice', () => {
  it('refuses a chunk sent within the window while another was never sent', () => {
    let now = 10_000
    const spread = new SeedSpread(() => now, 3_000)
    expect(spread.take('f', 0, 3)).toBe(true)
    expect(spread.take('f', 0, 3)).toBe(false)
    now += 2_999
    expect(spread.take('f', 0, 3)).toBe(false)
    // once the window has passed, the chunk goes again
    now += 1
    expect(spread.take('f', 0, 3)).toBe(true)
    // other files are counted apart
    expect(spread.take('g', 0, 3)).toBe(true)
  })

  it('serves freely once every chunk has been sent', () => {
    let now = 10_000
    const spread = new SeedSpread(() => now, 3_000)
    for (const i of [0, 1, 2]) expect(spread.take('f', i, 3)).toBe(true)
    now += 10
    expect(spread.take('f', 1, 3)).toBe(true)
    expect(spread.take('f', 1, 3)).toBe(true)
  })

  it('does not judge an index outside the file', () => {
    const spread = new SeedSpread(() => 1, 3_000)
    expect(spread.take('f', 7, 3)).toBe(true)
    expect(spread.take('f', 7, 3)).toBe(true)
  })
})
