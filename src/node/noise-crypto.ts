/**
 * Noise's crypto with its slow parts done once or in OpenSSL. `@chainsafe/libp2p-noise`'s default crypto, on Node:
 * - hands frames of 1,200 bytes and more to Node's ChaCha20-Poly1305 with the raw 32-byte key, and
 *   `createCipheriv` imports a raw key into a new OpenSSL key object on every call: for a 1.3 KB frame that import
 *   was two thirds of the work (16 us per frame with the raw key, 5 us with a key object, on the project's
 *   machine). Every topic message a node forwards or receives is such a frame. Here each session key is imported
 *   once;
 * - derives the handshake's keys (HKDF-SHA256, four times a handshake) in JavaScript (`@noble/hashes`), which a
 *   node runs too seldom for V8 to optimise: 0.17-0.22 ms a derivation against 0.024 ms in OpenSSL
 *   (`crypto.hkdfSync`), about a tenth of a joining node's handshake CPU in its profile. Here it is OpenSSL's;
 * - imports both X25519 keys into OpenSSL for every Diffie-Hellman, three a handshake, though the ephemeral keys
 *   take part in two each and the node's static key in every handshake it makes. Here each key array is imported
 *   once.
 *
 * Everything else is Noise's own default crypto: key generation, hashing, and the WebAssembly cipher it prefers
 * for smaller frames. The algorithms are the same (X25519, HKDF-SHA256 with empty info as the Noise specification
 * defines it, ChaCha20-Poly1305 with 16-byte tags), so a node using this talks to any Noise peer; a frame that
 * fails authentication throws, as before.
 */
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, createSecretKey, diffieHellman, hkdfSync, type KeyObject } from 'node:crypto'
import type { ICryptoInterface } from '@chainsafe/libp2p-noise'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { Uint8ArrayList } from 'uint8arraylist'

/** Below this size Noise's default crypto uses its WebAssembly cipher, which is faster there; so does this. */
export const NODE_CIPHER_MIN_BYTES = 1200

const CIPHER = 'chacha20-poly1305'
const TAG_BYTES = 16

/**
 * Key objects by the key array a Noise session holds (one per direction, the same array for every frame). The
 * entry keeps a copy of the bytes it was made from and is used only while they still match, so a key changed in
 * place can never be used stale; an entry goes with its session.
 */
type KeyCache = WeakMap<Uint8Array | Uint8ArrayList, { bytes: Buffer, key: KeyObject }>
const keys: KeyCache = new WeakMap()

/**
 * The key object made of `k` by `make`, from `cache` while `k` still holds the bytes it was made from. `k` may be
 * a list of parts: Noise holds the peer's ephemeral key as a part of the message it came in.
 */
function cachedKey (cache: KeyCache, k: Uint8Array | Uint8ArrayList, make: (bytes: Buffer) => KeyObject): KeyObject {
  const flat = k instanceof Uint8Array ? k : k.subarray()
  const hit = cache.get(k)
  if (hit?.bytes.equals(flat) === true) return hit.key
  const bytes = Buffer.from(flat)
  const key = make(bytes)
  cache.set(k, { bytes, key })
  return key
}

export function sessionKey (k: Uint8Array): KeyObject {
  return cachedKey(keys, k, bytes => createSecretKey(bytes))
}

/** DER headers of a raw X25519 private key (PKCS #8) and public key (SubjectPublicKeyInfo), RFC 8410. */
const X25519_PKCS8_HEADER = Buffer.from('302e020100300506032b656e04220420', 'hex')
const X25519_SPKI_HEADER = Buffer.from('302a300506032b656e032100', 'hex')
/** X25519 key objects by the key array a handshake holds: its own static and ephemeral keys, the peer's. */
const privateKeys: KeyCache = new WeakMap()
const publicKeys: KeyCache = new WeakMap()

export function x25519PrivateKey (k: Uint8Array | Uint8ArrayList): KeyObject {
  return cachedKey(privateKeys, k, bytes => createPrivateKey({ key: Buffer.concat([X25519_PKCS8_HEADER, bytes]), format: 'der', type: 'pkcs8' }))
}

