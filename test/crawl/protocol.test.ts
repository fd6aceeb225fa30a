import { lpStream } from '@libp2p/utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CRAWL_LINGER_MS, PEERS_PROTOCOL } from '../../src/crawl/constants.js'
import { decodeReport } from '../../src/crawl/report.js'
import type { GossipdNode } from '../../src/index.js'
import { TestNodes, waitFor } from '../helpers/nodes.js'

const linked = (x: GossipdNode, y: GossipdNode): boolean => x.peers.isConnected(y.peerId)

describe('/gossipd/peers/1.0.0 and the crawl over real nodes', () => {
  const nodes = new TestNodes()
  let a: GossipdNode
  let b: GossipdNode
  let c: GossipdNode
  let d: GossipdNode

  beforeAll(async () => {
    // a chain a - b - c - d to start with (the DHT soon links more of them)
    a = await nodes.add({ nick: 'a', minConnections: 1 })
    b = await nodes.addJoining(a, { nick: 'b', minConnections: 1 })
    c = await nodes.addJoining(b, { nick: 'c', minConnections: 1 })
    d = await nodes.addJoining(c, { nick: 'd', minConnections: 1 })
    await waitFor(() => linked(a, b) && linked(b, c) && linked(c, d), 15_000, 'the chain to connect')
    for (const n of [b, c]) n.libp2p.services.pubsub.subscribe('news')
    await waitFor(() => b.libp2p.services.pubsub.getSubscribers('news').length > 0 && c.libp2p.services.pubsub.getSubscribers('news').length > 0, 10_000, 'b and c to see each other subscribe')
    // the mesh is built on gossipsub's heartbeat (1 s)
    await waitFor(async () => (await b.swarm.report()).topics.some(t => t.mesh.includes(c.peerId.toString())), 10_000, 'b and c to mesh')
  })

  afterAll(async () => {
    await nodes.cleanup()
  })

  it('answers this node\'s own report: identity, topics with mesh, connections with addresses', async () => {
    const stream = await a.dialProtocol(b.peerId, PEERS_PROTOCOL)
    const lp = lpStream(stream)
    await lp.write(new TextEncoder().encode('{}'))
    const report = decodeReport((await lp.read()).subarray())
    expect(report).toMatchObject({ peerId: b.peerId.toString(), nick: 'b', agentVersion: expect.stringMatching(/^gossipd\//) })
    expect(report.topics).toEqual([{ topic: 'news', mesh: [c.peerId.toString()] }])
    const toC = report.connections.find(x => x.peerId === c.peerId.toString())
    expect(toC).toBeDefined()
    expect(toC?.addrs.some(addr => addr === c.libp2p.getMultiaddrs()[0].toString().replace(/\/p2p\/.*$/, ''))).toBe(true)
  })

  it('crawls the whole swarm from one node, with hops, mesh links and real links only', async () => {
    // the crawl dials a peer named by one report only when this node knows it otherwise: here, from the DHT
    const knownToA = async (n: GossipdNode): Promise<boolean> => linked(a, n) || ((await a.libp2p.peerStore.get(n.peerId).catch(() => undefined))?.addresses.length ?? 0) > 0
    await waitFor(async () => (await Promise.all([c, d].map(knownToA))).every(Boolean), 15_000, 'a to know c and d from the DHT')
    const g = await a.swarm.crawl()
    expect(g.complete).toBe(true)
    const ids = [a, b, c, d].map(n => n.peerId.toString())
    expect(g.nodes.filter(n => n.reached).map(n => n.id).sort()).toEqual([...ids].sort())
    const byId = Object.fromEntries(g.nodes.map(n => [n.id, n]))
    expect(byId[d.peerId.toString()]).toMatchObject({ nick: 'd', reached: true })
    expect(byId[d.peerId.toString()].depth).toBeGreaterThanOrEqual(1)
    // every link in the graph is a connection one of its ends really has
    for (const e of g.edges) {
      const ends = [e.source, e.target].map(id => nodes.nodes.find(n => n.peerId.toString() === id)!)
      expect(linked(ends[0], ends[1]) || linked(ends[1], ends[0])).toBe(true)
    }
    const edge = (x: GossipdNode, y: GossipdNode) => g.edges.find(e => [e.source, e.target].sort().join() === [x, y].map(n => n.peerId.toString()).sort().join())
    expect(edge(b, c)?.mesh).toEqual(['news'])
    expect(edge(c, d)?.mesh).toEqual([])
    expect(g.topics).toEqual(['news'])
  })

  it('dials a peer it is not connected to, reuses that connection for the next crawl, and both ends let it go afterwards', async () => {
    // a stranger that knows nobody, wants no connections and is in no DHT with a (so neither DHT pings the
    // other as a new contact): whatever connects it to a is the crawl's doing
    const stranger = await nodes.add({ nick: 'stranger', minConnections: 0, dhtProtocol: '/gossipd-test/stranger-kad/1.0.0' })
    const addrs = stranger.libp2p.getMultiaddrs().map(m => m.toString().replace(/\/p2p\/.*$/, ''))
    expect(linked(a, stranger)).toBe(false)
    const report = await a.swarm.ask(stranger.peerId.toString(), addrs, { signal: AbortSignal.timeout(5_000) })
    expect(report).toMatchObject({ peerId: stranger.peerId.toString(), nick: 'stranger' })
    // the connection lingers for a crawl soon after (a dashboard refreshing), then closes
    expect(linked(a, stranger)).toBe(true)
    const again = await a.swarm.ask(stranger.peerId.toString(), addrs, { signal: AbortSignal.timeout(5_000) })
    expect(again.peerId).toBe(stranger.peerId.toString())
    expect(a.libp2p.getConnections(stranger.peerId)).toHaveLength(1)
    await waitFor(() => !linked(a, stranger) && !linked(stranger, a), CRAWL_LINGER_MS + 10_000, 'the crawl connection to close')
    // the stranger was told the connection was transient: its liveness check does not dial back (it would after 1 s)
    await new Promise(resolve => setTimeout(resolve, 2_500))
    expect(linked(a, stranger) || linked(stranger, a)).toBe(false)
  }, CRAWL_LINGER_MS + 30_000)

  it('shares one crawl among callers asking at the same time', async () => {
    const [g1, g2] = await Promise.all([a.swarm.crawl({ depth: 1 }), a.swarm.crawl({ depth: 1 })])
    expect(g1).toBe(g2)
  })

  it('a malformed request closes that stream only; the node answers the next one', async () => {
    const stream = await a.dialProtocol(b.peerId, PEERS_PROTOCOL)
    const lp = lpStream(stream)
    await lp.write(new TextEncoder().encode('not json'))
    await expect(lp.read({ signal: AbortSignal.timeout(5_000) })).rejects.toThrow()
    const g = await a.swarm.crawl({ depth: 1 })
    expect(g.nodes.find(n => n.id === b.peerId.toString())?.reached).toBe(true)
  })

  it('a peer answering garbage is shown unreached with the reason, and the crawl goes on', async () => {
    const liar = await nodes.addJoining(a, { nick: 'liar', minConnections: 1 })
    await waitFor(() => linked(a, liar), 10_000, 'the liar to connect')
    await liar.unhandle(PEERS_PROTOCOL)
    await liar.handle(PEERS_PROTOCOL, async (stream) => {
      const lp = lpStream(stream)
      await lp.read()
      await lp.write(new TextEncoder().encode(JSON.stringify({ peerId: 'x', connections: 'lots' })))
      await stream.close()
    })
    const g = await a.swarm.crawl({ depth: 1 })
    const node = g.nodes.find(n => n.id === liar.peerId.toString())
    expect(node?.reached).toBe(false)
    expect(node?.reason).toMatch(/does not match the schema/)
    expect(g.nodes.find(n => n.id === b.peerId.toString())?.reached).toBe(true)
    expect(a.isStarted && liar.isStarted).toBe(true)
  })
})
