/**
 * Corked socket writes (a performance fix): a Noise frame reaches the kernel as one write, its 2-byte length
 * never on its own, and traffic flows as before.
 */
import { Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { corkSends } from '../../src/node/socket-writes.js'
import { applyDependencyPatches } from '../../src/node/patches.js'
import { TestNodes, waitFor } from '../helpers/nodes.js'
import type { GossipdNode } from '../../src/index.js'

// the patch under test is process-wide, applied as `gossipd start` applies it
applyDependencyPatches()

describe('socket writes between two nodes', () => {
  const t = new TestNodes()
  let a: GossipdNode
  let b: GossipdNode

  beforeAll(async () => {
    a = await t.add({ minConnections: 0 })
    b = await t.add({ minConnections: 0 })
    await a.start()
    await b.start()
  })

  afterAll(async () => {
    vi.restoreAllMocks()
    await t.cleanup()
  })

  it('sends each frame in one write: no lone 2-byte length prefix reaches a socket', async () => {
    // the patch goes on with the node's first connection, after that connection's handshake
    await a.libp2p.dial(b.libp2p.getMultiaddrs()[0])
    await waitFor(() => a.libp2p.getConnections(b.libp2p.peerId).length > 0, 10_000, 'connection')
    const single = vi.spyOn(Socket.prototype as unknown as { _write: (...args: unknown[]) => unknown }, '_write')
    const batched = vi.spyOn(Socket.prototype as unknown as { _writev: (...args: unknown[]) => unknown }, '_writev')
    for (let i = 0; i < 20; i++) await a.libp2p.services.ping.ping(b.libp2p.peerId)
    const lonePrefixes = single.mock.calls.filter(([chunk]) => (chunk as Uint8Array).byteLength === 2).length
    const vectors = batched.mock.calls.length
    single.mockRestore()
    batched.mockRestore()
    expect(vectors, 'frames went out as one vector write each').toBeGreaterThanOrEqual(20)
    expect(lonePrefixes).toBe(0)
  })

  it('leaves alone what does not write to a Node socket', () => {
    expect(corkSends(undefined)).toBe(false)
    expect(corkSends({ sendData: () => {} })).toBe(false)
    expect(corkSends({ socket: {}, sendData: () => {} })).toBe(false)
  })
})
