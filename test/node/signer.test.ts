/**
 * The node's Ed25519 key signs through a KeyObject imported once (a performance fix): its signatures must be
 * exactly the library's, verify under the public key, and honour an aborted signal.
 */
import { generateKeyPair, privateKeyFromRaw } from '@libp2p/crypto/keys'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { withCachedSigner } from '../../src/node/identity.js'

describe('withCachedSigner', () => {
  it('signs exactly as @libp2p/crypto does, for plain and list messages', async () => {
    const key = await generateKeyPair('Ed25519')
    const fast = withCachedSigner(privateKeyFromRaw(key.raw))
    for (const size of [0, 1, 1024, 70_000]) {
      const message = new Uint8Array(size).map((_, i) => i * 7)
      const sig = await fast.sign(message)
      expect(Buffer.from(sig)).toEqual(Buffer.from(await key.sign(message)))
      expect(await key.publicKey.verify(message, sig)).toBe(true)
      const list = new Uint8ArrayList(message.subarray(0, size >> 1), message.subarray(size >> 1))
      expect(Buffer.from(await fast.sign(list as unknown as Parameters<typeof fast.sign>[0]))).toEqual(Buffer.from(sig))
    }
  })

  it('throws when the signal is already aborted', async () => {
    const fast = withCachedSigner(await generateKeyPair('Ed25519'))
    expect(() => fast.sign(new Uint8Array(4), { signal: AbortSignal.abort() })).toThrow()
  })

  it('leaves other key types alone', async () => {
    const k1 = await generateKeyPair('secp256k1')
    const sign = k1.sign
    expect(withCachedSigner(k1).sign).toBe(sign)
  })
})
