/**
 * The length-prefixed decoder's empty-buffer check (a performance fix): frames come out exactly as before,
 * however the bytes are split into reads, and the length decoder is no longer asked about an empty buffer.
 */
import { LengthPrefixedDecoder } from '@libp2p/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { NO_LENGTH_YET, cheapEmptyLengthPrefix, guardEmpty } from '../../src/node/length-prefix.js'

/** What a length decoder reads: a chunk, or a list of chunks (of whichever uint8arraylist copy). */
type Buffered = Uint8Array | { byteLength: number, getUint16(offset: number): number }

/** A 2-byte big-endian length decoder, as Noise's, recording the buffer sizes it is asked about. */
function uint16Decoder (seen: number[]): (data: Buffered) => number {
  return data => {
    seen.push(data.byteLength)
    if (data.byteLength < 2) throw new RangeError('Could not decode int16BE')
    return data instanceof Uint8Array ? (data[0] << 8) + data[1] : data.getUint16(0)
  }
}

function frame (body: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + body.length)
  out[0] = body.length >> 8
  out[1] = body.length & 0xff
  out.set(body, 2)
  return out
}

describe('length-prefixed decoding with the empty-buffer check', () => {
  const bodies = [new Uint8Array([1, 2, 3]), new Uint8Array(1000).map((_, i) => i), new Uint8Array([9])]
  const wire = Buffer.concat(bodies.map(frame))

  it('yields the same frames for every way of splitting the bytes into reads, never asking about an empty buffer', () => {
    cheapEmptyLengthPrefix()
    cheapEmptyLengthPrefix()
    // every single cut, including inside a length prefix, and reads of one byte
    const splits: number[][] = [[], ...Array.from({ length: wire.length - 1 }, (_, i) => [i + 1])]
    splits.push(Array.from({ length: wire.length - 1 }, (_, i) => i + 1))
    for (const cuts of splits) {
      const seen: number[] = []
      const decoder = new LengthPrefixedDecoder({ lengthDecoder: uint16Decoder(seen), encodingLength: () => 2 })
      const out: Uint8Array[] = []
      const edges = [0, ...cuts, wire.length]
      for (let i = 0; i + 1 < edges.length; i++) {
        for (const f of decoder.decode(wire.subarray(edges[i], edges[i + 1]))) out.push(f.subarray())
      }
      expect(out.map(f => Buffer.from(f))).toEqual(bodies.map(b => Buffer.from(b)))
      expect(seen.includes(0), `length decoder asked about an empty buffer (cuts ${cuts.length})`).toBe(false)
    }
  })

  it('throws the one prepared RangeError for an empty buffer and passes anything else through', () => {
    const seen: number[] = []
    const guarded = guardEmpty(uint16Decoder(seen))
    expect(() => guarded(new Uint8Array(0))).toThrow(NO_LENGTH_YET)
    expect(seen).toEqual([])
    expect(() => guarded(new Uint8Array(1))).toThrow(/int16BE/)
    expect(guarded(new Uint8ArrayList(new Uint8Array([1]), new Uint8Array([2])))).toBe(258)
    expect(seen).toEqual([1, 2])
  })

  it('still refuses a frame over the data limit', () => {
    cheapEmptyLengthPrefix()
    const decoder = new LengthPrefixedDecoder({ lengthDecoder: uint16Decoder([]), encodingLength: () => 2, maxDataLength: 100 })
    expect(() => [...decoder.decode(frame(new Uint8Array(101)))]).toThrow(/length/i)
  })
})
