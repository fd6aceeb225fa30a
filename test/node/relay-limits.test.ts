/**
 * The relay's limits on loopback: a relay with room for one reservation refuses the second, and a circuit is
 * closed once it carried the configured bytes. (On loopback nobody is private, so reservations are asked for
 * explicitly, as `--relay-reservations` does for a private node.)
 */
import type { Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { transportManagerOf } from '../../src/node/nat.js'
import { reserveOnRelay, startNode, stopNode, waitFor, type TestNode } from '../messaging/helpers.js'

const ECHO = '/test/sink/1.0.0'
const CIRCUIT_BYTES = 8 * 1024

describe('circuit relay limits', () => {
  let relay: TestNode
  let a: TestNode
  let b: TestNode
  let c: TestNode
  let relayAddr: string

  beforeAll(async () => {
    relay = await startNode({ relayService: 'on', relayMaxReservations: 1, relayCircuitBytes: CIRCUIT_BYTES })
    a = await startNode()
    b = await startNode()
    c = await startNode()
    relayAddr = relay.node.libp2p.getMultiaddrs()[0].toString()
  })
  afterAll(async () => {
    for (const n of [a, b, c, relay]) await stopNode(n)
  })

  it('a full relay refuses the next reservation', async () => {
    await reserveOnRelay(a, relay)
    expect(relay.node.info().relayService.reservations).toBe(1)
    await expect(transportManagerOf(b.node.libp2p).listen([multiaddr(`${relayAddr}/p2p-circuit`)])).rejects.toThrow(/RESERVATION_REFUSED|refused/i)
    expect(b.node.libp2p.getMultiaddrs().some(m => m.toString().includes('/p2p-circuit'))).toBe(false)
  })

  it(`a circuit carries at most ${CIRCUIT_BYTES} bytes: the relay closes it past that`, async () => {
    let received = 0
    await a.node.libp2p.unhandle(ECHO)
    await a.node.libp2p.handle(ECHO, async (stream: Stream) => {
      for await (const chunk of stream) received += chunk.byteLength
    }, { runOnLimitedConnection: true })
    const circuit = a.node.libp2p.getMultiaddrs().find(m => m.toString().includes('/p2p-circuit'))
    if (circuit == null) throw new Error('no circuit address')
    const stream = await c.node.libp2p.dialProtocol(circuit, ECHO, { runOnLimitedConnection: true })
    const conn = c.node.libp2p.getConnections(a.node.peerId)[0]
    expect(conn.limits).toBeDefined()
    const chunk = new Uint8Array(1024)
    let sent = 0
    try {
      for (let i = 0; i < 64; i++) {
        if (!stream.send(chunk)) await new Promise(resolve => stream.addEventListener('drain', resolve, { once: true }))
        sent += chunk.byteLength
        await new Promise(resolve => setTimeout(resolve, 5))
      }
    } catch { /* the relay closed the circuit */ }
    await waitFor(() => conn.status !== 'open', 'the relay to close the circuit', 10_000)
    await a.node.libp2p.unhandle(ECHO)
    // the relay cut the circuit before the 64 KiB went through, and never forwarded more than its limit
    expect(sent).toBeLessThan(64 * 1024)
    expect(received).toBeGreaterThan(0)
    expect(received).toBeLessThanOrEqual(CIRCUIT_BYTES)
  })
})
