/**
 * The node's identity: an Ed25519 key in `<dataDir>/identity.key` (libp2p protobuf encoding, mode 0600).
 * A restart with the same directory keeps the same PeerID.
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto'
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { IDENTITY_FILE } from './constants.js'
import { IdentityError } from '../errors.js'

/**
 * The key with a signer that imports it into OpenSSL once. @libp2p/crypto's Ed25519 `sign` imports the raw key
 * (a JWK) again on every call, which is half the cost of a signature: every topic message this node publishes
 * is signed, so this halves the signing CPU of a publish (bench/sign.js). It replaces `sign` on this one key
 * object, never on the key class.
 */
export function withCachedSigner (key: PrivateKey): PrivateKey {
  if (key.type !== 'Ed25519') return key
  let keyObject: KeyObject | undefined
  const raw = key.raw
  key.sign = (message, options) => {
    options?.signal?.throwIfAborted()
    keyObject ??= createPrivateKey({
      format: 'jwk',
      key: { kty: 'OKP', crv: 'Ed25519', d: Buffer.from(raw.subarray(0, 32)).toString('base64url'), x: Buffer.from(key.publicKey.raw).toString('base64url') }
    })
    return sign(null, message instanceof Uint8Array ? message : message.subarray(), keyObject)
  }
  return key
}

export interface IdentityOptions {
  /** Sign with the key as @libp2p/crypto made it, not through `withCachedSigner`. @default false */
  stockSigner?: boolean
}

export async function loadOrCreateIdentity (dataDir: string, options: IdentityOptions = {}): Promise<PrivateKey> {
  const signer = (key: PrivateKey): PrivateKey => options.stockSigner === true ? key : withCachedSigner(key)
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const path = join(dataDir, IDENTITY_FILE)
  let bytes: Buffer | undefined
  try {
    bytes = await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new IdentityError(`cannot read ${path}: ${(err as Error).message}`)
    }
  }
  if (bytes != null) {
    try {
      const key = privateKeyFromProtobuf(bytes)
      // tighten permissions left loose by hand-copied files
      await chmod(path, 0o600)
      return signer(key)
    } catch (err) {
      throw new IdentityError(`${path} is not a libp2p private key: ${(err as Error).message}`)
    }
  }
  const key = await generateKeyPair('Ed25519')
  // write then rename so a crash never leaves a truncated key behind
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, privateKeyToProtobuf(key), { mode: 0o600 })
  await rename(tmp, path)
  return signer(key)
}
