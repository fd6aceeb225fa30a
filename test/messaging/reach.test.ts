/**
 * How a sender reaches a peer it has no connection to: the addresses its peer store holds, then a DHT lookup. One
 * peer's answer may hold stale addresses (a relay the peer has left) where another answer in the same lookup is
 * fresh: every answer's untried addresses are dialed in turn until one connects.
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import type { DirectComponents } from '../../src/messaging/direct.js'
import { DirectTestBed, newPeerId } from '../helpers/unreachable-direct.js'

const STALE = '/ip4/10.0.0.1/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN/p2p-circuit'
const FRESH = '/ip4/10.0.0.2/tcp/4001/p2p/12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK/p2p-circuit'

describe('reaching a peer through the DHT', () => {
  const bed = new DirectTestBed()

  afterEach(async () => { await bed.stop() })

  /** A sender whose lookups answer `answers` in order, and whose dials connect only at `FRESH`. */
  async function sender (answers: string[][], over: Partial<DirectComponents> = {}): Promise<{ dials: string[][], to: string, send: () => Promise<{ status: string, error?: string }> }> {
    const dials: string[][] = []
    let connected = false
    const direct = await bed.open('gossipd-reach-', {}, {
      isConnected: () => connected,
      peerAnswers: async function * () { for (const multiaddrs of answers) yield { multiaddrs } },
      dial: async (addrs: Multiaddr[]) => {
        dials.push(addrs.map(String))
        // as libp2p's dialer fails: one error per address, gathered
        if (!addrs.some(a => a.toString().startsWith(`${FRESH}/p2p/`))) throw new AggregateError([new Error('connect EHOSTUNREACH 10.0.0.1:4001')], 'All multiaddr dials failed')
        connected = true
      },
      // connected or not, the message stream itself is refused here: the error says how far the attempt got
      dialProtocol: async () => { throw new Error(connected ? 'reached' : 'not reached') },
      ...over
    })
    await direct.start()
    const to = (await newPeerId()).toString()
    return { dials, to, send: async () => direct.send(to, new Uint8Array(8)) }
  }

  it('dials a later answer when the first one names only stale addresses, and each address once', async () => {
    const { dials, to, send } = await sender([[STALE], [STALE], [STALE, FRESH]])
    const result = await send()
    expect(result.error).toBe('reached')
    expect(dials).toEqual([[`${STALE}/p2p/${to}`], [`${FRESH}/p2p/${to}`]])
  })

  it('fails the attempt with both dials\' reasons when every answer is stale', async () => {
    const { dials, to, send } = await sender([[STALE], [STALE]])
    const result = await send()
    expect(result.status).toBe('queued')
    expect(result.error).toMatch(/^could not connect to \S+: known addresses: unreachable; DHT answers: All multiaddr dials failed: connect EHOSTUNREACH 10\.0\.0\.1:4001$/)
    expect(dials).toEqual([[`${STALE}/p2p/${to}`]])
  })

  // an answer's relayed address names only its relay, and a direct one no peer: libp2p refused such a list
  // ("Multiaddrs must all have the same peer id"), or would have dialed the relay itself
  it("dials every address of an answer as the peer's own, and none that names another peer", async () => {
    const other = (await newPeerId()).toString()
    const { dials, to, send } = await sender([['/ip4/192.168.1.5/tcp/4001', `/ip4/10.0.0.3/tcp/4001/p2p/${other}`, FRESH]])
    const result = await send()
    expect(result.error).toBe('reached')
    expect(dials).toEqual([[`/ip4/192.168.1.5/tcp/4001/p2p/${to}`, `${FRESH}/p2p/${to}`]])
  })

  /** A sender connected to the peer over a connection that dies when the stream is opened on it. */
  async function dyingConnection (closes: boolean): Promise<{ redials: () => number, send: () => Promise<{ status: string, error?: string }> }> {
    let connected = true
    let streams = 0
    let redials = 0
    const direct = await bed.open('gossipd-reach-', {}, {
      isConnected: () => connected,
      dialPeer: async () => { redials++; connected = true },
      dialProtocol: async () => {
        if (streams++ > 0) throw new Error('stream over the new connection')
        if (closes) connected = false
        throw new Error('Remote closed connection during opening')
      }
    })
    await direct.start()
    const to = (await newPeerId()).toString()
    return { redials: () => redials, send: async () => direct.send(to, new Uint8Array(8)) }
  }

  it('reaches the peer afresh within the attempt when the connection it had died under the stream', async () => {
    const { redials, send } = await dyingConnection(true)
    const result = await send()
    expect(result.error).toBe('stream over the new connection')
    expect(redials()).toBe(1)
  })

  it('does not retry when the connection is still there: the stream itself was refused', async () => {
    const { redials, send } = await dyingConnection(false)
    const result = await send()
    expect(result.error).toBe('Remote closed connection during opening')
    expect(redials()).toBe(0)
  })

  /**
   * A peer that connects to the sender through a relay while the sender's own dials are under way: `when` is the
   * dial during which its connection opens, and `dialFails` whether that dial then fails, as libp2p fails a
   * circuit it aborted as the duplicate of the peer's.
   */
  async function connectedMeanwhile (when: 'known' | 'dht', dialFails: boolean): Promise<{ dials: () => number, lookups: () => number, send: () => Promise<{ status: string, error?: string }> }> {
    let connected = false
    let dials = 0
    let lookups = 0
    const direct = await bed.open('gossipd-reach-', {}, {
      isConnected: () => connected,
      dialPeer: async () => {
        if (when === 'known') connected = true
        throw new AggregateError([new Error('connect EHOSTUNREACH 192.168.2.12:4001')], 'All multiaddr dials failed')
      },
      peerAnswers: async function * () { lookups++; yield { multiaddrs: [FRESH] }; yield { multiaddrs: [STALE] } },
      dial: async () => {
        dials++
        connected = true
        if (dialFails) throw new Error('Remote closed connection during opening')
      },
      dialProtocol: async () => { throw new Error(connected ? 'reached' : 'not reached') }
    })
    await direct.start()
    const to = (await newPeerId()).toString()
    return { dials: () => dials, lookups: () => lookups, send: async () => direct.send(to, new Uint8Array(8)) }
  }

  it('takes the connection the peer opened while its known address failed, without a lookup', async () => {
    const { dials, lookups, send } = await connectedMeanwhile('known', false)
    const result = await send()
    expect(result.error).toBe('reached')
    expect(lookups()).toBe(0)
    expect(dials()).toBe(0)
  })

  it('takes the connection a failed dial duplicated (aborted by libp2p as "closed during opening"), and stops dialing', async () => {
    const { dials, send } = await connectedMeanwhile('dht', true)
    const result = await send()
    expect(result.error).toBe('reached')
    expect(dials()).toBe(1)
  })

  it('asks the DHT first when the last dial to the peer failed, without dialing its known addresses', async () => {
    let knownDials = 0
    const { dials, to, send } = await sender([[STALE], [FRESH]], { lastDialFailed: async () => true, dialPeer: async () => { knownDials++ } })
    expect((await send()).error).toBe('reached')
    expect(dials).toEqual([[`${STALE}/p2p/${to}`], [`${FRESH}/p2p/${to}`]])
    expect(knownDials).toBe(0)
  })

  it('says the known addresses were not dialed when every answer then fails', async () => {
    const { send } = await sender([[STALE]], { lastDialFailed: async () => true })
    const result = await send()
    expect(result.status).toBe('queued')
    expect(result.error).toMatch(/known addresses: not dialed: the last dial to them failed; DHT answers: All multiaddr dials failed/)
  })

  it('leaves the stream to dial what the peer store knows when nobody answers', async () => {
    const { dials, send } = await sender([])
    const result = await send()
    expect(result).toMatchObject({ status: 'queued', error: 'not reached' })
    expect(dials).toEqual([])
  })
})
