/**
 * The AutoNAT v1 messages (libp2p specs, autonat-v1.md), as protobuf: a DIAL request naming this node and the
 * addresses to dial back, and the DIAL_RESPONSE status. Only the fields the probe uses are written and read;
 * unknown fields are skipped, as protobuf requires.
 */
import { AutonatProtocolError } from '../errors.js'

/** Response statuses of the spec. */
export const DialStatus = {
  OK: 0,
  E_DIAL_ERROR: 100,
  E_DIAL_REFUSED: 101,
  E_BAD_REQUEST: 200,
  E_INTERNAL_ERROR: 300
} as const

const TYPE_DIAL = 0
const TYPE_DIAL_RESPONSE = 1

export interface DialResponse {
  status: number
  statusText?: string
  addr?: Uint8Array
}

function varint (n: number): number[] {
  const out: number[] = []
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}

function bytesField (field: number, value: Uint8Array): number[] {
  return [...varint((field << 3) | 2), ...varint(value.length), ...value]
}

/** A DIAL message: `{ type: DIAL, dial: { peer: { id, addrs } } }`. */
export function encodeDial (peerIdBytes: Uint8Array, addrs: Uint8Array[]): Uint8Array {
  const peerInfo = [...bytesField(1, peerIdBytes), ...addrs.flatMap(a => bytesField(2, a))]
  const dial = bytesField(1, Uint8Array.from(peerInfo))
  return Uint8Array.from([...varint((1 << 3) | 0), TYPE_DIAL, ...bytesField(2, Uint8Array.from(dial))])
}

/** A DIAL_RESPONSE message. */
export function encodeDialResponse (res: DialResponse): Uint8Array {
  const body = [
    ...varint((1 << 3) | 0), ...varint(res.status),
    ...(res.statusText != null ? bytesField(2, new TextEncoder().encode(res.statusText)) : []),
    ...(res.addr != null ? bytesField(3, res.addr) : [])
  ]
  return Uint8Array.from([...varint((1 << 3) | 0), TYPE_DIAL_RESPONSE, ...bytesField(3, Uint8Array.from(body))])
}

export interface DialRequest {
  peerId: Uint8Array
  addrs: Uint8Array[]
}

/** Read a DIAL request, keeping at most `maxAddrs` addresses. */
export function decodeDial (buf: Uint8Array, maxAddrs: number): DialRequest {
  let type: number | undefined
  let dial: Uint8Array | undefined
  for (const f of fields(buf)) {
    if (f.field === 1 && f.varint != null) type = f.varint
    if (f.field === 2 && f.bytes != null) dial = f.bytes
  }
  if (type !== TYPE_DIAL || dial == null) throw new AutonatProtocolError('expected an AutoNAT DIAL')
  let peer: Uint8Array | undefined
  for (const f of fields(dial)) if (f.field === 1 && f.bytes != null) peer = f.bytes
  if (peer == null) throw new AutonatProtocolError('AutoNAT DIAL without peer info')
  const req: DialRequest = { peerId: new Uint8Array(), addrs: [] }
  for (const f of fields(peer)) {
    if (f.field === 1 && f.bytes != null) req.peerId = f.bytes
    if (f.field === 2 && f.bytes != null && req.addrs.length < maxAddrs) req.addrs.push(f.bytes)
  }
  return req
}

interface Field { field: number, varint?: number, bytes?: Uint8Array }

function * fields (buf: Uint8Array): Generator<Field> {
  let i = 0
  const readVarint = (): number => {
    let n = 0
    let shift = 1
    for (let k = 0; k < 8; k++) {
      if (i >= buf.length) throw new AutonatProtocolError('truncated AutoNAT message')
      const b = buf[i++]
      n += (b & 0x7f) * shift
      if ((b & 0x80) === 0) return n
      shift *= 128
    }
    throw new AutonatProtocolError('AutoNAT varint too long')
  }
  while (i < buf.length) {
    const tag = readVarint()
    const field = Math.floor(tag / 8)
    const wire = tag & 7
    if (wire === 0) {
      yield { field, varint: readVarint() }
    } else if (wire === 2) {
      const len = readVarint()
      if (i + len > buf.length) throw new AutonatProtocolError('truncated AutoNAT field')
      yield { field, bytes: buf.subarray(i, i + len) }
      i += len
    } else if (wire === 5) {
      i += 4
    } else if (wire === 1) {
      i += 8
    } else {
      throw new AutonatProtocolError(`unsupported protobuf wire type ${wire} in an AutoNAT message`)
    }
  }
}

/** Read a DIAL_RESPONSE; anything else is a protocol error. */
export function decodeDialResponse (buf: Uint8Array): DialResponse {
  let type: number | undefined
  let body: Uint8Array | undefined
  for (const f of fields(buf)) {
    if (f.field === 1 && f.varint != null) type = f.varint
    if (f.field === 3 && f.bytes != null) body = f.bytes
  }
  if (type !== TYPE_DIAL_RESPONSE || body == null) throw new AutonatProtocolError('expected an AutoNAT DIAL_RESPONSE')
  const res: DialResponse = { status: -1 }
  for (const f of fields(body)) {
    if (f.field === 1 && f.varint != null) res.status = f.varint
    if (f.field === 2 && f.bytes != null) res.statusText = new TextDecoder().decode(f.bytes)
    if (f.field === 3 && f.bytes != null) res.addr = f.bytes
  }
  if (res.status < 0) throw new AutonatProtocolError('AutoNAT DIAL_RESPONSE without a status')
  return res
}
