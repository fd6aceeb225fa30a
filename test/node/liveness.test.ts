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

  describe('pings only peers whose traffic cannot vouch for them', () => {
    /** Three peers with byte counters the test moves: idle, busy both ways, and one written to without answer. */
    async function harness (refreshMs = 60_000): Promise<{ liveness: Liveness, traffic: Map<string, { read: number, written: number }>, pinged: string[], hungUp: string[], ids: { idle: PeerId, busy: PeerId, silent: PeerId, relayed: PeerId } }> {
      const ids = { idle: await peer(), busy: await peer(), silent: await peer(), relayed: await peer() }
      const traffic = new Map<string, { read: number, written: number }>()
      for (const p of [ids.idle, ids.busy, ids.silent]) traffic.set(p.toString(), { read: 100, written: 100 })
      const pinged: string[] = []
      const hungUp: string[] = []
      const liveness = new Liveness({
        getConnections: () => Object.values(ids).map(p => ({ remotePeer: p }) as unknown as Connection),
        trafficOf: conn => {
          const t = traffic.get(conn.remotePeer.toString())
          return t == null ? undefined : { ...t }
        },
        ping: async (p) => {
          pinged.push(p.toString())
          if (p.equals(ids.silent) && traffic.get(p.toString())!.written > 100) throw new Error('timeout')
          return 4
        },
        hangUp: async (p) => { hungUp.push(p.toString()) },
        forget: async () => {},
        isConnected: () => true,
        eventLoopDelay: () => 5,
        log: pino({ level: 'silent' })
      }, { intervalMs: 1000, refreshMs })
      return { liveness, traffic, pinged, hungUp, ids }
    }

    it('pings every peer once, then only one written to without an answer and a relayed one, and closes the silent one after two misses', async () => {
      const { liveness, traffic, pinged, hungUp, ids } = await harness()
      await liveness.round()
      // the first round has no traffic to compare with: everyone
      expect(pinged.sort()).toEqual(Object.values(ids).map(String).sort())
      expect(liveness.latencyOf(ids.idle)).toBe(4)
      const move = (p: PeerId, read: number, written: number): void => {
        const t = traffic.get(p.toString())!
        t.read += read
        t.written += written
      }
      for (let round = 0; round < 2; round++) {
        pinged.length = 0
        move(ids.busy, 500, 500)
        // the node keeps sending to a peer that has gone quiet: a cut path, or a hung process
        move(ids.silent, 0, 300)
        await liveness.round()
        expect(pinged.sort(), `round ${round + 2}`).toEqual([ids.silent, ids.relayed].map(String).sort())
      }
      expect(hungUp).toEqual([ids.silent.toString()])
    })

    it('pings an idle peer again once its latency is older than the refresh time', async () => {
      const { liveness, pinged, ids } = await harness(50)
      await liveness.round()
      pinged.length = 0
      await liveness.round()
      expect(pinged).not.toContain(ids.idle.toString())
      await new Promise(resolve => setTimeout(resolve, 80))
      await liveness.round()
      expect(pinged).toContain(ids.idle.toString())
    })
  })

  describe('a peer that closed its connection', () => {
    /**
     * A peer that hung up on this node (as one trimming to its connection budget does); `answers` says whether it is
     * still reachable. The probe's ping "dials" it: an outbound connection appears, which the test watches.
     */
    async function disconnected (opts: { answers: boolean, wantsPeers: boolean, streams?: Array<{ protocol?: string }> }): Promise<{ closed: string[], forgotten: string[], pinged: number, conns: Connection[] }> {
      const gone = await peer()
      const conns: Connection[] = []
      const closed: string[] = []
      const forgotten: string[] = []
      let pinged = 0
      const liveness = new Liveness({
        getConnections: () => conns.filter(c => c.status === 'open'),
        ping: async (p) => {
          pinged++
          if (!opts.answers) throw new Error('connection refused')
          const conn = {
            id: `probe-${pinged}`,
            remotePeer: p,
            direction: 'outbound',
            status: 'open',
            timeline: { open: Date.now() },
            // what else opened streams on the connection the probe's dial made (libp2p shares one dial per peer)
            streams: opts.streams ?? [{ protocol: '/ipfs/id/1.0.0' }],
            close: async () => { conn.status = 'closed'; closed.push(conn.id) },
            abort: () => { conn.status = 'closed' }
          }
          conns.push(conn as unknown as Connection)
          return 2
        },
        hangUp: async () => {},
        forget: async (p) => { forgotten.push(p.toString()) },
        isConnected: p => conns.some(c => c.status === 'open' && c.remotePeer.equals(p)),
        wantsPeers: () => opts.wantsPeers,
        eventLoopDelay: () => 5,
        log: pino({ level: 'silent' })
      }, { intervalMs: 10_000 })
      liveness.start()
      try {
        liveness.onDisconnect(gone)
        // the probe waits a second for a deliberate reconnect first
        await new Promise(resolve => setTimeout(resolve, 1300))
      } finally {
        liveness.stop()
      }
      return { closed, forgotten, pinged, conns }
    }

    it('closes the connection that found it still reachable, so a peer the budget trimmed is not redialed and kept', async () => {
      const { closed, forgotten, pinged, conns } = await disconnected({ answers: true, wantsPeers: false })
      expect(pinged).toBe(1)
      expect(closed).toEqual(['probe-1'])
      expect(conns.filter(c => c.status === 'open')).toEqual([])
      expect(forgotten).toEqual([])
    })

    it('keeps that connection when something else opened a stream on it (a direct message sent meanwhile)', async () => {
      for (const streams of [[{ protocol: '/gossipd/dm/1.0.0' }], [{ protocol: '/ipfs/id/1.0.0' }, {}]]) {
        const { closed, pinged } = await disconnected({ answers: true, wantsPeers: false, streams })
        expect(pinged).toBe(1)
        expect(closed).toEqual([])
      }
    })

    it('keeps that connection when the node is short of peers', async () => {
      const { closed, pinged } = await disconnected({ answers: true, wantsPeers: true })
      expect(pinged).toBe(1)
      expect(closed).toEqual([])
    })

    it('drops a peer that cannot be reached from the routing table', async () => {
      const { forgotten, pinged } = await disconnected({ answers: false, wantsPeers: false })
      expect(pinged).toBe(1)
      expect(forgotten).toHaveLength(1)
    })
  })
})
