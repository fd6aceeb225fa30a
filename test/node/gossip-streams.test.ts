/**
 * Gossipsub's outbound streams opened side by side (node/gossip-streams.ts): a peer that does not answer holds
 * back no other peer, requests for one peer still run in order, and a failing request stops nothing.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { Connection, PeerId } from '@libp2p/interface'
import { describe, expect, it } from 'vitest'
import { perPeerConcurrent } from '../../src/node/gossip-streams.js'

const slow = peerIdFromString('12D3KooWDNGDLPgZ2RUQr1UNCGEFtPstHdSVnCNKNgFnx4thP5cc')
const fast = peerIdFromString('12D3KooWNcLpUEzfkUdUFiegFJPA8G9uT55rLc91jjXaUAncU9ny')
const conn = {} as unknown as Connection
const tick = async (): Promise<void> => new Promise(resolve => setImmediate(resolve))

describe('per-peer concurrent outbound streams', () => {
  it('opens a stream to one peer while another peer has not answered, and keeps each peer in order', async () => {
    const log: string[] = []
    let answer: () => void = () => {}
    const create = async (peer: PeerId): Promise<void> => {
      const name = peer.equals(slow) ? 'slow' : 'fast'
      log.push(`start ${name}`)
      if (name === 'slow' && !log.includes('end slow')) await new Promise<void>(resolve => { answer = resolve })
      log.push(`end ${name}`)
    }
    const wrapped = perPeerConcurrent(create, err => { throw err })
    // the caller (gossipsub's queue) is released at once, even for the peer that does not answer
    await wrapped(slow, conn)
    await wrapped(fast, conn)
    await wrapped(slow, conn)
    await tick()
    expect(log).toEqual(['start slow', 'start fast', 'end fast'])
    expect([...wrapped.pending.keys()]).toEqual([slow.toString()])
    answer()
    await tick()
    await tick()
    // the second request for the slow peer ran only after its first had finished
    expect(log).toEqual(['start slow', 'start fast', 'end fast', 'end slow', 'start slow', 'end slow'])
    expect(wrapped.pending.size).toBe(0)
  })

  it('reports a failing request and runs the next one for that peer', async () => {
    const errors: unknown[] = []
    let calls = 0
    const wrapped = perPeerConcurrent(async () => {
      calls++
      if (calls === 1) throw new Error('negotiation failed')
    }, err => { errors.push(err) })
    await wrapped(fast, conn)
    await wrapped(fast, conn)
    for (let i = 0; i < 5; i++) await tick()
    expect(calls).toBe(2)
    expect(errors.map(e => (e as Error).message)).toEqual(['negotiation failed'])
    expect(wrapped.pending.size).toBe(0)
  })
})
