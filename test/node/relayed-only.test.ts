/**
 * A stream that cannot run on a relayed connection, to a peer the node reaches only through a relay, is dialed
 * through the peer's direct addresses, and fails at once without them: libp2p alone would ask the relay for a new
 * circuit, which the stream could not use either.
 */
import type { Connection, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { directAddressesWhileRelayed, relayedOnly, serviceWithoutRelayedDials, withoutRelayedDials, type StreamOpener } from '../../src/node/relayed-only.js'
import { reserveOnRelay, startNode, stopNode, type TestNode } from '../messaging/helpers.js'

const ID = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'
const RELAY = '12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq'
const peer = peerIdFromString(ID)
const conn = (status: string, limited: boolean): Connection => ({ status, ...(limited ? { limits: { bytes: 1n } } : {}) }) as unknown as Connection
const store = (addrs: string[]): { get: (p: PeerId) => Promise<{ addresses: Array<{ multiaddr: Multiaddr }> }> } => ({
  get: async () => ({ addresses: addrs.map(a => ({ multiaddr: multiaddr(a) })) })
})
const circuit = `/ip4/10.0.0.1/tcp/4001/p2p/${RELAY}/p2p-circuit`

describe('relayedOnly', () => {
  it('holds when every open connection is limited, and only then', () => {
    expect(relayedOnly([conn('open', true)])).toBe(true)
    expect(relayedOnly([conn('open', true), conn('closing', false)])).toBe(true)
    expect(relayedOnly([conn('open', true), conn('open', false)])).toBe(false)
    expect(relayedOnly([conn('closed', true)])).toBe(false)
    expect(relayedOnly([])).toBe(false)
  })
})

describe('directAddressesWhileRelayed', () => {
  it("gives the peer's direct addresses with its id, dropping circuits, while it is reached only through a relay", async () => {
    const addrs = await directAddressesWhileRelayed(peer, [conn('open', true)], store([circuit, '/ip4/192.168.1.5/tcp/4001', `/ip4/10.0.0.9/tcp/4001/p2p/${ID}`]) as never, '/p/1')
    expect(addrs?.map(String)).toEqual([`/ip4/192.168.1.5/tcp/4001/p2p/${ID}`, `/ip4/10.0.0.9/tcp/4001/p2p/${ID}`])
  })

  it('throws RelayedOnlyError, naming the peer and the protocol, when only circuits are known', async () => {
    await expect(directAddressesWhileRelayed(peer, [conn('open', true)], store([circuit]) as never, ['/p/1', '/p/2']))
      .rejects.toMatchObject({ name: 'RelayedOnlyError', code: 'relayed-only', message: expect.stringContaining(`${ID} is reached only through a relay`) })
  })

  it("leaves libp2p's dial alone with no connection or an unlimited one", async () => {
    expect(await directAddressesWhileRelayed(peer, [], store([circuit]) as never, '/p/1')).toBeUndefined()
    expect(await directAddressesWhileRelayed(peer, [conn('open', false), conn('open', true)], store([circuit]) as never, '/p/1')).toBeUndefined()
  })
})

describe('withoutRelayedDials', () => {
  const manager = (connections: Connection[]): StreamOpener & { calls: unknown[], other: () => string } => {
    const calls: unknown[] = []
    return {
      calls,
      openStream: async (target) => { calls.push(Array.isArray(target) ? target.map(String) : target); return 'stream' },
      getConnections: () => connections,
      other () { return this === undefined ? 'unbound' : 'bound' }
    }
  }

  it('opens the stream on direct addresses while relayed only, and passes everything else through', async () => {
    const relayed = manager([conn('open', true)])
    const wrapped = withoutRelayedDials(relayed, store(['/ip4/192.168.1.5/tcp/4001', circuit]) as never)
    await wrapped.openStream(peer, '/p/1')
    await wrapped.openStream(peer, '/p/1', { runOnLimitedConnection: true })
    await wrapped.openStream(peer, '/p/1', { force: true })
    expect(relayed.calls).toEqual([[`/ip4/192.168.1.5/tcp/4001/p2p/${ID}`], peer, peer])
    expect(wrapped.other()).toBe('bound')

    const direct = manager([conn('open', false)])
    await withoutRelayedDials(direct, store([circuit]) as never).openStream(peer, '/p/1')
    expect(direct.calls).toEqual([peer])
  })

  it('reports a peer reached only through a relay whose direct dial fails or who has no direct address, and no other', async () => {
    const unreachable: string[] = []
    const report = (p: PeerId): void => { unreachable.push(p.toString()) }
    const failing: StreamOpener = { ...manager([conn('open', true)]), openStream: async () => { throw new Error('connect EHOSTUNREACH 192.168.1.5:4001') } }
    await expect(withoutRelayedDials(failing, store(['/ip4/192.168.1.5/tcp/4001']) as never, report).openStream(peer, '/p/1')).rejects.toThrow('EHOSTUNREACH')
    await expect(withoutRelayedDials(manager([conn('open', true)]), store([circuit]) as never, report).openStream(peer, '/p/1')).rejects.toMatchObject({ name: 'RelayedOnlyError' })
    expect(unreachable).toEqual([ID, ID])
    // reached directly, or the stream allowed on the relay: nothing to report, even when the stream fails
    const unlimited: StreamOpener = { ...manager([conn('open', false)]), openStream: async () => { throw new Error('refused') } }
    await expect(withoutRelayedDials(unlimited, store([circuit]) as never, report).openStream(peer, '/p/1')).rejects.toThrow('refused')
    await withoutRelayedDials(manager([conn('open', true)]), store([circuit]) as never, report).openStream(peer, '/p/1', { runOnLimitedConnection: true })
    expect(unreachable).toHaveLength(2)
  })

  it('gives a service factory the wrapped manager and its other components as they are', async () => {
    const relayed = manager([conn('open', true)])
    type Components = Parameters<Parameters<typeof serviceWithoutRelayedDials>[0]>[0] & { other: string }
    let seen: Components | undefined
    const components = { connectionManager: relayed, peerStore: store([circuit]), other: 'as is' } as unknown as Components
    serviceWithoutRelayedDials((c: Components) => { seen = c; return 'service' })(components)
    expect(seen?.other).toBe('as is')
    await expect(seen?.connectionManager.openStream(peer, '/ipfs/kad/1.0.0')).rejects.toMatchObject({ name: 'RelayedOnlyError' })
    expect(relayed.calls).toEqual([])
  })
})

describe('streams that cannot run on a relay, to a peer reached through one', () => {
  let relay: TestNode
  let receiver: TestNode
  let sender: TestNode
  let connects = 0
  let circuitAddr: Multiaddr

  beforeAll(async () => {
    relay = await startNode({ relayService: 'on' })
    receiver = await startNode()
    sender = await startNode()
    circuitAddr = await reserveOnRelay(receiver, relay)
    // count the circuits the relay is asked for
    const server = relay.node.libp2p.services.relay as unknown as { handleConnect: (...args: unknown[]) => Promise<void> }
    const handleConnect = server.handleConnect
    server.handleConnect = async (...args) => { connects++; return handleConnect(...args) }
  })
  afterAll(async () => {
    for (const n of [sender, receiver, relay]) await stopNode(n)
  })

  /** The sender holds a relayed connection to the receiver and knows it at `addrs` only. */
  const relayedWith = async (addrs: Multiaddr[]): Promise<void> => {
    await sender.node.libp2p.hangUp(receiver.node.peerId)
    await sender.node.libp2p.dial(circuitAddr)
    await sender.node.libp2p.peerStore.patch(receiver.node.peerId, { multiaddrs: addrs })
    expect(relayedOnly(sender.node.libp2p.getConnections(receiver.node.peerId))).toBe(true)
  }

  it("kad-dht's request fails at once, asking the relay for no circuit, when only the circuit address is known", async () => {
    await relayedWith([circuitAddr])
    const before = connects
    const network = (sender.node.libp2p.services.dht as unknown as { network: { sendRequest: (to: PeerId, msg: unknown, opts: unknown) => AsyncIterable<{ name: string, error?: Error }> } }).network
    const events = []
    for await (const e of network.sendRequest(receiver.node.peerId, { type: 'FIND_NODE', key: new Uint8Array(32) }, { signal: AbortSignal.timeout(10_000) })) events.push(e)
    expect(events.at(-1)).toMatchObject({ name: 'QUERY_ERROR', error: { name: 'RelayedOnlyError' } })
    expect(connects).toBe(before)
  })

  it('a peer kad-dht cannot reach but through a relay leaves its routing table', async () => {
    await relayedWith([circuitAddr])
    const dht = sender.node.libp2p.services.dht as unknown as { routingTable: { add: (p: PeerId) => Promise<void>, find: (p: PeerId) => Promise<unknown> }, network: { sendRequest: (to: PeerId, msg: unknown, opts: unknown) => AsyncIterable<unknown> } }
    await dht.routingTable.add(receiver.node.peerId)
    expect(await dht.routingTable.find(receiver.node.peerId)).toBeDefined()
    const events = []
    for await (const e of dht.network.sendRequest(receiver.node.peerId, { type: 'FIND_NODE', key: new Uint8Array(32) }, { signal: AbortSignal.timeout(10_000) })) events.push(e)
    expect(events.at(-1)).toMatchObject({ name: 'QUERY_ERROR' })
    await expect.poll(async () => dht.routingTable.find(receiver.node.peerId)).toBeUndefined()
  })

  it("the host's stream fails at once with RelayedOnlyError when only the circuit address is known", async () => {
    await relayedWith([circuitAddr])
    const before = connects
    await expect(sender.node.host.dialProtocol(receiver.node.peerId, '/ipfs/id/1.0.0', { signal: AbortSignal.timeout(10_000) }))
      .rejects.toMatchObject({ name: 'RelayedOnlyError' })
    expect(connects).toBe(before)
  })

  // the upgrade libp2p's own dial makes too: kept by the change
  it('a stream of the host goes on a direct connection when a direct address is known, not on a new circuit', async () => {
    await relayedWith([circuitAddr, receiver.node.libp2p.getMultiaddrs().find(a => !String(a).includes('p2p-circuit'))!])
    const before = connects
    const stream = await sender.node.host.dialProtocol(receiver.node.peerId, '/ipfs/id/1.0.0', { signal: AbortSignal.timeout(10_000) })
    expect(connects).toBe(before)
    const open = sender.node.libp2p.getConnections(receiver.node.peerId).filter(c => c.status === 'open')
    expect(open.some(c => c.limits == null)).toBe(true)
    stream.abort(new Error('done'))
  })
})
