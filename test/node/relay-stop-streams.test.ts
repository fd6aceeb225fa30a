/**
 * A dialer that gives up on a relayed dial after the relay has opened its stream to the destination: the relay
 * must not keep that stream open, or such streams fill its circuits (`--relay-max-circuits`) and it refuses every
 * new one. The destination here answers the relay's STOP request only once the dialer has gone, so the relay's
 * OK to the dialer is written into a closed stream every time.
 */
import { RELAY_V2_HOP_CODEC, RELAY_V2_STOP_CODEC } from '@libp2p/circuit-relay-v2'
import type { Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { activeCircuits } from '../../src/node/nat.js'
import { closeStopStreamOnFailedConnect } from '../../src/node/relay-stop-streams.js'
import { reserveOnRelay, startNode, stopNode, waitFor, type TestNode } from '../messaging/helpers.js'

/** HopMessage { type: CONNECT, peer: { id } } (circuit relay v2's protobuf, written by hand). */
function connectRequest (peerId: Uint8Array): Uint8Array {
  const peer = Uint8Array.from([0x0a, peerId.byteLength, ...peerId])
  return Uint8Array.from([0x08, 0x01, 0x12, peer.byteLength, ...peer])
}

/** StopMessage { type: STATUS, status: OK }. */
const STOP_OK = Uint8Array.from([0x08, 0x01, 0x20, 0x64])

describe('a relay whose dialer left before the circuit was joined', () => {
  let relay: TestNode
  let dest: TestNode
  let dialer: TestNode
  let stop: { stream: Stream, answer: () => Promise<void> } | undefined

  beforeAll(async () => {
    relay = await startNode({ relayService: 'on' })
    dest = await startNode()
    dialer = await startNode()
    await reserveOnRelay(dest, relay)
    // the destination reads the relay's STOP request and answers OK only when told to
    await dest.node.libp2p.unhandle(RELAY_V2_STOP_CODEC)
    await dest.node.libp2p.handle(RELAY_V2_STOP_CODEC, async (stream: Stream) => {
      const lp = lpStream(stream)
      await lp.read()
      stop = { stream, answer: async () => { await lp.write(STOP_OK) } }
    }, { runOnLimitedConnection: true })
    await dialer.node.libp2p.dial(relay.node.libp2p.getMultiaddrs()[0])
  })
  afterAll(async () => {
    for (const n of [dialer, dest, relay]) await stopNode(n)
  })

  it('closes its stream to the destination, so it counts no circuit', async () => {
    const relayConn = dialer.node.libp2p.getConnections(relay.node.peerId)[0]
    const hop = await relayConn.newStream(RELAY_V2_HOP_CODEC)
    await lpStream(hop).write(connectRequest(dest.node.peerId.toMultihash().bytes))
    await waitFor(() => stop != null, 'the relay\'s STOP request at the destination')
    expect(activeCircuits(relay.node.libp2p.getConnections())).toBe(1)
    // the dialer gives up, then the destination accepts: the relay's OK goes into a closed stream
    hop.abort(new Error('the dialer gave up'))
    await waitFor(() => relay.node.libp2p.getConnections(dialer.node.peerId)[0]?.streams.every(s => s.protocol !== RELAY_V2_HOP_CODEC) ?? true, 'the relay to see the HOP stream reset')
    await stop!.answer()
    await waitFor(() => activeCircuits(relay.node.libp2p.getConnections()) === 0, 'the relay to close its STOP stream', 5_000)
    await waitFor(() => stop!.stream.status !== 'open', 'the destination to see its STOP stream end', 5_000)
  })

  it('throws at start when the relay server has nothing to wrap', () => {
    expect(() => { closeStopStreamOnFailedConnect({}) }).toThrow(/handleConnect and stopHop/)
  })
})
