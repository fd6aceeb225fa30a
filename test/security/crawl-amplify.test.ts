/**
 * The crawl as a scanner (issue 20, finding 7): hostile peers answer the peers protocol with 100 made-up peers
 * at addresses of their choosing (here: local TCP servers that count the connections they get). One crawl
 * (what `GET /swarm` runs) must not connect to an address only one reporter names, and however many reporters
 * name them, it takes few peers per report and dials a bounded number.
 */
import { createServer, type Server } from 'node:net'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CRAWL_MAX_DIAL_ADDRS, CRAWL_MAX_DIALS, CRAWL_MAX_NEW_PEERS_PER_REPORT, PEERS_PROTOCOL } from '../../src/crawl/constants.js'
import type { PeerReport } from '../../src/crawl/report.js'
import type { GossipdNode } from '../../src/index.js'
import { TestNodes, waitFor } from '../helpers/nodes.js'
import { RawPeers, type RawPeer } from '../helpers/raw-peer.js'

const FAKE_PEERS = 100
const SINKS = 4

describe('the crawl and hostile reports', () => {
  const nodes = new TestNodes()
  const raws = new RawPeers()
  const sinks: Server[] = []
  let connections = 0
  let sinkAddrs: string[] = []
  let fakeIds: string[] = []
  let target: GossipdNode

  beforeAll(async () => {
    target = await nodes.add({ minConnections: 0 })
    for (let i = 0; i < SINKS; i++) {
      const sink = createServer(socket => { connections++; socket.destroy() })
      await new Promise<void>(resolve => sink.listen(0, '127.0.0.1', resolve))
      sinks.push(sink)
    }
    sinkAddrs = sinks.map(s => `/ip4/127.0.0.1/tcp/${(s.address() as { port: number }).port}`)
    fakeIds = await Promise.all(Array.from({ length: FAKE_PEERS }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))
  })

  afterAll(async () => {
    await raws.stopAll()
    for (const s of sinks) s.close()
    await nodes.cleanup()
  })

  /** A raw peer, connected to the target, that answers the peers protocol with every fake peer at the sinks. */
  async function liar (): Promise<RawPeer> {
    const raw = await raws.add()
    const report = (): PeerReport => ({
      peerId: raw.peerId.toString(),
      agentVersion: 'gossipd/0.1.0',
      uptimeMs: 1_000,
      addrs: [],
      topics: [],
      connections: fakeIds.map(peerId => ({ peerId, addrs: sinkAddrs, direction: 'outbound' as const, latencyMs: 1 }))
    })
    await raw.handle(PEERS_PROTOCOL, async stream => {
      const lp = lpStream(stream)
      await lp.read()
      await lp.write(new TextEncoder().encode(JSON.stringify(report())))
      await stream.close()
    })
    await raw.dial(target.libp2p.getMultiaddrs()[0])
    await waitFor(() => target.peers.isConnected(raw.peerId), 10_000, 'liar connected')
    return raw
  }

  it('dials no address that a single peer reports', async () => {
    await liar()
    connections = 0
    const g = await target.swarm.crawl({ timeoutMs: 8_000 })
    expect(connections).toBe(0)
    // the liar's peers are in the graph, unreached, and no more of them than one report may add
    const fake = g.nodes.filter(n => fakeIds.includes(n.id))
    expect(fake.length).toBeGreaterThan(0)
    expect(fake.length).toBeLessThanOrEqual(CRAWL_MAX_NEW_PEERS_PER_REPORT)
    expect(fake.every(n => !n.reached)).toBe(true)
  }, 60_000)

  it('dials a bounded number of peers and addresses when several peers vouch for them', async () => {
    await liar()
    connections = 0
    const g = await target.swarm.crawl({ timeoutMs: 15_000 })
    const fake = g.nodes.filter(n => fakeIds.includes(n.id))
    expect(fake.length).toBeLessThanOrEqual(2 * CRAWL_MAX_NEW_PEERS_PER_REPORT)
    // vouched for twice, they are dialed: within the crawl's budget
    expect(connections).toBeGreaterThan(0)
    expect(connections).toBeLessThanOrEqual(CRAWL_MAX_DIALS * CRAWL_MAX_DIAL_ADDRS)
  }, 60_000)
})
