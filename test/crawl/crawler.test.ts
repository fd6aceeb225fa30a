import { describe, expect, it } from 'vitest'
import { crawlSwarm, type CrawlerComponents } from '../../src/crawl/crawler.js'
import type { PeerReport } from '../../src/crawl/report.js'
import { timersOf } from '../helpers/timers.js'

/** A swarm on paper: adjacency lists, optional per-node latency, mesh and behaviour. */
interface FakeNode { links: string[], mesh?: Record<string, string[]>, delayMs?: number, deaf?: boolean, fail?: string, claim?: string }

function report (id: string, node: FakeNode, latency = 2): PeerReport {
  return {
    peerId: node.claim ?? id,
    agentVersion: 'gossipd/test',
    uptimeMs: 1000,
    addrs: [`/ip4/127.0.0.1/tcp/${id.length}`],
    topics: Object.entries(node.mesh ?? {}).map(([topic, mesh]) => ({ topic, mesh })),
    connections: node.links.map(peerId => ({ peerId, addrs: [`/memory/${peerId}`], direction: 'outbound' as const, latencyMs: latency }))
  }
}

function fake (swarm: Record<string, FakeNode>, origin = 'a'): CrawlerComponents & { asked: string[], addrsSeen: Map<string, string[]> } {
  const asked: string[] = []
  const addrsSeen = new Map<string, string[]>()
  return {
    asked,
    addrsSeen,
    self: async () => report(origin, swarm[origin]),
    query: async (peerId, addrs, { signal }) => {
      asked.push(peerId)
      addrsSeen.set(peerId, addrs)
      const node = swarm[peerId]
      if (node == null) throw new Error('no route')
      if (node.delayMs != null) {
        await new Promise((resolve, reject) => {
          const t = setTimeout(resolve, node.delayMs)
          if (node.deaf !== true) signal.addEventListener('abort', () => { clearTimeout(t); reject(signal.reason) }, { once: true })
        })
      }
      if (node.fail != null) throw new Error(node.fail)
      return report(peerId, node, peerId === 'b' ? 4 : 2)
    }
  }
}

/** a - b - c - d - e, and b - d */
const chain: Record<string, FakeNode> = {
  a: { links: ['b'] },
  b: { links: ['a', 'c', 'd'] },
  c: { links: ['b', 'd'] },
  d: { links: ['c', 'b', 'e'] },
  e: { links: ['d'] }
}

const pairs = (edges: Array<{ source: string, target: string }>): string[] => edges.map(e => [e.source, e.target].sort().join('-')).sort()

