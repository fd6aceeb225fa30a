/**
 * The core at swarm scale: 30 node processes started by `gossipd swarm`. Node 0 is the bootstrap; every other
 * node is given only the bootstrap's address and must find the rest through the DHT.
 */
import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, readiness, startCliSwarm, type CliSwarm } from '../helpers/swarm.js'

const NODES = 30
const MIN_PEERS = 8
const MIN_ROUTING_TABLE = 15
/** The goal: every node there within 20 s of the swarm being up. It is printed, and tracked by bench/join.js. */
const GOAL_MS = 20_000
/**
 * What this test enforces. On 2 cores a 30-process swarm joining at once measured 18.6-22.5 s (quiet machine),
 * so a 20 s assertion would fail about every other run: timing goals live in benchmarks, convergence here.
 */
const DEADLINE_MS = 60_000

interface Peers { peers: Array<{ id: string }> }
interface RoutingTable { size: number, buckets: Array<{ peers: Array<{ id: string }> }> }

describe(`a ${NODES}-node process swarm`, () => {
  let swarm: CliSwarm

  beforeAll(async () => {
    swarm = await startCliSwarm(NODES)
    console.log(`swarm: ${NODES} processes up in ${swarm.startedInMs} ms`)
  }, 180_000)

  afterAll(async () => {
    await swarm?.stop()
  })

  it(`gives every node >= ${MIN_PEERS} peers and >= ${MIN_ROUTING_TABLE} DHT peers, learned through the DHT`, async () => {
    const started = Date.now()
    let last: Array<{ peers: number, dht: number }> = []
    let sampledAt = 0
    const progress: string[] = []
    while (Date.now() - started < DEADLINE_MS) {
      sampledAt = Date.now() - started
      last = await Promise.all(swarm.nodes.map(async n => {
        const r = await readiness(n.apiUrl)
        return { peers: r.peers, dht: r.routingTable }
      }))
      progress.push(`${(sampledAt / 1000).toFixed(1)} s: ${last.filter(s => s.peers >= MIN_PEERS).length}/${last.filter(s => s.dht >= MIN_ROUTING_TABLE).length}`)
      if (last.every(s => s.peers >= MIN_PEERS && s.dht >= MIN_ROUTING_TABLE)) break
      await new Promise(resolve => setTimeout(resolve, 500))
    }
    console.log(`discovery: nodes at >= ${MIN_PEERS} peers / >= ${MIN_ROUTING_TABLE} DHT peers, by sample: ${progress.join(', ')}`)
    console.log(`discovery: all nodes at >= ${MIN_PEERS} peers and >= ${MIN_ROUTING_TABLE} DHT peers in the sample taken ${sampledAt} ms after the swarm was up (goal ${GOAL_MS} ms: ${sampledAt <= GOAL_MS ? 'met' : 'missed'}); min peers ${Math.min(...last.map(s => s.peers))}, min routing table ${Math.min(...last.map(s => s.dht))}`)
    for (const s of last) {
      expect(s.peers).toBeGreaterThanOrEqual(MIN_PEERS)
      expect(s.dht).toBeGreaterThanOrEqual(MIN_ROUTING_TABLE)
    }
    // nobody was told of any peer but the bootstrap: every other entry came from the DHT
    const bootstrapId = swarm.nodes[0].peerId
    for (const n of swarm.nodes.slice(1)) {
      const rt = await api<RoutingTable>(n.apiUrl, '/dht/routing-table')
      const others = rt.buckets.flatMap(b => b.peers.map(p => p.id)).filter(id => id !== bootstrapId)
      expect(others.length).toBeGreaterThanOrEqual(MIN_ROUTING_TABLE - 1)
    }
    // on loopback no dial-back can test an address: every node stays `unknown`, so a DHT server (node/nat-policy.ts)
    for (const n of swarm.nodes) expect((await api<{ reachability: string }>(n.apiUrl, '/id')).reachability).toBe('unknown')
  }, DEADLINE_MS + 30_000)

  it('finds 20 random peers through network DHT lookups', async () => {
    const times: number[] = []
    for (let i = 0; i < 20; i++) {
      const a = swarm.nodes[1 + Math.floor(Math.random() * (NODES - 1))]
      let b = a
      while (b === a) b = swarm.nodes[1 + Math.floor(Math.random() * (NODES - 1))]
      // leave the pair unconnected, so the answer cannot come from an open connection
      await fetch(`${a.apiUrl}/peers/${b.peerId}`, { method: 'DELETE' })
      const found = await api<{ id: string, multiaddrs: string[], ms: number }>(a.apiUrl, `/dht/peers/${b.peerId}?cache=false`, { method: 'POST' })
      expect(found.id).toBe(b.peerId)
      expect(found.multiaddrs.some(m => m.includes(`/tcp/${b.p2pPort}`))).toBe(true)
      times.push(found.ms)
    }
    times.sort((x, y) => x - y)
    console.log(`findPeer: 20/20 found; p50 ${times[10]} ms, max ${times[19]} ms`)
  }, 120_000)

  it('drops a killed node from every peer table within 30 s, and a restart keeps its PeerID', async () => {
    const victim = swarm.nodes[NODES - 1]
    // on a retry the first attempt's victim is dead already (and its restart stopped)
    try { process.kill(victim.pid!, 'SIGKILL') } catch { /* gone already */ }
    const killedAt = Date.now()
    const alive = swarm.nodes.filter(n => n !== victim)
    let holders = alive.length
    while (Date.now() - killedAt < 30_000) {
      const tables = await Promise.all(alive.map(async n => (await api<Peers>(n.apiUrl, '/peers')).peers.map(p => p.id)))
      holders = tables.filter(t => t.includes(victim.peerId!)).length
      if (holders === 0) break
      await new Promise(resolve => setTimeout(resolve, 250))
    }
    console.log(`liveness: killed node gone from all ${alive.length} peer tables after ${Date.now() - killedAt} ms`)
    expect(holders).toBe(0)

    const restarted = spawn(process.execPath, ['bin/gossipd.js', ...victim.args], { stdio: 'ignore' })
    try {
      let id: string | undefined
      const deadline = Date.now() + 30_000
      while (id == null && Date.now() < deadline) {
        id = await api<{ peerId: string }>(victim.apiUrl, '/id').then(r => r.peerId, () => undefined)
        if (id == null) await new Promise(resolve => setTimeout(resolve, 200))
      }
      expect(id).toBe(victim.peerId)
      // and it is back in the swarm
      const back = Date.now()
      let seen = false
      while (!seen && Date.now() - back < 20_000) {
        seen = (await api<Peers>(swarm.nodes[0].apiUrl, '/peers')).peers.some(p => p.id === victim.peerId)
        if (!seen) await new Promise(resolve => setTimeout(resolve, 250))
      }
      expect(seen).toBe(true)
    } finally {
      const exited = new Promise(resolve => restarted.once('exit', resolve))
      restarted.kill('SIGTERM')
      await exited
    }
  }, 120_000)
})
