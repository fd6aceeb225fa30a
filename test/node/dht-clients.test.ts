/**
 * A peer that stops serving the DHT (it found itself behind a NAT and turned client) leaves the routing table of
 * the nodes identify tells, so their lookups stop dialing it.
 */
import type { Peer, PeerUpdate } from '@libp2p/interface'
import { afterAll, describe, expect, it } from 'vitest'
import { dropDhtClients } from '../../src/node/dht-clients.js'
import { TestNodes, waitFor } from '../helpers/nodes.js'
import { newPeerId } from '../helpers/unreachable-direct.js'

const KAD = '/test/kad/1.0.0'

describe('dropDhtClients', () => {
  it('removes a peer whose protocols lose the DHT\'s, and no other, until stopped', async () => {
    const events = new EventTarget()
    const removed: string[] = []
    const stop = dropDhtClients({
      libp2p: { addEventListener: events.addEventListener.bind(events), removeEventListener: events.removeEventListener.bind(events) } as never,
      dhtProtocol: KAD,
      removeFromRoutingTable: async p => { removed.push(p.toString()) }
    })
    const [a, b, c, d] = await Promise.all([newPeerId(), newPeerId(), newPeerId(), newPeerId()])
    const update = (id: typeof a, protocols: string[], before?: string[]): void => {
      const detail = { peer: { id, protocols } as unknown as Peer, previous: before == null ? undefined : { id, protocols: before } as unknown as Peer }
      events.dispatchEvent(new CustomEvent<PeerUpdate>('peer:update', { detail }))
    }
    update(a, ['/other/1'], [KAD, '/other/1'])
    update(b, [KAD], ['/other/1'])
    update(c, ['/other/1'])
    update(d, [KAD], [KAD])
    expect(removed).toEqual([a.toString()])
    stop()
    update(b, [], [KAD])
    expect(removed).toHaveLength(1)
  })
})

describe('a node turning DHT client', () => {
  const nodes = new TestNodes()
  afterAll(async () => { await nodes.cleanup() })

  it('leaves the routing table of a connected peer once identify says so', async () => {
    const a = await nodes.add()
    const b = await nodes.addJoining(a)
    const inTableOfA = (): boolean => a.dht.routingTable().buckets.some(bucket => bucket.peers.some(p => p.id === b.peerId.toString()))
    await waitFor(inTableOfA, 20_000, 'b in the routing table of a')
    await b.host.libp2p.services.dht.setMode('client')
    await waitFor(() => !inTableOfA(), 10_000, 'b gone from the routing table of a')
    expect(a.host.libp2p.getConnections(b.peerId).length).toBeGreaterThan(0)
  })
})
