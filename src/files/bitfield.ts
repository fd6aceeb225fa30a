/**
 * Which chunks of a file a peer holds: one bit per chunk, chunk 0 in the highest bit of the first byte (the
 * layout of BitTorrent's bitfield message). Sent in answer to a files-protocol `have` request
 * (docs/PROTOCOLS.md); spare bits in the last byte are zero.
 */
import { FileTransferError } from '../errors.js'

export class Bitfield {
  private constructor (readonly size: number, readonly bytes: Uint8Array) {}

  static empty (size: number): Bitfield {
    return new Bitfield(size, new Uint8Array(Math.ceil(size / 8)))
  }

  static full (size: number): Bitfield {
    const b = Bitfield.empty(size)
    b.bytes.fill(0xff)
    if (size % 8 !== 0) b.bytes[b.bytes.byteLength - 1] = (0xff << (8 - size % 8)) & 0xff
    return b
  }

  copy (): Bitfield {
    return new Bitfield(this.size, Uint8Array.from(this.bytes))
  }

  static of (size: number, indices: Iterable<number>): Bitfield {
    const b = Bitfield.empty(size)
    for (const i of indices) b.set(i)
    return b
  }

  /** Parse a peer's bitfield for a file of `size` chunks: the length must match and spare bits must be zero. */
  static decode (bytes: Uint8Array, size: number): Bitfield {
    if (bytes.byteLength !== Math.ceil(size / 8)) {
      throw new FileTransferError(`bitfield of ${bytes.byteLength} bytes for ${size} chunks`)
    }
    const spare = size % 8
    if (spare !== 0 && (bytes[bytes.byteLength - 1] & (0xff >> spare)) !== 0) {
      throw new FileTransferError('bitfield has bits set past the last chunk')
    }
    return new Bitfield(size, Uint8Array.from(bytes))
  }

  has (i: number): boolean {
    return i >= 0 && i < this.size && (this.bytes[i >> 3] & (0x80 >> (i & 7))) !== 0
  }

  set (i: number): void {
    if (i < 0 || i >= this.size) throw new RangeError(`chunk ${i} outside 0..${this.size - 1}`)
    this.bytes[i >> 3] |= 0x80 >> (i & 7)
  }

  clear (i: number): void {
    if (i >= 0 && i < this.size) this.bytes[i >> 3] &= ~(0x80 >> (i & 7))
  }

  get count (): number {
    let n = 0
    for (const byte of this.bytes) {
      let v = byte
      while (v !== 0) { v &= v - 1; n++ }
    }
    return n
  }

  get complete (): boolean {
    return this.count === this.size
  }

  /**
   * Visit every chunk whose bit differs between `before` (nothing, if undefined) and `after` (nothing, if
   * undefined): `fn(index, nowSet)`. Whole bytes that did not change are skipped.
   */
  static diff (before: Bitfield | undefined, after: Bitfield | undefined, fn: (index: number, nowSet: boolean) => void): void {
    const size = after?.size ?? before?.size ?? 0
    for (let byte = 0; byte < Math.ceil(size / 8); byte++) {
      const a = before?.bytes[byte] ?? 0
      const b = after?.bytes[byte] ?? 0
      if (a === b) continue
      for (let bit = 0; bit < 8; bit++) {
        const mask = 0x80 >> bit
        if ((a & mask) !== (b & mask)) fn(byte * 8 + bit, (b & mask) !== 0)
      }
    }
  }
}
