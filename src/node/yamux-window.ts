/**
 * Yamux window updates once half a stream's receive window is used, as go-yamux and rust-yamux send them.
 * `@chainsafe/libp2p-yamux` answers every data frame it receives with a window update frame: for a gossip
 * message that is a second frame back to the sender, Noise-encrypted and written to the socket on its own, then
 * decrypted and parsed there. In a 40-node swarm at 2 messages/s those updates were a tenth of all CPU.
 *
 * Flow control is unchanged: the sender may still send a full window before it waits, and it never waits for
 * an update this node holds back, because an update goes out as soon as the unused window falls to half (a
 * paused stream sends none, and sends what is due when it resumes). Frames that carry flags (SYN/ACK on a new
 * stream) are sent as before. Yamux leaves the timing of window updates to the receiver.
 */
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'

const INSTALLED = Symbol.for('gossipd.yamuxHalfWindowUpdates')

/** The fields of a Yamux stream's receive side that decide whether an update is due. */
interface ReceiveWindow {
  state: StreamState
  /** Bytes the remote may send in a full window. */
  recvWindow: number
  /** Bytes the remote may still send before it must wait. */
  recvWindowCapacity: number
  sendWindowUpdate(): void
  [INSTALLED]?: boolean
}

/**
 * Whether the stream sends its window update now: an established stream once half its window is used; any other
 * (a new stream's SYN/ACK, a paused stream's bookkeeping) as the library does.
 */
export function windowUpdateDue (stream: Pick<ReceiveWindow, 'state' | 'recvWindow' | 'recvWindowCapacity'>): boolean {
  return stream.state !== StreamState.Established || stream.recvWindowCapacity * 2 <= stream.recvWindow
}

/** Install on `@chainsafe/libp2p-yamux`'s streams (once per process; later calls do nothing). */
export function halveYamuxWindowUpdates (): void {
  const proto = YamuxStream.prototype as unknown as ReceiveWindow
  if (proto[INSTALLED] === true) return
  const send = proto.sendWindowUpdate
  proto.sendWindowUpdate = function (this: ReceiveWindow) {
    if (windowUpdateDue(this)) send.call(this)
  }
  proto[INSTALLED] = true
}
