/**
 * The discovery loop walks the DHT while the routing table is short of its target, but in a swarm smaller than
 * the target the table never fills: walks that add nobody come further and further apart, and a walk that
 * finds someone new brings the pace back.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Connection, PeerId } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import { DISCOVERY_BACKOFF_BASE_MS, DISCOVERY_FRUITLESS_WALK_MAX_MS, DISCOVERY_SLOW_INTERVAL_MS, DISCOVERY_WALK_INTERVAL_MS } from '../../src/node/constants.js'
import { Discovery, type DiscoveryComponents, type DiscoveryInit } from '../../src/node/discovery.js'
import type { RoutingTableAccess } from '../../src/node/dht.js'
import { silentLogger } from '../../src/logger.js'

async function peer (): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

/** A routing table of `peers`, which a walk may grow by one (`grow`). */
function fakeSwarm (peers: PeerId[], answered = true): { rt: RoutingTableAccess, dht: KadDHT, walks: number[], grow: PeerId[] } {
  const table = [...peers]
  const walks: number[] = []
  const grow: PeerId[] = []
  const rt = {
    get size () { return table.length },
    kb: { root: { prefix: '', depth: 0, get peers () { return table.map(p => ({ peerId: p, lastPing: 0 })) } } },
    add: async () => {},
    remove: async () => {}
  } as unknown as RoutingTableAccess
  const dht = {
    async * getClosestPeers () {
      walks.push(Date.now())
      const next = grow.shift()
      if (next != null) table.push(next)
      // unanswered: every request of the walk failed (kad-dht reports each as a QUERY_ERROR and ends the query)
      if (answered) yield { name: 'PEER_RESPONSE', closer: table.map(id => ({ id, multiaddrs: [] })) }
      else yield { name: 'QUERY_ERROR', error: new Error('timed out') }
    }
  } as unknown as KadDHT
  return { rt, dht, walks, grow }
}

/** A Discovery over `swarm`'s table, connected to nobody and dialing nobody unless `over` says otherwise. */
function discoveryWith (self: PeerId, swarm: ReturnType<typeof fakeSwarm>, over: Partial<DiscoveryComponents>, init: DiscoveryInit): Discovery {
  return new Discovery({
    peerId: self,
    dht: swarm.dht,
    routingTable: () => swarm.rt,
    getConnections: () => [],
    dial: async () => { throw new Error('no dials expected') },
    protocolsOf: async () => [],
    knownDhtPeers: async () => [],
    dhtProtocol: '/test/kad/1.0.0',
    rejoin: () => {},
    log: silentLogger(),
    ...over
  }, init)
}

/** Dials recorded, each answered with a connection. */
function recordDials (dialed: string[]): DiscoveryComponents['dial'] {
  return async p => { dialed.push(p.toString()); return {} as unknown as Connection }
}

function discoveryOver (self: PeerId, others: PeerId[], swarm: ReturnType<typeof fakeSwarm>): Discovery {
  const connections = others.map(remotePeer => ({ remotePeer }) as unknown as Connection)
  return discoveryWith(self, swarm, { getConnections: () => connections }, { minConnections: 0, targetRoutingTable: 20 })
}

describe('Discovery in a swarm smaller than its routing-table target', () => {
  afterEach(() => { vi.useRealTimers() })

  it('walks less and less often while walks add nobody, and at the fast pace again once one does', async () => {
    vi.useFakeTimers()
    const self = await peer()
    const others = await Promise.all(Array.from({ length: 5 }, peer))
    const swarm = fakeSwarm(others)
    const discovery = discoveryOver(self, others, swarm)
    discovery.start()
    const t0 = Date.now()
    await vi.advanceTimersByTimeAsync(1_200_000)
    const quiet = swarm.walks.length
    // at a fixed 3 s, twenty minutes would be 400 walks; backing off 3, 6, 12, ... 192 s, then every 5 minutes: 10-11
    expect(quiet).toBeLessThanOrEqual(12)
    expect(quiet).toBeGreaterThanOrEqual(9)
    const gaps = swarm.walks.slice(1).map((t, i) => t - swarm.walks[i])
    expect(gaps[0]).toBeGreaterThanOrEqual(DISCOVERY_WALK_INTERVAL_MS)
    // the loop itself ticks every DISCOVERY_SLOW_INTERVAL_MS once it wants nothing more
    expect(gaps.at(-1)).toBeLessThanOrEqual(DISCOVERY_FRUITLESS_WALK_MAX_MS + DISCOVERY_SLOW_INTERVAL_MS)
    expect(gaps.at(-1)).toBeGreaterThanOrEqual(DISCOVERY_FRUITLESS_WALK_MAX_MS)
    // a newcomer: the next walk finds it, and the walk after that comes at the fast pace
    swarm.grow.push(await peer())
    await vi.advanceTimersByTimeAsync(DISCOVERY_FRUITLESS_WALK_MAX_MS + DISCOVERY_SLOW_INTERVAL_MS + DISCOVERY_WALK_INTERVAL_MS + 2_000)
    expect(swarm.walks.length).toBeGreaterThanOrEqual(quiet + 2)
    const afterFound = swarm.walks[quiet + 1] - swarm.walks[quiet]
    expect(afterFound).toBeGreaterThanOrEqual(DISCOVERY_WALK_INTERVAL_MS)
    expect(afterFound).toBeLessThanOrEqual(DISCOVERY_WALK_INTERVAL_MS + 1_000)
    expect(Date.now() - t0).toBeGreaterThan(1_200_000)
    discovery.stop()
  })

  it('keeps its pace while walks go unanswered (a loaded machine, not an exhausted swarm)', async () => {
    vi.useFakeTimers()
    const self = await peer()
    const others = await Promise.all(Array.from({ length: 5 }, peer))
    const swarm = fakeSwarm(others, false)
    const discovery = discoveryOver(self, others, swarm)
    discovery.start()
    await vi.advanceTimersByTimeAsync(60_000)
    discovery.stop()
    // every DISCOVERY_WALK_INTERVAL_MS (the loop ticks every second): about 20 in a minute
    expect(swarm.walks.length).toBeGreaterThanOrEqual(60_000 / (DISCOVERY_WALK_INTERVAL_MS + 1_000))
  })
})

