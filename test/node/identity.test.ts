import { mkdtemp, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { IdentityError } from '../../src/errors.js'
import { loadOrCreateIdentity } from '../../src/node/identity.js'

describe('identity', () => {
  it('creates an Ed25519 key with mode 0600 and loads the same key again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gossipd-id-'))
    const first = await loadOrCreateIdentity(dir)
    expect(first.type).toBe('Ed25519')
    const mode = (await stat(join(dir, 'identity.key'))).mode & 0o777
    expect(mode).toBe(0o600)
    const second = await loadOrCreateIdentity(dir)
    expect(peerIdFromPrivateKey(second).toString()).toBe(peerIdFromPrivateKey(first).toString())
  })

  it('refuses a key file that is not a key, rather than replacing it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gossipd-id-'))
    await writeFile(join(dir, 'identity.key'), 'not a key')
    await expect(loadOrCreateIdentity(dir)).rejects.toBeInstanceOf(IdentityError)
  })

  it('tightens the permissions of a key file left readable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gossipd-id-'))
    await loadOrCreateIdentity(dir)
    const { chmod } = await import('node:fs/promises')
    await chmod(join(dir, 'identity.key'), 0o644)
    await loadOrCreateIdentity(dir)
    expect((await stat(join(dir, 'identity.key'))).mode & 0o777).toBe(0o600)
  })
})
