/**
 * One socket write per batch of frames instead of one per buffer. `@libp2p/tcp` hands each buffer of what it
 * sends to `socket.write` on its own, and Noise sends every frame as two buffers (its 2-byte length, then the
 * ciphertext): two system calls per frame, a tenth of a gossiping node's busy time in a CPU profile. Corking the
 * socket around the transport's send makes Node pass the buffers to the kernel in one `writev`.
 *
 * The transport does not export its connection class; its prototype is reached through the first TCP
 * connection the node opens (a libp2p connection keeps its transport connection as `maConn`), and patched once
 * per process. The transport's own send runs unchanged inside the cork: the same bytes, in the same order, with
 * the same backpressure answer.
 */
import { Socket } from 'node:net'
import type { Connection, TypedEventTarget, Libp2pEvents } from '@libp2p/interface'

const INSTALLED = Symbol.for('gossipd.corkedSocketWrites')

/** The transport connection's fields the patch uses. */
interface SocketConnection {
  socket?: unknown
  sendData(data: unknown): unknown
}

type Prototype = SocketConnection & { [INSTALLED]?: boolean }

/** Patch the send of this transport connection's class, if it writes to a Node socket. Whether it did (or had). */
export function corkSends (maConn: unknown): boolean {
  const conn = maConn as SocketConnection | undefined
  if (!(conn?.socket instanceof Socket) || typeof conn.sendData !== 'function') return false
  const proto = Object.getPrototypeOf(conn) as Prototype
  if (proto[INSTALLED] === true) return true
  if (!Object.prototype.hasOwnProperty.call(proto, 'sendData')) return false
  const send = proto.sendData
  proto.sendData = function (this: SocketConnection & { socket: Socket }, data: unknown) {
    this.socket.cork()
    try {
      return send.call(this, data)
    } finally {
      this.socket.uncork()
    }
  }
  proto[INSTALLED] = true
  return true
}

/** Patch on the node's first TCP connection (in or out); the listener goes once it has. */
export function corkSocketWrites (events: TypedEventTarget<Libp2pEvents>): void {
  const onOpen = (evt: CustomEvent<Connection>): void => {
    if (corkSends((evt.detail as unknown as { maConn?: unknown }).maConn)) events.removeEventListener('connection:open', onOpen)
  }
  events.addEventListener('connection:open', onOpen)
}