describe('Discovery short of connections', () => {
  it('dials peers the node has known when its routing table has no one left to dial (after a partition)', async () => {
    const self = await peer()
    const connectedPeer = await peer()
    const known = await peer()
    const swarm = fakeSwarm([connectedPeer])
    const dialed: string[] = []
    const discovery = discoveryWith(self, swarm, {
      getConnections: () => [{ remotePeer: connectedPeer } as unknown as Connection],
      dial: recordDials(dialed),
      knownDhtPeers: async () => [self, connectedPeer, known]
    }, { minConnections: 3, targetRoutingTable: 1 })
    await discovery.tick()
    discovery.stop()
    // itself and the peer it is connected to are not dialed; the known one is
    expect(dialed).toEqual([known.toString()])
  })

  it('dials its routing table when no peer is connected, whatever its bootstrap list holds (a bootstrap node has none)', async () => {
    const self = await peer()
    const table = await Promise.all(Array.from({ length: 6 }, peer))
    const swarm = fakeSwarm(table)
    const dialed: string[] = []
    let rejoins = 0
    // every peer hung up: no connection at all
    const discovery = discoveryWith(self, swarm, {
      dial: recordDials(dialed),
      // an empty bootstrap list: going back to it dials nobody
      rejoin: () => { rejoins++ }
    }, { minConnections: 4, targetRoutingTable: 6 })
    await discovery.tick()
    discovery.stop()
    expect(rejoins).toBe(1)
    // up to the minimum, from the table; no walk, with no one to ask
    expect(dialed).toHaveLength(4)
    expect(dialed.every(d => table.some(t => t.toString() === d))).toBe(true)
    expect(swarm.walks).toHaveLength(0)
  })

  it('dials at once when a peer leaving leaves it under half its minimum, not at the next slow round', async () => {
    vi.useFakeTimers()
    try {
      const self = await peer()
      const table = await Promise.all(Array.from({ length: 6 }, peer))
      const swarm = fakeSwarm(table)
      let connections = table.slice(0, 4).map(remotePeer => ({ remotePeer }) as unknown as Connection)
      const dialed: string[] = []
      const discovery = discoveryWith(self, swarm, { getConnections: () => connections, dial: recordDials(dialed) }, { minConnections: 4, targetRoutingTable: 6 })
      discovery.peerLeft()
      const t0 = Date.now()
      discovery.start()
      // the first round finds the node content: the next is DISCOVERY_SLOW_INTERVAL_MS away
      await vi.advanceTimersByTimeAsync(2_000)
      expect(dialed).toEqual([])
      // a peer leaving changes nothing while the node keeps half its minimum
      discovery.peerLeft()
      await vi.advanceTimersByTimeAsync(100)
      expect(dialed).toEqual([])
      connections = connections.slice(0, 2)
      discovery.peerLeft()
      await vi.advanceTimersByTimeAsync(100)
      expect(dialed).toEqual([])
      // all but one hang up
      connections = connections.slice(0, 1)
      discovery.peerLeft()
      await vi.advanceTimersByTimeAsync(100)
      expect(dialed).toHaveLength(3)
      expect(Date.now() - t0).toBeLessThan(DISCOVERY_SLOW_INTERVAL_MS)
      discovery.stop()
      discovery.peerLeft()
      await vi.advanceTimersByTimeAsync(DISCOVERY_SLOW_INTERVAL_MS)
      expect(dialed).toHaveLength(3)
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('Discovery backs off peers it failed to dial', () => {
  it('skips a peer whose dial failed until its backoff ends, and dials it again once another peer connects directly', async () => {
    vi.useFakeTimers()
    try {
      const self = await peer()
      const table = await Promise.all(Array.from({ length: 3 }, peer))
      const [unreachable] = table
      const swarm = fakeSwarm(table)
      const dialed: string[] = []
      const discovery = discoveryWith(self, swarm, {
        dial: async p => {
          dialed.push(p.toString())
          if (p.equals(unreachable)) throw new Error('connect EHOSTUNREACH')
          return {} as unknown as Connection
        }
      }, { minConnections: 3, targetRoutingTable: 3 })
      await discovery.tick()
      expect(dialed).toHaveLength(3)
      // the next rounds, within its first backoff, leave it out
      const dialsOf = (p: PeerId): number => dialed.filter(d => d === p.toString()).length
      await vi.advanceTimersByTimeAsync(DISCOVERY_BACKOFF_BASE_MS - 100)
      await discovery.tick()
      expect(dialsOf(unreachable)).toBe(1)
      await vi.advanceTimersByTimeAsync(200)
      await discovery.tick()
      expect(dialsOf(unreachable)).toBe(2)
      // backed off twice as long now; the peer connecting, even through a relay, ends that at once
      await discovery.tick()
      expect(dialsOf(unreachable)).toBe(2)
      discovery.peerJoined(unreachable, false)
      await discovery.tick()
      expect(dialsOf(unreachable)).toBe(3)
      discovery.stop()
    } finally {
      vi.useRealTimers()
    }
  })
})
