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
import { DISCOVERY_SLOW_INTERVAL_MS, DISCOVERY_WALK_INTERVAL_MS } from '../../src/node/constants.js'
import { Discovery } from '../../src/node/discovery.js'
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

function discoveryOver (self: PeerId, others: PeerId[], swarm: ReturnType<typeof fakeSwarm>): Discovery {
  const connections = others.map(remotePeer => ({ remotePeer }) as unknown as Connection)
  return new Discovery({
    peerId: self,
    dht: swarm.dht,
    routingTable: () => swarm.rt,
    getConnections: () => connections,
    dial: async () => { throw new Error('no dials expected') },
    protocolsOf: async () => [],
    dhtProtocol: '/test/kad/1.0.0',
    rejoin: () => {},
    log: silentLogger()
  }, { minConnections: 0, targetRoutingTable: 20 })
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
    await vi.advanceTimersByTimeAsync(300_000)
    const quiet = swarm.walks.length
    // at a fixed 3 s, five minutes would be 100 walks; backing off 3, 6, 12, 24, then every 30 s: about 14
    expect(quiet).toBeLessThanOrEqual(300_000 / DISCOVERY_SLOW_INTERVAL_MS + 6)
    expect(quiet).toBeGreaterThanOrEqual(300_000 / DISCOVERY_SLOW_INTERVAL_MS)
    const gaps = swarm.walks.slice(1).map((t, i) => t - swarm.walks[i])
    expect(gaps[0]).toBeGreaterThanOrEqual(DISCOVERY_WALK_INTERVAL_MS)
    expect(gaps.at(-1)).toBeLessThanOrEqual(DISCOVERY_SLOW_INTERVAL_MS + 1_000)
    expect(gaps.at(-1)).toBeGreaterThanOrEqual(DISCOVERY_SLOW_INTERVAL_MS)
    // a newcomer: the next walk finds it, and the walk after that comes at the fast pace
    swarm.grow.push(await peer())
    await vi.advanceTimersByTimeAsync(DISCOVERY_SLOW_INTERVAL_MS + DISCOVERY_WALK_INTERVAL_MS + 2_000)
    expect(swarm.walks.length).toBeGreaterThanOrEqual(quiet + 2)
    const afterFound = swarm.walks[quiet + 1] - swarm.walks[quiet]
    expect(afterFound).toBeGreaterThanOrEqual(DISCOVERY_WALK_INTERVAL_MS)
    expect(afterFound).toBeLessThanOrEqual(DISCOVERY_WALK_INTERVAL_MS + 1_000)
    expect(Date.now() - t0).toBeGreaterThan(300_000)
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
