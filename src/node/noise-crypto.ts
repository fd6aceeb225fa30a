/**
 * Noise's transport cipher with each session key imported into OpenSSL once. `@chainsafe/libp2p-noise` hands
 * frames of 1,200 bytes and more to Node's ChaCha20-Poly1305 with the raw 32-byte key, and `createCipheriv`
 * imports a raw key into a new OpenSSL key object on every call: for a 1.3 KB frame that import was two thirds
 * of the work (16 us per frame with the raw key, 5 us with a key object, on the project's machine). Every topic
 * message a node forwards or receives is such a frame.
 *
 * Everything else is Noise's own default crypto: the handshake, hashing, the key derivation, and the
 * WebAssembly cipher it prefers for smaller frames. The cipher is the same (ChaCha20-Poly1305, 16-byte tags),
 * so a node using this talks to any Noise peer; a frame that fails authentication throws, as before.
 */
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto'
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
const keys = new WeakMap<Uint8Array, { bytes: Buffer, key: KeyObject }>()

export function sessionKey (k: Uint8Array): KeyObject {
  const hit = keys.get(k)
  if (hit?.bytes.equals(k) === true) return hit.key
  const bytes = Buffer.from(k)
  const key = createSecretKey(bytes)
  keys.set(k, { bytes, key })
  return key
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

/** Noise's default crypto, with the transport cipher above. Noise calls these unbound. */
export const noiseCrypto: ICryptoInterface = {
  ...defaultCrypto,
  chaCha20Poly1305Encrypt: encrypt,
  chaCha20Poly1305Decrypt: decrypt
}
