import { describe, expect, it } from 'vitest'
import { Bitfield } from '../../src/files/bitfield.js'
import { FileTransferError } from '../../src/errors.js'

describe('bitfield', () => {
  it('puts chunk 0 in the highest bit of the first byte, spare bits zero', () => {
    const b = Bitfield.of(10, [0, 7, 9])
    expect([...b.bytes]).toEqual([0b1000_0001, 0b0100_0000])
    expect(b.has(0) && b.has(7) && b.has(9)).toBe(true)
    expect(b.has(1) || b.has(8) || b.has(10) || b.has(-1)).toBe(false)
    expect(b.count).toBe(3)
    expect(b.complete).toBe(false)
  })

  it('full sets every chunk and nothing past the last', () => {
    expect([...Bitfield.full(10).bytes]).toEqual([0xff, 0b1100_0000])
    expect([...Bitfield.full(16).bytes]).toEqual([0xff, 0xff])
    expect(Bitfield.full(10).complete).toBe(true)
    expect(Bitfield.full(0).bytes.byteLength).toBe(0)
  })

  it('decodes a peer\'s bytes only when they fit the file', () => {
    expect(Bitfield.decode(Uint8Array.of(0b1010_0000), 3).count).toBe(2)
    expect(() => Bitfield.decode(Uint8Array.of(0, 0), 3)).toThrow(FileTransferError)
    // a bit set for chunk 3 of a 3-chunk file
    expect(() => Bitfield.decode(Uint8Array.of(0b0001_0000), 3)).toThrow(/past the last chunk/)
  })

  it('diff visits exactly the chunks that changed', () => {
    const before = Bitfield.of(20, [1, 2, 15])
    const after = Bitfield.of(20, [2, 3, 15, 19])
    const seen: Array<[number, boolean]> = []
    Bitfield.diff(before, after, (i, set) => seen.push([i, set]))
    expect(seen).toEqual([[1, false], [3, true], [19, true]])
    const all: number[] = []
    Bitfield.diff(undefined, after, i => all.push(i))
    expect(all).toEqual([2, 3, 15, 19])
  })

  it('a copy does not change with the original', () => {
    const b = Bitfield.of(8, [1])
    const c = b.copy()
    b.set(2)
    b.clear(1)
    expect(c.has(1)).toBe(true)
    expect(c.has(2)).toBe(false)
  })
})
