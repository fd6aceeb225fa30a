/**
 * The discovery loop's backoff of peers it failed to dial: longer after each failure in a row, capped; ended by a
 * connection from the peer, and for every peer by a direct connection from one that was backed off.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { DialBackoff } from '../../src/node/dial-backoff.js'

const peer = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

function clocked (maxPeers = 100): { backoff: DialBackoff, advance: (ms: number) => void } {
  let now = 1_000_000
  const backoff = new DialBackoff({ baseMs: 2_000, maxMs: 30_000, maxPeers, now: () => now })
  return { backoff, advance: ms => { now += ms } }
}

/** How long after its failure the peer may be dialed again. */
function waitAfterFailure (backoff: DialBackoff, advance: (ms: number) => void, p: PeerId): number {
  backoff.failed(p)
  let waited = 0
  while (!backoff.allows(p)) {
    advance(500)
    waited += 500
  }
  return waited
}

describe('DialBackoff', () => {
  it('waits 2, 4, 8, 16 s after failures in a row, then 30 s at most', async () => {
    const { backoff, advance } = clocked()
    const p = await peer()
    expect(backoff.allows(p)).toBe(true)
    const waits = Array.from({ length: 7 }, () => waitAfterFailure(backoff, advance, p))
    expect(waits).toEqual([2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000])
  })

  it('forgets a peer that connected, over a relay too', async () => {
    const { backoff, advance } = clocked()
    const p = await peer()
    backoff.failed(p)
    backoff.failed(p)
    backoff.connected(p, false)
    expect(backoff.allows(p)).toBe(true)
    // and its next failure starts the count again
    expect(waitAfterFailure(backoff, advance, p)).toBe(2_000)
  })

  it('ends every backoff when a peer that was backed off connects directly (the network changed), not over a relay', async () => {
    const { backoff } = clocked()
    const [a, b, c] = await Promise.all([peer(), peer(), peer()])
    backoff.failed(a)
    backoff.failed(b)
    backoff.failed(c)
    backoff.connected(a, false)
    expect(backoff.allows(b)).toBe(false)
    backoff.connected(b, true)
    expect(backoff.allows(c)).toBe(true)
    expect(backoff.size).toBe(0)
  })

  it('a direct connection from a peer never backed off changes nothing', async () => {
    const { backoff } = clocked()
    const [a, b] = await Promise.all([peer(), peer()])
    backoff.failed(a)
    backoff.connected(b, true)
    expect(backoff.allows(a)).toBe(false)
  })

  it('remembers at most maxPeers, dropping the one that failed longest ago', async () => {
    const { backoff } = clocked(3)
    const peers = await Promise.all(Array.from({ length: 4 }, peer))
    for (const p of peers) backoff.failed(p)
    expect(backoff.size).toBe(3)
    expect(backoff.allows(peers[0])).toBe(true)
    expect(peers.slice(1).every(p => !backoff.allows(p))).toBe(true)
    // a failure again moves a peer to the newest end
    backoff.failed(peers[1])
    backoff.failed(peers[0])
    expect(backoff.allows(peers[2])).toBe(true)
    expect(backoff.allows(peers[1])).toBe(false)
  })
})
