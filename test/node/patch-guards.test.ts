/**
 * One guard per dependency patch (src/node/patches.ts): the patched package is pinned to the exact version
 * installed, and the file holding the code the patch replaces or reads is the one the patch was measured on.
 * A version bump fails here, loudly, until someone re-reads that code, re-measures the patch and updates the
 * fingerprint (docs/ARCHITECTURE.md, "Patches").
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEPENDENCY_PATCHES } from '../../src/node/patches.js'

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> }

/** Patch file -> the dependency files it was written against, with the first 16 hex digits of their SHA-256. */
const GUARDS: Record<string, Record<string, string>> = {
  'node/yamux-window.ts': { '@chainsafe/libp2p-yamux/dist/src/stream.js': '5ce7844421c97c41' },
  'node/length-prefix.ts': { '@libp2p/utils/dist/src/length-prefixed-decoder.js': '48686cfe07486e0f' },
  'node/verify-cache.ts': { '@libp2p/crypto/dist/src/keys/ed25519/ed25519.js': 'dfc67f03453d640e' },
  'node/socket-writes.ts': { '@libp2p/tcp/dist/src/socket-to-conn.js': '59243626b85bf79c', 'libp2p/dist/src/connection.js': 'c372d958d88994c1' },
  'node/noise-crypto.ts': { '@chainsafe/libp2p-noise/dist/src/crypto/index.js': '1b6ec7a590377a98' },
  'node/muxer-ping.ts': {
    '@libp2p/ping/dist/src/ping.js': '1b96e3f935568540',
    '@chainsafe/libp2p-yamux/dist/src/muxer.js': 'e39a79f5c29620bf',
    'libp2p/dist/src/connection.js': 'c372d958d88994c1'
  },
  'node/gossip-streams.ts': { '@libp2p/gossipsub/dist/src/gossipsub.js': 'ea167eec5db0aa24' },
  'node/identity.ts': { '@libp2p/crypto/dist/src/keys/ed25519/index.js': 'b422dbb01d982b36' },
  'messaging/pubsub.ts': { '@libp2p/gossipsub/dist/src/gossipsub.js': 'ea167eec5db0aa24' }
}

const fingerprint = (file: string): string => createHash('sha256').update(readFileSync(join('node_modules', file))).digest('hex').slice(0, 16)
const installed = (name: string): string => (JSON.parse(readFileSync(join('node_modules', name, 'package.json'), 'utf8')) as { version: string }).version

describe('dependency patch guards', () => {
  it('has a guard for every patch', () => {
    expect(Object.keys(GUARDS).sort()).toEqual(DEPENDENCY_PATCHES.map(p => p.file).sort())
  })

  it.each(DEPENDENCY_PATCHES.map(p => [p.file, p.package]))('%s: %s is pinned and its patched code is unchanged', (file, name) => {
    const version = installed(name)
    expect(pkg.dependencies[name], `${name} must be pinned to an exact version in package.json`).toBe(version)
    for (const [dep, expected] of Object.entries(GUARDS[file])) {
      const depName = dep.startsWith('@') ? dep.split('/').slice(0, 2).join('/') : dep.split('/')[0]
      expect(pkg.dependencies[depName], `${depName} must be pinned too`).toBe(installed(depName))
      expect(fingerprint(dep), `${dep} changed: re-read what src/${file} patches, re-measure it, then update this fingerprint`).toBe(expected)
    }
  })
})
