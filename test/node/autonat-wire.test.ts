import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { decodeDial, decodeDialResponse, DialStatus, encodeDial, encodeDialResponse } from '../../src/node/autonat-wire.js'

describe('AutoNAT v1 messages', () => {
  it('a DIAL round-trips, and at most maxAddrs addresses are read', async () => {
    const id = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const addrs = Array.from({ length: 20 }, (_, i) => multiaddr(`/ip4/11.0.0.${i}/tcp/4001`).bytes)
    const req = decodeDial(encodeDial(id.toMultihash().bytes, addrs), 8)
    expect(req.peerId).toEqual(id.toMultihash().bytes)
    expect(req.addrs).toHaveLength(8)
    expect(multiaddr(req.addrs[3]).toString()).toBe('/ip4/11.0.0.3/tcp/4001')
  })

  it('a DIAL_RESPONSE round-trips, with a status above 127 (two-byte varint)', () => {
    const addr = multiaddr('/ip4/21.0.0.1/tcp/4001').bytes
    const res = decodeDialResponse(encodeDialResponse({ status: DialStatus.E_DIAL_ERROR, statusText: 'timed out', addr }))
    expect(res).toEqual({ status: 100, statusText: 'timed out', addr })
    expect(decodeDialResponse(encodeDialResponse({ status: DialStatus.E_BAD_REQUEST })).status).toBe(200)
  })

  it('truncated or wrong messages are refused with AutonatProtocolError', () => {
    const full = encodeDialResponse({ status: DialStatus.OK })
    expect(() => decodeDialResponse(full.subarray(0, full.length - 1))).toThrow(expect.objectContaining({ name: 'AutonatProtocolError' }))
    expect(() => decodeDial(full, 8)).toThrow(expect.objectContaining({ name: 'AutonatProtocolError' }))
  })
})
