import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Connection, PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { Liveness } from '../../src/node/liveness.js'

async function peer (): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

describe('liveness', () => {
  it('records latency and closes a peer only after it misses two pings in a row', async () => {
    const good = await peer()
    const dead = await peer()
    const hungUp: string[] = []
    const forgotten: string[] = []
    let deadAnswers = true
    const liveness = new Liveness({
      getConnections: () => [good, dead].map(p => ({ remotePeer: p }) as unknown as Connection),
      ping: async (p) => {
        if (p.equals(dead) && !deadAnswers) throw new Error('timeout')
        return p.equals(good) ? 3 : 7
      },
      hangUp: async (p) => { hungUp.push(p.toString()) },
      forget: async (p) => { forgotten.push(p.toString()) },
      isConnected: () => true,
      log: pino({ level: 'silent' })
    }, { intervalMs: 1000 })
    await liveness.round()
    expect(liveness.latencyOf(good)).toBe(3)
    expect(liveness.latencyOf(dead)).toBe(7)
    deadAnswers = false
    await liveness.round()
    expect(hungUp).toEqual([])
    await liveness.round()
    expect(hungUp).toEqual([dead.toString()])
    expect(forgotten).toEqual([dead.toString()])
    // one miss followed by an answer resets the count
    deadAnswers = true
    await liveness.round()
    deadAnswers = false
    await liveness.round()
    deadAnswers = true
    await liveness.round()
    expect(hungUp).toEqual([dead.toString()])
  })

  it('blames no peer when most pings miss at once while its own event loop runs late, and still closes one dead peer among live ones', async () => {
    const peers = await Promise.all(Array.from({ length: 6 }, peer))
    const hungUp: string[] = []
    let answering = new Set(peers.map(String))
    const loopDelayMs = 3_000
    const liveness = new Liveness({
      getConnections: () => peers.map(p => ({ remotePeer: p }) as unknown as Connection),
      ping: async (p) => {
        if (!answering.has(p.toString())) throw new Error('timeout')
        return 5
      },
      hangUp: async (p) => { hungUp.push(p.toString()) },
      forget: async () => {},
      isConnected: () => true,
      eventLoopDelay: () => loopDelayMs,
      log: pino({ level: 'silent' })
    }, { intervalMs: 1000 })
    // 4 of 6 miss, three rounds running, the node's loop seconds late: an overloaded node, not 4 dead peers
    answering = new Set(peers.slice(4).map(String))
    for (let i = 0; i < 3; i++) await liveness.round()
    expect(hungUp).toEqual([])
    // 1 of 6 misses twice: that peer is gone
    answering = new Set(peers.slice(1).map(String))
    await liveness.round()
    await liveness.round()
    expect(hungUp).toEqual([peers[0].toString()])
  })

  it('drops most of its peers at once when they stop answering while its own event loop is on time (a partition)', async () => {
    const peers = await Promise.all(Array.from({ length: 7 }, peer))
    const hungUp: string[] = []
    const cutOff = new Set(peers.slice(0, 4).map(String))
    const liveness = new Liveness({
      getConnections: () => peers.map(p => ({ remotePeer: p }) as unknown as Connection),
      ping: async (p) => {
        if (cutOff.has(p.toString())) throw new Error('timeout')
        return 5
      },
      hangUp: async (p) => { hungUp.push(p.toString()) },
      forget: async () => {},
      isConnected: () => true,
      eventLoopDelay: () => 20,
      log: pino({ level: 'silent' })
    }, { intervalMs: 1000 })
    await liveness.round()
    expect(hungUp).toEqual([])
    await liveness.round()
    expect(hungUp.sort()).toEqual([...cutOff].sort())
  })
})