describe('swarm crawler', () => {
  it('finds every node and each link once, with hop counts', async () => {
    const c = fake(chain)
    const g = await crawlSwarm(c)
    expect(g.origin).toBe('a')
    expect(g.complete).toBe(true)
    expect(g.stoppedBy).toEqual([])
    expect(g.nodes.map(n => n.id).sort()).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(Object.fromEntries(g.nodes.map(n => [n.id, n.depth]))).toEqual({ a: 0, b: 1, c: 2, d: 2, e: 3 })
    expect(pairs(g.edges)).toEqual(['a-b', 'b-c', 'b-d', 'c-d', 'd-e'])
    expect(c.asked.sort()).toEqual(['b', 'c', 'd', 'e'])
    // the addresses a neighbour reported are the ones dialed
    expect(c.addrsSeen.get('e')).toEqual(['/memory/e'])
  })

  it('stops at the depth limit and lists what lies beyond as unreached', async () => {
    const g = await crawlSwarm(fake(chain), { depth: 1 })
    expect(g.complete).toBe(false)
    expect(g.stoppedBy).toEqual(['depth'])
    const byId = Object.fromEntries(g.nodes.map(n => [n.id, n]))
    expect(byId.b.reached).toBe(true)
    expect(byId.c).toMatchObject({ reached: false, reason: 'depth limit', depth: 2 })
    expect(byId.e).toBeUndefined()
    expect(pairs(g.edges)).toEqual(['a-b', 'b-c', 'b-d'])
  })

  it('asks no more than maxPeers nodes, this one included', async () => {
    const c = fake(chain)
    const g = await crawlSwarm(c, { maxPeers: 2 })
    expect(c.asked).toEqual(['b'])
    expect(g.stoppedBy).toEqual(['maxPeers'])
    expect(g.nodes.filter(n => n.reached).map(n => n.id).sort()).toEqual(['a', 'b'])
    expect(g.nodes.find(n => n.id === 'c')?.reason).toBe('peer limit')
  })

  it('returns within its time budget, marking slow nodes unreached', async () => {
    const slow = { ...chain, c: { ...chain.c, delayMs: 5_000 }, d: { ...chain.d, delayMs: 5_000 } }
    const t0 = Date.now()
    const g = await crawlSwarm(fake(slow), { timeoutMs: 300 })
    expect(Date.now() - t0).toBeLessThan(2_000)
    expect(g.stoppedBy).toContain('timeout')
    expect(g.nodes.find(n => n.id === 'c')).toMatchObject({ reached: false, reason: 'time limit' })
    expect(g.nodes.find(n => n.id === 'b')?.reached).toBe(true)
  })

  it('keeps its time budget even when a query does not notice the abort', async () => {
    const deaf = { ...chain, c: { ...chain.c, delayMs: 3_000, deaf: true } }
    const t0 = Date.now()
    const g = await crawlSwarm(fake(deaf), { timeoutMs: 300 })
    expect(Date.now() - t0).toBeLessThan(1_500)
    expect(g.nodes.find(n => n.id === 'c')).toMatchObject({ reached: false, reason: 'time limit' })
    expect(g.stoppedBy).toContain('timeout')
  })

  it('gives up on one slow node after the query timeout and goes on with the rest', async () => {
    const slow = { ...chain, c: { ...chain.c, delayMs: 5_000 } }
    const g = await crawlSwarm(fake(slow), { queryTimeoutMs: 200 })
    expect(g.nodes.find(n => n.id === 'c')?.reached).toBe(false)
    expect(g.nodes.find(n => n.id === 'e')?.reached).toBe(true)
    expect(g.stoppedBy).toEqual([])
    expect(g.complete).toBe(false)
  })

  it('clears its time budget and each query\'s time limit once it answers, not when they would run out', async () => {
    const timers = await timersOf([7_000, 2_000], async () => {
      await crawlSwarm(fake(chain), { timeoutMs: 7_000, queryTimeoutMs: 2_000 })
    })
    // one budget for the crawl, one limit for each of its four queries
    expect(timers).toEqual({ 7000: { set: 1, left: 0 }, 2000: { set: 4, left: 0 } })
  })

  it('keeps failing and lying peers out of the graph\'s facts', async () => {
    const bad = { ...chain, c: { ...chain.c, fail: 'connection refused' }, d: { ...chain.d, claim: 'z' } }
    const g = await crawlSwarm(fake(bad))
    expect(g.nodes.find(n => n.id === 'c')).toMatchObject({ reached: false, reason: 'connection refused' })
    expect(g.nodes.find(n => n.id === 'd')).toMatchObject({ reached: false, reason: 'answered as z' })
    // e is known only from d's answer, which was refused
    expect(g.nodes.find(n => n.id === 'e')).toBeUndefined()
    expect(pairs(g.edges)).toEqual(['a-b', 'b-c', 'b-d'])
  })

  it('takes links of the crawling node from its own report only', async () => {
    // c and d report a link to a that a itself does not have (the crawl's own dial)
    const withDialBack = { ...chain, c: { links: ['b', 'd', 'a'] }, d: { links: ['c', 'b', 'e', 'a'] } }
    const g = await crawlSwarm(fake(withDialBack))
    expect(pairs(g.edges)).toEqual(['a-b', 'b-c', 'b-d', 'c-d', 'd-e'])
    expect(g.nodes.find(n => n.id === 'a')?.degree).toBe(1)
  })

  it('marks mesh links per topic and averages the latency both ends measured', async () => {
    const meshed = {
      ...chain,
      b: { ...chain.b, mesh: { news: ['c'] } },
      d: { ...chain.d, mesh: { news: ['e'], chat: ['c'] } }
    }
    const g = await crawlSwarm(fake(meshed))
    const edge = (x: string, y: string) => g.edges.find(e => [e.source, e.target].sort().join('-') === [x, y].sort().join('-'))
    expect(edge('b', 'c')?.mesh).toEqual(['news'])
    expect(edge('d', 'e')?.mesh).toEqual(['news'])
    expect(edge('c', 'd')?.mesh).toEqual(['chat'])
    expect(edge('a', 'b')?.mesh).toEqual([])
    expect(g.topics).toEqual(['chat', 'news'])
    expect(g.nodes.find(n => n.id === 'd')?.topics.sort()).toEqual(['chat', 'news'])
    // b measured 4 ms, c measured 2 ms; for a-b only a's own figure counts
    expect(edge('b', 'c')?.latencyMs).toBe(3)
    expect(edge('a', 'b')?.latencyMs).toBe(2)
  })

  it('crawls only itself at depth 0', async () => {
    const c = fake(chain)
    const g = await crawlSwarm(c, { depth: 0 })
    expect(c.asked).toEqual([])
    expect(g.nodes.find(n => n.id === 'a')?.reached).toBe(true)
    expect(g.nodes.find(n => n.id === 'b')?.reached).toBe(false)
  })

  it('dials an address only a single report names only when this node knows the peer otherwise, within maxDials', async () => {
    // a knows b (connected); c is named by b alone; d by b and c
    const swarm: Record<string, FakeNode> = {
      a: { links: ['b'] },
      b: { links: ['a', 'c', 'd'] },
      c: { links: ['b', 'd'] },
      d: { links: ['b', 'c'] }
    }
    const connected = new Set(['b'])
    const c = { ...fake(swarm), known: async (id: string) => ({ connected: connected.has(id), addrs: [] }) }
    const g = await crawlSwarm(c)
    expect(g.nodes.find(n => n.id === 'c')).toMatchObject({ reached: false, reason: "no address but one reporter's" })
    expect(c.asked).toEqual(['b'])
    // once this node knows c (its peer store, the DHT), c is asked, and d, named by b and c, then too
    const knownC = { ...fake(swarm), known: async (id: string) => ({ connected: connected.has(id), addrs: id === 'c' ? ['/memory/c'] : [] }) }
    const g2 = await crawlSwarm(knownC)
    expect(g2.nodes.filter(n => n.reached).map(n => n.id).sort()).toEqual(['a', 'b', 'c', 'd'])
    expect(knownC.addrsSeen.get('d')).toEqual(['/memory/d'])
    // a budget of one dial: c is dialed, d is not
    const g3 = await crawlSwarm({ ...fake(swarm), known: knownC.known }, { maxDials: 1 })
    expect(g3.nodes.find(n => n.id === 'd')).toMatchObject({ reached: false, reason: 'dial limit' })
  })
})
