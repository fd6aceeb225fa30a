/**
 * libp2p's own record of its dials, read from the peer store's metadata under keys its public API does not
 * export: real libp2p nodes check that the keys are still the ones it writes.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, describe, expect, it } from 'vitest'
import { lastDialFailed } from '../../src/node/dial-history.js'
import { RawPeers } from '../helpers/raw-peer.js'

describe('lastDialFailed', () => {
  const peers = new RawPeers()
  afterAll(async () => { await peers.stopAll() })

  it('is false for a peer never dialed, true after a failed dial, false again once a dial connects', async () => {
    const dialer = await peers.add()
    const target = await peers.add({ listen: ['/ip4/127.0.0.1/tcp/0'] })
    expect(await lastDialFailed(dialer.peerStore, target.peerId)).toBe(false)
    // nothing listens on port 1: the dial fails
    const dead = multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${target.peerId.toString()}`)
    await expect(dialer.dial(dead, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow()
    expect(await lastDialFailed(dialer.peerStore, target.peerId)).toBe(true)
    // libp2p stamps in milliseconds: a success in the same millisecond as the failure would tie
    await new Promise(resolve => setTimeout(resolve, 5))
    await dialer.dial(target.getMultiaddrs()[0], { signal: AbortSignal.timeout(5_000) })
    expect(await lastDialFailed(dialer.peerStore, target.peerId)).toBe(false)
  })

  it('is false for a peer the peer store does not hold', async () => {
    const dialer = await peers.add()
    const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    expect(await lastDialFailed(dialer.peerStore, stranger)).toBe(false)
  })
})
