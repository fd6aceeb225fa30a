/**
 * Noise's crypto with cached key objects and OpenSSL's key derivation (a performance fix): every frame it seals
 * must open with Noise's default crypto and the reverse, on both sides of the size at which the ciphers switch,
 * for whole frames and for frames in parts, and a wrong key, nonce, associated data or tag must still fail. The
 * handshake's key derivation and Diffie-Hellman must give the default crypto's bytes, keys changed in place
 * included.
 */
import { randomBytes } from 'node:crypto'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { NODE_CIPHER_MIN_BYTES, noiseCrypto, sessionKey, x25519PrivateKey, x25519PublicKey } from '../../src/node/noise-crypto.js'

const bytes = (list: Uint8Array | Uint8ArrayList): Uint8Array => list instanceof Uint8Array ? list : list.subarray()
const nonce = (n: number): Uint8Array => { const b = new Uint8Array(12); new DataView(b.buffer).setUint32(4, n, true); return b }
const SIZES = [0, 1, 100, NODE_CIPHER_MIN_BYTES - 17, NODE_CIPHER_MIN_BYTES - 1, NODE_CIPHER_MIN_BYTES, NODE_CIPHER_MIN_BYTES + 1, 1300, 4096, 65_519]

describe('Noise crypto with cached session keys', () => {
  it('seals what the default crypto opens, and opens what it seals, at every size', () => {
    const k = randomBytes(32)
    const ad = randomBytes(8)
    for (const [i, size] of SIZES.entries()) {
      const plaintext = randomBytes(size)
      const ours = noiseCrypto.chaCha20Poly1305Encrypt(plaintext, nonce(i), ad, k)
      const theirs = defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce(i), ad, k)
      expect(Buffer.from(bytes(ours))).toEqual(Buffer.from(bytes(theirs)))
      expect(Buffer.from(bytes(defaultCrypto.chaCha20Poly1305Decrypt(bytes(ours), nonce(i), ad, k)))).toEqual(plaintext)
      expect(Buffer.from(bytes(noiseCrypto.chaCha20Poly1305Decrypt(bytes(theirs), nonce(i), ad, k)))).toEqual(plaintext)
    }
  })

  it('takes frames in parts (Uint8ArrayList) as the default crypto does', () => {
    const k = randomBytes(32)
    const plaintext = randomBytes(3000)
    const parts = new Uint8ArrayList(plaintext.subarray(0, 7), plaintext.subarray(7, 1500), plaintext.subarray(1500))
    const sealed = bytes(noiseCrypto.chaCha20Poly1305Encrypt(parts, nonce(1), new Uint8Array(0), k))
    expect(Buffer.from(sealed)).toEqual(Buffer.from(bytes(defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce(1), new Uint8Array(0), k))))
    const split = new Uint8ArrayList(sealed.subarray(0, 1000), sealed.subarray(1000, sealed.length - 5), sealed.subarray(sealed.length - 5))
    expect(Buffer.from(bytes(noiseCrypto.chaCha20Poly1305Decrypt(split, nonce(1), new Uint8Array(0), k)))).toEqual(plaintext)
  })

  it('refuses a frame sealed with another key, nonce or associated data, or with a changed tag or body', () => {
    const k = randomBytes(32)
    const ad = randomBytes(4)
    const sealed = bytes(noiseCrypto.chaCha20Poly1305Encrypt(randomBytes(2000), nonce(5), ad, k))
    expect(() => noiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce(5), ad, randomBytes(32))).toThrow()
    expect(() => noiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce(6), ad, k)).toThrow()
    expect(() => noiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce(5), randomBytes(4), k)).toThrow()
    for (const at of [0, 1000, sealed.length - 1]) {
      const changed = new Uint8Array(sealed)
      changed[at] ^= 1
      expect(() => noiseCrypto.chaCha20Poly1305Decrypt(changed, nonce(5), ad, k)).toThrow()
    }
  })

  it('keeps one key object per session key, and never uses it once the key bytes change in place', () => {
    const k = new Uint8Array(randomBytes(32))
    const first = sessionKey(k)
    expect(sessionKey(k)).toBe(first)
    // another array with the same bytes is another session: its own entry
    expect(sessionKey(new Uint8Array(k)).export()).toEqual(first.export())
    k[0] ^= 0xff
    const after = sessionKey(k)
    expect(after).not.toBe(first)
    expect(after.export()).toEqual(Buffer.from(k))
    const plaintext = randomBytes(1500)
    const sealed = bytes(noiseCrypto.chaCha20Poly1305Encrypt(plaintext, nonce(9), new Uint8Array(0), k))
    expect(Buffer.from(bytes(defaultCrypto.chaCha20Poly1305Decrypt(sealed, nonce(9), new Uint8Array(0), k)))).toEqual(plaintext)
  })

  it('derives the handshake keys as the default crypto does (HKDF-SHA256), with and without input key material', () => {
    for (const ikmBytes of [0, 32, 32, 64]) {
      const ck = randomBytes(32)
      const ikm = randomBytes(ikmBytes)
      const ours = noiseCrypto.getHKDF(ck, ikm)
      const theirs = defaultCrypto.getHKDF(ck, ikm)
      expect(ours.map(k => k.byteLength)).toEqual([32, 32, 32])
      expect(ours.map(k => Buffer.from(k))).toEqual(theirs.map(k => Buffer.from(k)))
    }
  })

  it('agrees on X25519 shared keys with the default crypto, both ways, and keys its key objects by array', () => {
    const a = defaultCrypto.generateX25519KeyPair()
    const b = noiseCrypto.generateX25519KeyPair()
    const ab = Buffer.from(noiseCrypto.generateX25519SharedKey(a.privateKey, b.publicKey))
    expect(ab).toEqual(Buffer.from(defaultCrypto.generateX25519SharedKey(a.privateKey, b.publicKey)))
    expect(Buffer.from(noiseCrypto.generateX25519SharedKey(b.privateKey, a.publicKey))).toEqual(ab)
    // again from the cached key objects, and from keys in parts (Uint8ArrayList), as Noise may pass them
    expect(Buffer.from(noiseCrypto.generateX25519SharedKey(a.privateKey, b.publicKey))).toEqual(ab)
    const parts = new Uint8ArrayList(b.publicKey.subarray(0, 10), b.publicKey.subarray(10))
    expect(Buffer.from(noiseCrypto.generateX25519SharedKey(a.privateKey, parts))).toEqual(ab)
    expect(Buffer.from(noiseCrypto.generateX25519SharedKey(new Uint8ArrayList(a.privateKey), parts))).toEqual(ab)
    expect(x25519PrivateKey(a.privateKey)).toBe(x25519PrivateKey(a.privateKey))
    expect(x25519PublicKey(b.publicKey)).toBe(x25519PublicKey(b.publicKey))
    expect(x25519PublicKey(parts)).toBe(x25519PublicKey(parts))
  })

  it('never uses a cached X25519 key object once the key bytes change in place', () => {
    const a = defaultCrypto.generateX25519KeyPair()
    const b = defaultCrypto.generateX25519KeyPair()
    const c = defaultCrypto.generateX25519KeyPair()
    const priv = new Uint8Array(a.privateKey)
    const pub = new Uint8Array(b.publicKey)
    noiseCrypto.generateX25519SharedKey(priv, pub)
    priv.set(c.privateKey)
    pub.set(a.publicKey)
    expect(Buffer.from(noiseCrypto.generateX25519SharedKey(priv, pub))).toEqual(Buffer.from(defaultCrypto.generateX25519SharedKey(c.privateKey, a.publicKey)))
    // a key in parts whose part changes in place
    const part = new Uint8Array(b.publicKey)
    const list = new Uint8ArrayList(part)
    noiseCrypto.generateX25519SharedKey(a.privateKey, list)
    part.set(c.publicKey)
    expect(Buffer.from(noiseCrypto.generateX25519SharedKey(a.privateKey, list))).toEqual(Buffer.from(defaultCrypto.generateX25519SharedKey(a.privateKey, c.publicKey)))
  })
})
