/**
 * Ed25519 verification with cached key objects (a performance fix): it must answer exactly as @libp2p/crypto
 * does, for valid, tampered and malformed signatures, and whichever key it was asked about before.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { VERIFY_KEY_CACHE_SIZE, cacheEd25519Verification, verifyEd25519 } from '../../src/node/verify-cache.js'

describe('cached Ed25519 verification', () => {
  it('agrees with @libp2p/crypto on valid, tampered and foreign signatures', async () => {
    const alice = await generateKeyPair('Ed25519')
    const bob = await generateKeyPair('Ed25519')
    const message = new Uint8Array(1100).map((_, i) => i * 13)
    const sig = await alice.sign(message)
    const before = [await alice.publicKey.verify(message, sig), await bob.publicKey.verify(message, sig)]
    const tampered = new Uint8Array(message)
    tampered[7] ^= 1
    const beforeTampered = await alice.publicKey.verify(tampered, sig)

    cacheEd25519Verification()
    cacheEd25519Verification()
    expect(before).toEqual([true, false])
    expect(beforeTampered).toBe(false)
    for (let i = 0; i < 3; i++) {
      expect(await alice.publicKey.verify(message, sig)).toBe(true)
      expect(await bob.publicKey.verify(message, sig)).toBe(false)
      expect(await alice.publicKey.verify(tampered, sig)).toBe(false)
    }
    const list = new Uint8ArrayList(message.subarray(0, 500), message.subarray(500))
    expect(verifyEd25519(alice.publicKey.raw, list, sig)).toBe(true)
  })

  it('throws on malformed signatures and keys as the library does, and honours an aborted signal', async () => {
    cacheEd25519Verification()
    const key = await generateKeyPair('Ed25519')
    expect(() => key.publicKey.verify(new Uint8Array(4), new Uint8Array(63))).toThrow(/64 bytes/)
    expect(() => verifyEd25519(new Uint8Array(31), new Uint8Array(4), new Uint8Array(64))).toThrow(/32 bytes/)
    expect(() => key.publicKey.verify(new Uint8Array(4), new Uint8Array(64), { signal: AbortSignal.abort() })).toThrow()
  })

  it('stays right for a key evicted from a full cache', async () => {
    cacheEd25519Verification()
    const first = await generateKeyPair('Ed25519')
    const message = new Uint8Array([1, 2, 3])
    const sig = await first.sign(message)
    expect(await first.publicKey.verify(message, sig)).toBe(true)
    for (let i = 0; i <= VERIFY_KEY_CACHE_SIZE; i++) verifyEd25519(new Uint8Array(32).fill(i % 250).map((v, j) => v ^ (j === 0 ? i >> 8 : 0)), message, new Uint8Array(64))
    expect(await first.publicKey.verify(message, sig)).toBe(true)
    expect(await first.publicKey.verify(new Uint8Array([1, 2, 4]), sig)).toBe(false)
  })
})
