/**
 * `lazyGossipPeers` (`--lazy-gossip-peers`): the non-mesh peers each gossipsub heartbeat sends IHAVE to. At 0 a
 * node sends no IHAVE at all: gossipsub's gossipFactor would otherwise still pick a quarter of the candidates.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { DEFAULT_LAZY_GOSSIP_PEERS } from '../../src/constants.js'
import { ConfigError } from '../../src/errors.js'
import { TestNodes } from '../helpers/nodes.js'

/** The gossipsub internals this test reads: the IHAVE emission of one topic, and the gossip queued per peer. */
interface GossipInternals {
  opts: { Dlazy: number, gossipFactor: number }
  gossip: Map<string, unknown[]>
  doEmitGossip: (topic: string, candidates: Set<string>, messageIds: Uint8Array[]) => void
}

/** Peer ids as gossipsub keys its peers; only their number matters here. */
const CANDIDATES = new Set(Array.from({ length: 12 }, (_, k) => `peer-${k}`))

function queuedGossip (pubsub: GossipInternals): number {
  pubsub.gossip.clear()
  pubsub.doEmitGossip('t', CANDIDATES, [new Uint8Array([1, 2, 3])])
  const peers = pubsub.gossip.size
  pubsub.gossip.clear()
  return peers
}

describe('lazy gossip peers', () => {
  const nodes = new TestNodes()
  afterAll(async () => { await nodes.cleanup() })

  it('is a setting: 3 by default, 0 to 64, from flags and the environment', () => {
    expect(loadConfig().lazyGossipPeers).toBe(DEFAULT_LAZY_GOSSIP_PEERS)
    expect(DEFAULT_LAZY_GOSSIP_PEERS).toBe(3)
    expect(loadConfig({ flags: { lazyGossipPeers: 0 } }).lazyGossipPeers).toBe(0)
    expect(loadConfig({ env: { GOSSIPD_LAZY_GOSSIP_PEERS: '5' } }).lazyGossipPeers).toBe(5)
    expect(() => loadConfig({ flags: { lazyGossipPeers: -1 } })).toThrow(ConfigError)
    expect(() => loadConfig({ flags: { lazyGossipPeers: 65 } })).toThrow(ConfigError)
  })

  it('sends IHAVE to the default 3 of 12 candidates, to as many as set, and to none at 0', async () => {
    const byDefault = (await nodes.add()).libp2p.services.pubsub as unknown as GossipInternals
    const five = (await nodes.add({ lazyGossipPeers: 5 })).libp2p.services.pubsub as unknown as GossipInternals
    const none = (await nodes.add({ lazyGossipPeers: 0 })).libp2p.services.pubsub as unknown as GossipInternals
    expect(byDefault.opts.Dlazy).toBe(3)
    // gossipsub gossips to max(Dlazy, gossipFactor x candidates): 0.25 x 12 is 3
    expect(queuedGossip(byDefault)).toBe(3)
    expect(queuedGossip(five)).toBe(5)
    expect(none.opts).toMatchObject({ Dlazy: 0, gossipFactor: 0 })
    expect(queuedGossip(none)).toBe(0)
  })
})