export function x25519PublicKey (k: Uint8Array | Uint8ArrayList): KeyObject {
  return cachedKey(publicKeys, k, bytes => createPublicKey({ key: Buffer.concat([X25519_SPKI_HEADER, bytes]), format: 'der', type: 'spki' }))
}

function sharedKey (privateKey: Uint8Array | Uint8ArrayList, publicKey: Uint8Array | Uint8ArrayList): Uint8Array {
  return diffieHellman({ privateKey: x25519PrivateKey(privateKey), publicKey: x25519PublicKey(publicKey) })
}

/** Noise's HKDF(ck, ikm) with three outputs: RFC 5869 HKDF-SHA256, salt `ck`, empty info, 96 bytes. */
const HKDF_KEY_BYTES = 32
const NO_INFO = new Uint8Array(0)

function hkdf (ck: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array, Uint8Array] {
  const okm = new Uint8Array(hkdfSync('sha256', ikm, ck, NO_INFO, 3 * HKDF_KEY_BYTES))
  return [okm.subarray(0, HKDF_KEY_BYTES), okm.subarray(HKDF_KEY_BYTES, 2 * HKDF_KEY_BYTES), okm.subarray(2 * HKDF_KEY_BYTES)]
}

function encrypt (plaintext: Uint8Array | Uint8ArrayList, nonce: Uint8Array, ad: Uint8Array, k: Uint8Array): Uint8Array | Uint8ArrayList {
  if (plaintext.byteLength < NODE_CIPHER_MIN_BYTES) return defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k)
  const cipher = createCipheriv(CIPHER, sessionKey(k), nonce, { authTagLength: TAG_BYTES })
  cipher.setAAD(ad, { plaintextLength: plaintext.byteLength })
  if (plaintext instanceof Uint8Array) {
    const body = cipher.update(plaintext)
    const final = cipher.final()
    const tag = cipher.getAuthTag()
    return Buffer.concat([body, final, tag], body.byteLength + final.byteLength + tag.byteLength)
  }
  const out = new Uint8ArrayList()
  for (const part of plaintext) out.append(cipher.update(part))
  const final = cipher.final()
  if (final.byteLength > 0) out.append(final)
  out.append(cipher.getAuthTag())
  return out
}

function decrypt (ciphertext: Uint8Array | Uint8ArrayList, nonce: Uint8Array, ad: Uint8Array, k: Uint8Array, dst?: Uint8Array): Uint8Array | Uint8ArrayList {
  if (ciphertext.byteLength < NODE_CIPHER_MIN_BYTES) return defaultCrypto.chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst)
  const textBytes = ciphertext.byteLength - TAG_BYTES
  const decipher = createDecipheriv(CIPHER, sessionKey(k), nonce, { authTagLength: TAG_BYTES })
  decipher.setAAD(ad, { plaintextLength: textBytes })
  decipher.setAuthTag(ciphertext.subarray(textBytes))
  if (ciphertext instanceof Uint8Array) {
    const body = decipher.update(ciphertext.subarray(0, textBytes))
    // final() checks the tag and throws when the frame was not sent with this key, nonce and data
    const final = decipher.final()
    return final.byteLength > 0 ? Buffer.concat([body, final], body.byteLength + final.byteLength) : body
  }
  const out = new Uint8ArrayList()
  for (const part of ciphertext.sublist(0, textBytes)) out.append(decipher.update(part))
  const final = decipher.final()
  if (final.byteLength > 0) out.append(final)
  return out
}

/** Noise's default crypto, with the key derivation, Diffie-Hellman and transport cipher above. Noise calls these unbound. */
export const noiseCrypto: ICryptoInterface = {
  ...defaultCrypto,
  getHKDF: hkdf,
  generateX25519SharedKey: sharedKey,
  chaCha20Poly1305Encrypt: encrypt,
  chaCha20Poly1305Decrypt: decrypt
}
