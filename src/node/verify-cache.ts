/**
 * Ed25519 signature checks with each author's key imported once. `@libp2p/crypto` imports the raw public key as
 * a JWK into a new OpenSSL key object on every `verify`, and gossipsub verifies every message it receives: on a
 * busy subscriber that import was half of all verification time, for the same few authors over and over. The
 * check itself is unchanged (OpenSSL's Ed25519 verify, the same inputs, the same errors for malformed ones).
 *
 * It is installed on `@libp2p/crypto`'s Ed25519 public key class, so gossipsub, Noise and identify all use it.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import type { Ed25519PublicKey } from '@libp2p/interface'

/** Authors whose key objects are kept; a swarm has dozens, a hostile flood of new keys only churns the cache. */
export const VERIFY_KEY_CACHE_SIZE = 1024

const PUBLIC_KEY_BYTES = 32
const SIGNATURE_BYTES = 64
const INSTALLED = Symbol.for('gossipd.ed25519VerifyCache')

const keys = new Map<string, KeyObject>()

function keyObject (raw: Uint8Array): KeyObject {
  const x = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url')
  let obj = keys.get(x)
  if (obj == null) {
    obj = createPublicKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', x } })
    if (keys.size >= VERIFY_KEY_CACHE_SIZE) keys.delete(keys.keys().next().value as string)
    keys.set(x, obj)
  }
  return obj
}

/** Verify as `@libp2p/crypto` does, with the key object from the cache. */
export function verifyEd25519 (raw: Uint8Array, data: Uint8Array | { subarray(): Uint8Array }, sig: Uint8Array): boolean {
  if (raw.byteLength !== PUBLIC_KEY_BYTES) throw new TypeError('"key" must be 32 bytes in length.')
  if (!(sig instanceof Uint8Array) || sig.byteLength !== SIGNATURE_BYTES) throw new TypeError('"sig" must be 64 bytes in length.')
  return verify(null, data instanceof Uint8Array ? data : data.subarray(), keyObject(raw), sig)
}

/** Install the cache on `@libp2p/crypto`'s Ed25519 public keys (once per process; later calls do nothing). */
export function cacheEd25519Verification (): void {
  const proto = Object.getPrototypeOf(publicKeyFromRaw(new Uint8Array(PUBLIC_KEY_BYTES))) as Ed25519PublicKey & { [INSTALLED]?: boolean }
  if (proto[INSTALLED] === true) return
  proto.verify = function (this: Ed25519PublicKey, data, sig, options) {
    options?.signal?.throwIfAborted()
    return verifyEd25519(this.raw, data, sig)
  }
  proto[INSTALLED] = true
}
