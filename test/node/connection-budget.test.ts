/**
 * The connection budget closes the least valuable idle connections of a node holding more peers than its budget
 * plus slack, down to the budget: never a gossip mesh peer, a young connection or one carrying a feature's stream,
 * and DHT-close peers only after every peer worth less.
 */
import { describe, expect, it } from 'vitest'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Connection, PeerId } from '@libp2p/interface'
import { ConnectionBudget, connectionBudgetOf } from '../../src/node/connection-budget.js'
import { silentLogger } from '../../src/logger.js'

const NOW = 1_000_000
const OLD = NOW - 60_000
const GOSSIP = '/meshsub/1.1.0'

interface FakePeer { id: PeerId, value: number, openedAt: number, streams: string[], keepAlive: boolean, closed: boolean }

async function fakePeer (value: number, opts: { openedAt?: number, streams?: string[], keepAlive?: boolean } = {}): Promise<FakePeer> {
  return { id: peerIdFromPrivateKey(await generateKeyPair('Ed25519')), value, openedAt: opts.openedAt ?? OLD, streams: opts.streams ?? [GOSSIP], keepAlive: opts.keepAlive ?? false, closed: false }
}

function budgetOver (peers: FakePeer[], budget: number, slack = 2): { budget: ConnectionBudget, expected: PeerId[] } {
  const expected: PeerId[] = []
  const connectionOf = (p: FakePeer): Connection => ({
    remotePeer: p.id,
    get status () { return p.closed ? 'closed' : 'open' },
    timeline: { open: p.openedAt },
    streams: p.streams.map(protocol => ({ protocol })),
    close: async () => { p.closed = true },
    abort: () => { p.closed = true }
  }) as unknown as Connection
  return {
    expected,
    budget: new ConnectionBudget({
      getConnections: () => peers.filter(p => !p.closed).map(connectionOf),
      tagValue: async peer => peers.find(p => p.id.equals(peer))?.value ?? 0,
      keptAlive: async peer => peers.find(p => p.id.equals(peer))?.keepAlive ?? false,
      expectDisconnect: peer => { expected.push(peer) },
      log: silentLogger()
    }, { budget, slack, graceMs: 30_000, idleProtocols: [GOSSIP, '/ipfs/id/1.0.0'] })
  }
}

describe('ConnectionBudget', () => {
  it('leaves a node within budget plus slack alone', async () => {
    const peers = await Promise.all(Array.from({ length: 6 }, async () => fakePeer(0)))
    const { budget } = budgetOver(peers, 4, 2)
    expect(await budget.trim(NOW)).toBe(0)
    expect(peers.filter(p => p.closed)).toHaveLength(0)
  })

  it('trims to the budget, least valuable first, and tells liveness before closing', async () => {
    const mesh = await Promise.all(Array.from({ length: 3 }, async () => fakePeer(101)))
    const close = await Promise.all(Array.from({ length: 3 }, async () => fakePeer(51)))
    const plain = await Promise.all(Array.from({ length: 4 }, async () => fakePeer(1)))
    const peers = [...plain, ...close, ...mesh]
    const { budget, expected } = budgetOver(peers, 5, 2)
    expect(await budget.trim(NOW)).toBe(5)
    // the 4 plain peers first, then one DHT-close peer; the mesh stays
    expect(plain.every(p => p.closed)).toBe(true)
    expect(close.filter(p => p.closed)).toHaveLength(1)
    expect(mesh.some(p => p.closed)).toBe(false)
    expect(expected.map(String).sort()).toEqual(peers.filter(p => p.closed).map(p => p.id.toString()).sort())
  })

  it('never closes a mesh peer, a kept-alive peer, a young connection or one with a feature stream open, even short of the budget', async () => {
    const mesh = await Promise.all(Array.from({ length: 4 }, async () => fakePeer(100)))
    const young = await fakePeer(0, { openedAt: NOW - 5_000 })
    const busy = await fakePeer(0, { streams: [GOSSIP, '/gossipd/files/1.0.0'] })
    const relay = await fakePeer(0, { keepAlive: true })
    const idle = await fakePeer(0, { streams: [GOSSIP, '/ipfs/id/1.0.0'] })
    const peers = [...mesh, young, busy, relay, idle]
    const { budget } = budgetOver(peers, 2, 1)
    expect(await budget.trim(NOW)).toBe(1)
    expect(idle.closed).toBe(true)
    expect([young, busy, relay, ...mesh].some(p => p.closed)).toBe(false)
  })

  it('trims a connection once its grace period is over', async () => {
    const peers = await Promise.all(Array.from({ length: 5 }, async () => fakePeer(0, { openedAt: NOW - 10_000 })))
    const { budget } = budgetOver(peers, 2, 1)
    expect(await budget.trim(NOW)).toBe(0)
    expect(await budget.trim(NOW + 25_000)).toBe(3)
  })
})

describe('connectionBudgetOf', () => {
  it('is off at 0, and never under the connections discovery dials', () => {
    expect(connectionBudgetOf({ connectionBudget: 0, minConnections: 8 })).toBeUndefined()
    expect(connectionBudgetOf({ connectionBudget: 14, minConnections: 8 })).toBe(14)
    expect(connectionBudgetOf({ connectionBudget: 5, minConnections: 8 })).toBe(8)
  })
})
