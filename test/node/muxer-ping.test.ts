/**
 * Liveness pings over the connection's muxer (Yamux PING frames): a real round trip between two nodes, the
 * ping protocol as fallback, and a slow answer that the caller stops waiting for without the connection being
 * torn down when it arrives at last; and the byte counters liveness reads from the socket under a connection to
 * decide whom to ping (node/socket-traffic.ts): if a libp2p release moves that socket, liveness falls back to
 * pinging every peer every round, correct but as costly as before, and this fails instead.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Connection, PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { PING_PROTOCOL } from '@libp2p/ping'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pingPeer, pingingMuxerOf } from '../../src/node/muxer-ping.js'
import { socketTraffic } from '../../src/node/socket-traffic.js'
import { connect, startNode, stopNode, type TestNode } from '../messaging/helpers.js'

describe('muxer pings', () => {
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

  it('measures a round trip over the Yamux connection, with no stream opened', async () => {
    const conn = a.node.libp2p.getConnections(b.node.peerId)[0]
    expect(pingingMuxerOf(conn)).toBeDefined()
    // count the streams this ping opens on the connection (other features may open their own meanwhile)
    const opened: string[] = []
    const newStream = conn.newStream.bind(conn)
    conn.newStream = async (protocols, options) => {
      opened.push(String(protocols))
      return newStream(protocols, options)
    }
    let protocolPings = 0
    const rtt = await pingPeer({
      getConnections: p => a.node.libp2p.getConnections(p),
      pingProtocol: async () => { protocolPings++; return -1 }
    }, b.node.peerId, { signal: AbortSignal.timeout(5_000) })
    expect(rtt).toBeGreaterThanOrEqual(0)
    expect(protocolPings).toBe(0)
    expect(opened.filter(p => p.includes('ping'))).toEqual([])
    expect(conn.status).toBe('open')
    conn.newStream = newStream
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

  it('falls back to the ping protocol when no connection has a pinging muxer', async () => {
    const peer: PeerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const rtt = await pingPeer({
      getConnections: () => [{ status: 'open' } as unknown as Connection],
      pingProtocol: async () => 42
    }, peer, { signal: AbortSignal.timeout(1_000) })
    expect(rtt).toBe(42)
  })

  it('dials a peer it has no connection to and pings it over the new connection, not the ping protocol', async () => {
    const c = await startNode()
    try {
      // with the protocol gone, only a muxer ping can be answered
      await c.node.libp2p.unhandle(PING_PROTOCOL)
      await a.node.libp2p.peerStore.merge(c.node.peerId, { multiaddrs: c.node.libp2p.getMultiaddrs() })
      expect(a.node.libp2p.getConnections(c.node.peerId)).toHaveLength(0)
      const rtt = await a.node.libp2p.services.ping.ping(c.node.peerId, { signal: AbortSignal.timeout(5_000) })
      expect(rtt).toBeGreaterThanOrEqual(0)
      expect(a.node.libp2p.getConnections(c.node.peerId)).toHaveLength(1)
      // a ping stream is refused: the answer came over the muxer
      await expect(a.node.libp2p.dialProtocol(c.node.peerId, PING_PROTOCOL, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow()
    } finally {
      await stopNode(c)
    }
  })

  it('stops waiting at the signal and leaves the muxer its pending ping', async () => {
    let answer: ((ms: number) => void) | undefined
    let pings = 0
    const muxer = { ping: async () => { pings++; return new Promise<number>(resolve => { answer = resolve }) } }
    const conn = { status: 'open', muxer } as unknown as Connection
    const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const route = { getConnections: () => [conn], pingProtocol: async () => -1 }
    await expect(pingPeer(route, peer, { signal: AbortSignal.timeout(50) })).rejects.toThrow()
    // the late answer resolves the muxer's own promise, which nobody aborted
    answer?.(900)
    expect(pings).toBe(1)
    await expect(pingPeer(route, peer, { signal: AbortSignal.abort() })).rejects.toThrow()
    expect(pings).toBe(1)
  })

  it('is what the ping service does for a connected peer (kad-dht checks its contacts with it); an address still gets the protocol', async () => {
    const conn = a.node.libp2p.getConnections(b.node.peerId)[0]
    const opened: string[] = []
    const newStream = conn.newStream.bind(conn)
    conn.newStream = async (protocols, options) => {
      opened.push(String(protocols))
      return newStream(protocols, options)
    }
    try {
      const rtt = await a.node.libp2p.services.ping.ping(b.node.peerId, { signal: AbortSignal.timeout(5_000) })
      expect(rtt).toBeGreaterThanOrEqual(0)
      expect(opened.filter(p => p.includes('ping'))).toEqual([])
      // dialing an address is the protocol's job: it opens a ping stream (here on the same connection)
      await a.node.libp2p.services.ping.ping(b.node.libp2p.getMultiaddrs()[0], { signal: AbortSignal.timeout(5_000) })
      expect(opened.filter(p => p.includes('ping'))).toHaveLength(1)
    } finally {
      conn.newStream = newStream
    }
  })
})
