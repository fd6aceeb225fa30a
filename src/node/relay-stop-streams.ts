/**
 * A relay closes the stream it opened to a circuit's destination when the circuit cannot be set up after all.
 *
 * To relay a CONNECT, @libp2p/circuit-relay-v2's server (4.2.13, `handleConnect`) opens a STOP stream to the
 * destination, waits for its answer, then writes OK to the dialer's HOP stream and joins the two. When the dialer
 * has gone by then (its dial was aborted: a DHT lookup that finished cancels the dials it no longer needs), that
 * write throws and the STOP stream is left open, with nobody to close it until the destination gives up on the
 * handshake that never comes. Each such stream counts as a circuit against `--relay-max-circuits`
 * (node/nat.ts `activeCircuits`): in the NAT drill (test/network/nat.test.ts), after one of two relays was killed,
 * the other wrote 398 OKs into closed streams in a minute, reached its 256 circuits, and refused every new one
 * with PERMISSION_DENIED, so a direct message to a NATed node stayed queued. A hostile dialer could do the same
 * on purpose, aborting CONNECTs to fill a relay's circuits.
 *
 * This wraps one server instance: the STOP stream a CONNECT opened is aborted when the rest of that CONNECT
 * fails. The better home is upstream, a try/catch around that write in `handleConnect`.
 */
import type { Stream } from '@libp2p/interface'

/** The two members of the relay server this wraps (private in its type declarations). */
interface HopServer {
  handleConnect(args: unknown, options?: Record<PropertyKey, unknown>): Promise<void>
  stopHop(args: unknown, options?: Record<PropertyKey, unknown>): Promise<Stream | undefined>
}

/** Where one CONNECT's STOP stream is kept, in the options object `handleConnect` hands to `stopHop`. */
const OPENED = Symbol('gossipd.relayStopStream')

interface Opened { stream?: Stream }

/**
 * Install on one relay server (`node.services.relay`). Throws when the release has no `handleConnect` and
 * `stopHop` to wrap, so an upgrade that moved them fails at start instead of silently leaking again.
 */
export function closeStopStreamOnFailedConnect (server: unknown): void {
  const target = server as Partial<HopServer>
  if (typeof target.handleConnect !== 'function' || typeof target.stopHop !== 'function') {
    throw new Error('this circuit relay server has no handleConnect and stopHop to wrap')
  }
  const handleConnect = target.handleConnect.bind(server)
  const stopHop = target.stopHop.bind(server)
  target.stopHop = async (args, options) => {
    const stream = await stopHop(args, options)
    const opened = options?.[OPENED] as Opened | undefined
    if (opened != null) opened.stream = stream
    return stream
  }
  target.handleConnect = async (args, options) => {
    const opened: Opened = {}
    try {
      await handleConnect(args, { ...options, [OPENED]: opened })
    } catch (err) {
      opened.stream?.abort(err instanceof Error ? err : new Error(String(err)))
      throw err
    }
  }
}
