/**
 * The node's identity: an Ed25519 key in `<dataDir>/identity.key` (libp2p protobuf encoding, mode 0600).
 * A restart with the same directory keeps the same PeerID.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { IDENTITY_FILE } from '../constants.js'
import { IdentityError } from '../errors.js'

export async function loadOrCreateIdentity (dataDir: string): Promise<PrivateKey> {
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
      return key
    } catch (err) {
      throw new IdentityError(`${path} is not a libp2p private key: ${(err as Error).message}`)
    }
  }
  const key = await generateKeyPair('Ed25519')
  // write then rename so a crash never leaves a truncated key behind
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, privateKeyToProtobuf(key), { mode: 0o600 })
  await rename(tmp, path)
  return key
}
