/**
 * Noise's frame decoder without an exception at the end of every read. `@libp2p/utils`' LengthPrefixedDecoder
 * takes every complete frame out of its buffer, then asks its length decoder for the next length, and stops
 * when that throws a RangeError. After a read that ends on a frame boundary (nearly all of them) the buffer is
 * empty, and Noise's decoder throws a new RangeError for it: a stack trace captured for each socket read,
 * 5 us in a micro-measure and about 4 % of a gossiping swarm's busy time in a CPU profile.
 *
 * Here an empty buffer ends the loop with a RangeError made once, which captures nothing when thrown. The decoder
 * only checks the error's class, so the outcome is the same: no frame until more bytes arrive. A buffer that
 * holds part of a length prefix still reaches the library's own length decoder.
 */
import { LengthPrefixedDecoder } from '@libp2p/utils'
import type { Uint8ArrayList } from 'uint8arraylist'

const INSTALLED = Symbol.for('gossipd.lengthPrefixEmptyBuffer')
const GUARDED = Symbol('gossipd.lengthDecoderGuarded')

/** What an empty buffer throws: built once, so throwing it costs no stack trace. */
export const NO_LENGTH_YET = new RangeError('no length prefix in an empty buffer')

type LengthDecoder = (data: Uint8ArrayList | Uint8Array) => number

/** The decoder's fields the patch reads (private in its type declarations). */
interface Decoder {
  lengthDecoder: LengthDecoder
  [GUARDED]?: boolean
  decode(buf: Uint8Array | Uint8ArrayList): Generator<Uint8ArrayList>
}

/** `decode` with the empty-buffer check in front. */
export function guardEmpty (decode: LengthDecoder): LengthDecoder {
  return data => {
    if (data.byteLength === 0) throw NO_LENGTH_YET
    return decode(data)
  }
}

/** Install on `@libp2p/utils`' LengthPrefixedDecoder (once per process; later calls do nothing). */
export function cheapEmptyLengthPrefix (): void {
  const proto = LengthPrefixedDecoder.prototype as unknown as Decoder & { [INSTALLED]?: boolean }
  if (proto[INSTALLED] === true) return
  const decode = proto.decode
  proto.decode = function (this: Decoder, buf) {
    if (this[GUARDED] !== true) {
      this.lengthDecoder = guardEmpty(this.lengthDecoder)
      this[GUARDED] = true
    }
    return decode.call(this, buf)
  }
  proto[INSTALLED] = true
}
