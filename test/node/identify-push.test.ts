/**
 * Identify push goes out when a connected peer was told other addresses or protocols than the node's now, not on
 * every change of the node's own peer record (the address manager's write 1 s after listening above all).
 */
import type { Connection, Libp2pEvents, TypedEventTarget } from '@libp2p/interface'
import { TypedEventEmitter } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../src/logger.js'
import { PushOnChange } from '../../src/node/identify-push.js'
import { TestNodes, waitFor } from '../helpers/nodes.js'

function fake (): { events: TypedEventTarget<Libp2pEvents>, open: Set<string>, addrs: string[], protocols: string[], pushes: number, policy: PushOnChange, connect(id: string): void, close(id: string): void, selfUpdate(): void } {
  const events = new TypedEventEmitter<Libp2pEvents>() as TypedEventTarget<Libp2pEvents>
  const f = {
    events,
    open: new Set<string>(),
    addrs: ['/ip4/127.0.0.1/tcp/4001'],
    protocols: ['/ipfs/id/1.0.0', '/meshsub/1.2.0'],
    pushes: 0,
    policy: undefined as unknown as PushOnChange,
    connect (id: string) {
      f.open.add(id)
      events.dispatchEvent(new CustomEvent('connection:open', { detail: { id } as unknown as Connection }))
    },
    close (id: string) {
      f.open.delete(id)
      events.dispatchEvent(new CustomEvent('connection:close', { detail: { id } as unknown as Connection }))
    },
    selfUpdate () { events.dispatchEvent(new CustomEvent('self:peer:update', { detail: {} as never })) }
  }
  f.policy = new PushOnChange({
    events,
    getMultiaddrs: () => f.addrs.map(a => multiaddr(a)),
    getProtocols: () => f.protocols,
    hasConnections: () => f.open.size > 0,
    push: async () => { f.pushes++ },
    log: silentLogger()
  })
  f.policy.start()
  return f
}

describe('PushOnChange', () => {
  it('does not push what every connected peer was told when it connected', () => {
    const f = fake()
    f.connect('a')
    f.connect('b')
    // the address manager's delayed write of the same addresses, protocols listed in another order
    f.protocols = [...f.protocols].reverse()
    f.selfUpdate()
    f.selfUpdate()
    expect(f.pushes).toBe(0)
  })

  it('pushes once when an address or a protocol changes, and again only at the next change', () => {
    const f = fake()
    f.connect('a')
    f.protocols = [...f.protocols, '/gossipd/history/1.0.0']
    f.selfUpdate()
    f.selfUpdate()
    expect(f.pushes).toBe(1)
    // a peer that connects now is told the new state by identify
    f.connect('b')
    f.addrs = [...f.addrs, '/ip4/203.0.113.7/tcp/4001/p2p/QmRelay/p2p-circuit']
    f.selfUpdate()
    expect(f.pushes).toBe(2)
    f.selfUpdate()
    expect(f.pushes).toBe(2)
  })

  it('pushes to nobody when no connection is open, and forgets closed connections', () => {
    const f = fake()
    f.protocols = [...f.protocols, '/gossipd/files/1.0.0']
    f.selfUpdate()
    expect(f.pushes).toBe(0)
    f.connect('a')
    f.close('a')
    f.addrs = ['/ip4/127.0.0.1/tcp/4002']
    f.selfUpdate()
    expect(f.pushes).toBe(0)
    // a peer that connects later was told the latest addresses; a change after that reaches it
    f.connect('b')
    f.selfUpdate()
    expect(f.pushes).toBe(0)
    f.addrs = ['/ip4/127.0.0.1/tcp/4003']
    f.selfUpdate()
    expect(f.pushes).toBe(1)
  })

  it('stops listening when stopped', () => {
    const f = fake()
    f.connect('a')
    f.policy.stop()
    f.protocols = []
    f.selfUpdate()
    expect(f.pushes).toBe(0)
    f.connect('b')
    f.addrs = []
    f.selfUpdate()
    expect(f.pushes).toBe(0)
  })
})

describe('identify push between two nodes', () => {
  const nodes = new TestNodes()
  afterEach(async () => { await nodes.cleanup() })

  it('sends nothing after start when nothing changed, and a protocol registered later reaches the peer', async () => {
    const first = await nodes.add()
    const joiner = await nodes.addJoining(first)
    const { identifyPush } = joiner.libp2p.services
    let pushes = 0
    const push = identifyPush.push.bind(identifyPush)
    // an own property before the prototype's: identify push's own listener, were it on, would call it too
    identifyPush.push = async () => { pushes++; return push() }
    await waitFor(() => first.libp2p.getConnections(joiner.peerId).length > 0, 10_000, 'the joiner connected')
    // past the address manager's 1 s delay and identify push's 1 s debounce
    await new Promise(resolve => setTimeout(resolve, 2_500))
    expect(pushes).toBe(0)
    await joiner.libp2p.handle('/gossipd-test/later/1.0.0', stream => { stream.abort(new Error('test')) })
    await waitFor(async () => (await first.libp2p.peerStore.get(joiner.peerId)).protocols.includes('/gossipd-test/later/1.0.0'), 10_000, 'the first node to learn the new protocol')
    expect(pushes).toBe(1)
  })
})
