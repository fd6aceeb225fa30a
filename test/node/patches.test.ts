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

  it('per node: a node leaves them out with stockLibraries', async () => {
    const { TestNodes } = await import('../helpers/nodes.js')
    const t = new TestNodes({ minConnections: 0 })
    const before = cleanup
    cleanup = async () => { await before(); await t.cleanup() }
    const patched = await t.add()
    const stock = await t.add({ stockLibraries: true })
    // concurrent gossip streams replace one gossipsub instance's own member, never its class's
    expect(Object.hasOwn(patched.libp2p.services.pubsub, 'createOutboundStream')).toBe(true)
    expect(Object.hasOwn(stock.libp2p.services.pubsub, 'createOutboundStream')).toBe(false)
    // a stock node publishes without touching gossipsub's cache of fast ids, and still learns its message's id
    await stock.libp2p.dial(patched.libp2p.getMultiaddrs()[0])
    patched.topics.subscribe('s')
    stock.topics.subscribe('s')
    const { waitFor } = await import('../helpers/nodes.js')
    await waitFor(() => stock.topics.info('s').subscribers > 0, 10_000, 'subscription seen')
    const sent = await stock.topics.publish('s', new TextEncoder().encode('stock'))
    await waitFor(() => patched.topics.history('s', { limit: 10 }).some(m => m.id === sent.id), 10_000, 'message at the patched node')
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
