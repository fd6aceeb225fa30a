/**
 * Measured changes to dependencies, and the one switch that applies those that reach beyond gossipd's own
 * instances. Importing gossipd changes no dependency: `applyDependencyPatches()` changes three classes for the
 * whole process (the CLI's `gossipd start` and the container image call it; a library user may), and the
 * per-instance changes follow the `stockLibraries` setting. docs/ARCHITECTURE.md ("Patches") says why at run
 * time rather than as patch-package diffs; test/node/patch-guards.test.ts fails when a patched package moves.
 */
import { cheapEmptyLengthPrefix } from './length-prefix.js'
import { cacheEd25519Verification } from './verify-cache.js'
import { halveYamuxWindowUpdates } from './yamux-window.js'

export interface DependencyPatch {
  /** The file of src/node/ (or src/messaging/) holding it, which also says what was measured. */
  file: string
  /** The package changed, pinned to an exact version in package.json. */
  package: string
  /** `process`: a class's prototype, by `applyDependencyPatches()`; `instance`: only gossipd's own objects. */
  scope: 'process' | 'instance'
}

export const DEPENDENCY_PATCHES: readonly DependencyPatch[] = [
  { file: 'node/yamux-window.ts', package: '@chainsafe/libp2p-yamux', scope: 'process' },
  { file: 'node/length-prefix.ts', package: '@libp2p/utils', scope: 'process' },
  { file: 'node/verify-cache.ts', package: '@libp2p/crypto', scope: 'process' },
  { file: 'node/socket-writes.ts', package: '@libp2p/tcp', scope: 'process' },
  { file: 'node/noise-crypto.ts', package: '@chainsafe/libp2p-noise', scope: 'instance' },
  { file: 'node/muxer-ping.ts', package: '@libp2p/ping', scope: 'instance' },
  { file: 'node/gossip-streams.ts', package: '@libp2p/gossipsub', scope: 'instance' },
  { file: 'node/identity.ts', package: '@libp2p/crypto', scope: 'instance' },
  { file: 'messaging/pubsub.ts', package: '@libp2p/gossipsub', scope: 'instance' }
]

let applied = false

/**
 * Apply the process-wide patches: Yamux window updates, the length-prefix decoder, cached Ed25519 verification
 * now, and corked TCP socket writes on the first connection of a node built afterwards. Once per process; later
 * calls do nothing. Every libp2p node of the process is affected, gossipd's or not: an application embedding
 * gossipd opts in by calling this.
 */
export function applyDependencyPatches (): void {
  if (applied) return
  halveYamuxWindowUpdates()
  cheapEmptyLengthPrefix()
  cacheEd25519Verification()
  applied = true
}

/** Whether `applyDependencyPatches()` ran in this process. */
export function dependencyPatchesApplied (): boolean {
  return applied
}
