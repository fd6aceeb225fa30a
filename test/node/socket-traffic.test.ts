/**
 * Liveness reads a TCP connection's byte counters from the socket libp2p keeps under it (node/socket-traffic.ts).
 * If a libp2p release moves that socket, liveness falls back to pinging every peer every round: correct, but the
 * idle cost this saves would come back unnoticed. This fails instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pingPeer } from '../../src/node/muxer-ping.js'
import { socketTraffic } from '../../src/node/socket-traffic.js'
import { connect, startNode, stopNode, type TestNode } from '../messaging/helpers.js'

describe('socket traffic of a connection', () => {
  let a: TestNode
  let b: TestNode

  beforeAll(async () => {
    a = await startNode()
    b = await startNode()
    await connect(a, b)
  })

  afterAll(async () => {
    await stopNode(a)
    await stopNode(b)
  })

  it('reads the bytes a TCP connection has read and written, and sees a ping move both', async () => {
    const conn = a.node.libp2p.getConnections(b.node.peerId)[0]
    const before = socketTraffic(conn)
    expect(before).toBeDefined()
    expect(before!.read).toBeGreaterThan(0)
    expect(before!.written).toBeGreaterThan(0)
    await pingPeer({
      getConnections: p => a.node.libp2p.getConnections(p),
      pingProtocol: async () => { throw new Error('the muxer should ping') }
    }, b.node.peerId, { signal: AbortSignal.timeout(5_000) })
    const after = socketTraffic(conn)!
    expect(after.written).toBeGreaterThan(before!.written)
    expect(after.read).toBeGreaterThan(before!.read)
  })
})
