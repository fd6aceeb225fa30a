/**
 * Importing gossipd, and building and connecting nodes with it, changes no dependency's classes: only an
 * explicit `applyDependencyPatches()` does (the CLI's `gossipd start` calls it).
 */
import { YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { LengthPrefixedDecoder } from '@libp2p/utils'
import { afterAll, describe, expect, it } from 'vitest'

const verifyProto = (): { verify: unknown } => Object.getPrototypeOf(publicKeyFromRaw(new Uint8Array(32))) as { verify: unknown }
const before = {
  sendWindowUpdate: YamuxStream.prototype.sendWindowUpdate,
  decode: LengthPrefixedDecoder.prototype.decode,
  verify: verifyProto().verify
}
const CORKED = Symbol.for('gossipd.corkedSocketWrites')

describe('dependency patches', () => {
  let cleanup = async (): Promise<void> => {}
  afterAll(async () => { await cleanup() })

  it('are not applied by importing gossipd and running two connected nodes', async () => {
    // imported only now, after the untouched prototypes were taken
    const { TestNodes } = await import('../helpers/nodes.js')
    const { dependencyPatchesApplied } = await import('../../src/index.js')
    const t = new TestNodes({ minConnections: 0 })
    cleanup = async () => { await t.cleanup() }
    const a = await t.add()
    const b = await t.add()
    const conn = await a.libp2p.dial(b.libp2p.getMultiaddrs()[0])
    a.topics.subscribe('t')
    expect(dependencyPatchesApplied()).toBe(false)
    expect(YamuxStream.prototype.sendWindowUpdate).toBe(before.sendWindowUpdate)
    expect(LengthPrefixedDecoder.prototype.decode).toBe(before.decode)
    expect(verifyProto().verify).toBe(before.verify)
    const maConn = (conn as unknown as { maConn: object }).maConn
    expect((Object.getPrototypeOf(maConn) as Record<symbol, unknown>)[CORKED]).toBeUndefined()
  })

  it('are applied by applyDependencyPatches(), once', async () => {
    const { applyDependencyPatches, dependencyPatchesApplied } = await import('../../src/index.js')
    applyDependencyPatches()
    const patched = YamuxStream.prototype.sendWindowUpdate
    applyDependencyPatches()
    expect(dependencyPatchesApplied()).toBe(true)
    expect(patched).not.toBe(before.sendWindowUpdate)
    expect(YamuxStream.prototype.sendWindowUpdate).toBe(patched)
    expect(LengthPrefixedDecoder.prototype.decode).not.toBe(before.decode)
    expect(verifyProto().verify).not.toBe(before.verify)
  })
})
