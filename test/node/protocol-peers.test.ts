/**
 * ProtocolPeers answers from identify (and later peer store updates) for connected peers only, and forgets a
 * peer when it disconnects.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Libp2pEvents, TypedEventTarget } from '@libp2p/interface'
import { TypedEventEmitter } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { ProtocolPeers } from '../../src/node/protocol-peers.js'

describe('ProtocolPeers', () => {
  it('knows what an identified peer serves until it disconnects; ignores updates of peers never identified', async () => {
    const events = new TypedEventEmitter<Libp2pEvents>() as TypedEventTarget<Libp2pEvents>
    const table = new ProtocolPeers(events)
    table.start()
    const a = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const b = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const identify = (peerId: typeof a, protocols: string[]): void => {
      events.dispatchEvent(new CustomEvent('peer:identify', { detail: { peerId, protocols, listenAddrs: [], connection: undefined as never } }))
    }
    const update = (id: typeof a, protocols: string[]): void => {
      events.dispatchEvent(new CustomEvent('peer:update', { detail: { peer: { id, protocols, addresses: [], metadata: new Map(), tags: new Map() } } }))
    }
    identify(a, ['/meshsub/1.1.0'])
    expect(table.speaks(a, '/gossipd/history/1.0.0')).toBe(false)
    update(a, ['/meshsub/1.1.0', '/gossipd/history/1.0.0'])
    expect(table.speaks(a, '/gossipd/history/1.0.0')).toBe(true)
    update(b, ['/gossipd/history/1.0.0'])
    expect(table.speaks(b, '/gossipd/history/1.0.0')).toBe(false)
    events.dispatchEvent(new CustomEvent('peer:disconnect', { detail: a }))
    expect(table.speaks(a, '/gossipd/history/1.0.0')).toBe(false)
    table.stop()
    identify(b, ['/gossipd/history/1.0.0'])
    expect(table.speaks(b, '/gossipd/history/1.0.0')).toBe(false)
  })
})
