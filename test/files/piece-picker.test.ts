import { describe, expect, it } from 'vitest'
import { rarestFirst } from '../../src/files/piece-picker.js'

describe('rarest-first chunk choice', () => {
  it('picks the chunk the fewest providers hold, ties in the given order', () => {
    const availability = Uint16Array.of(3, 2, 5, 2, 4)
    expect(rarestFirst([0, 1, 2, 3, 4], availability, () => true)).toBe(1)
    expect(rarestFirst([4, 3, 2, 1, 0], availability, () => true)).toBe(3)
  })

  it('considers only the chunks eligible for this provider', () => {
    const availability = Uint16Array.of(1, 3, 2)
    expect(rarestFirst([0, 1, 2], availability, i => i !== 0)).toBe(2)
    expect(rarestFirst([0, 1, 2], availability, () => false)).toBeUndefined()
  })

  it('stops at a chunk no other provider holds', () => {
    const visited: number[] = []
    const pick = rarestFirst([2, 0, 1], Uint16Array.of(1, 1, 3), i => { visited.push(i); return true })
    expect(pick).toBe(0)
    expect(visited).toEqual([2, 0])
  })
})
