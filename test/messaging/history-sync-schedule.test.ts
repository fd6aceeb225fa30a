/**
 * When catch-ups start: a joining node does not wait for a peer that is slow to answer, it asks another one; a
 * settled node asks one peer at a time. The peers here are stand-ins that never answer (or refuse), so what is
 * checked is whom the node asks, tick by tick.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { GossipSub } from '@libp2p/gossipsub'
import type { PeerId, Stream } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterEach, describe, expect, it } from 'vitest'
import { GOSSIPSUB_DLO } from '../../src/node/constants.js'
import {
  HISTORY_JOINING_PARALLEL, HISTORY_PROTOCOL, HISTORY_SETTLE_MS, HISTORY_SYNC_FAST_INTERVAL_MS
} from '../../src/messaging/constants.js'
import { silentLogger } from '../../src/logger.js'
import { HistorySync } from '../../src/messaging/history-sync.js'
import type { MessageLog } from '../../src/messaging/history.js'
import { createMetrics } from '../../src/node/metrics.js'

const TOPIC = 'log'

interface Harness {
  sync: HistorySync
  /** Peers asked, in order. */
  asked: string[]
  /** Let every pending stream request fail now. */
  releaseAll(): void
}

async function harness (opts: { peers: number, mesh: number, speakers?: number }): Promise<Harness & { peers: PeerId[] }> {
  const peers = await Promise.all(Array.from({ length: opts.peers }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
  const asked: string[] = []
  const pending: Array<() => void> = []
  const pubsub = {
    getTopics: () => [TOPIC],
    getSubscribers: () => peers,
    getMeshPeers: () => peers.slice(0, opts.mesh).map(p => p.toString())
  } as unknown as GossipSub
  const history = { stats: () => ({}) } as unknown as MessageLog
  const sync = new HistorySync({
    pubsub,
    history,
    ingest: async () => false,
    log: silentLogger(),
    metrics: createMetrics({ connections: () => 0, routingTableSize: () => 0, uptimeSeconds: () => 0 }),
    handle: async () => {},
    unhandle: async () => {},
    // a peer that never answers until released: the request stays open, as with a peer busy starting up
    newStream: async (peer: PeerId): Promise<Stream> => {
      asked.push(peer.toString())
      return new Promise((_resolve, reject) => { pending.push(() => { reject(new Error('released')) }) })
    },
    // the first `speakers` peers serve the history protocol (all, unless said); the others are, say, go peers
    speaks: (peer, protocol) => protocol === HISTORY_PROTOCOL && peers.slice(0, opts.speakers ?? peers.length).some(p => p.equals(peer))
  }, { maxMessageSize: 1024 })
  return { sync, asked, peers, releaseAll: () => { pending.splice(0).forEach(f => { f() }) } }
}

describe('history catch-up schedule', () => {
  let release: (() => void) | undefined
  afterEach(() => { release?.() })

  it(`a joining node asks up to ${HISTORY_JOINING_PARALLEL} peers at once, each a different one, when the first is slow`, async () => {
    const h = await harness({ peers: 5, mesh: 0 })
    release = h.releaseAll
    const t0 = 1_000_000
    h.sync.tick(t0)
    expect(h.asked).toHaveLength(1)
    h.sync.tick(t0 + 1_000)
    h.sync.tick(t0 + 2_000)
    h.sync.tick(t0 + 3_000)
    // still waiting for both: no third
    expect(h.asked).toHaveLength(HISTORY_JOINING_PARALLEL)
    expect(new Set(h.asked).size).toBe(h.asked.length)
  })

  it('a settled node with a whole mesh waits for the one peer it asked', async () => {
    const h = await harness({ peers: 8, mesh: GOSSIPSUB_DLO + 1 })
    release = h.releaseAll
    const t0 = 1_000_000
    h.sync.tick(t0)
    expect(h.asked).toHaveLength(1)
    // past the joining phase and long past the fast interval: the one request still open holds the next back
    h.sync.tick(t0 + HISTORY_SETTLE_MS + 1_000)
    h.sync.tick(t0 + HISTORY_SETTLE_MS + 1_000 + 10 * HISTORY_SYNC_FAST_INTERVAL_MS)
    expect(h.asked).toHaveLength(1)
  })

  it('asks only subscribers that serve the history protocol, never a foreign peer that shares the topic', async () => {
    const h = await harness({ peers: 6, mesh: 0, speakers: 1 })
    release = h.releaseAll
    const t0 = 1_000_000
    for (let i = 0; i < 5; i++) {
      h.sync.tick(t0 + i * 1_000)
      h.releaseAll()
      await new Promise(resolve => setTimeout(resolve, 0))
    }
    expect(h.asked.length).toBeGreaterThan(0)
    expect(new Set(h.asked)).toEqual(new Set([h.peers[0].toString()]))
  })

  it('asks nobody when no subscriber serves the history protocol', async () => {
    const h = await harness({ peers: 4, mesh: 0, speakers: 0 })
    release = h.releaseAll
    h.sync.tick(1_000_000)
    h.sync.tick(1_002_000)
    expect(h.asked).toEqual([])
  })
})
