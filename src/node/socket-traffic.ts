/**
 * Bytes a connection has read and written, from the Node socket under it: what liveness reads to tell an idle
 * connection (the kernel's TCP keep-alive watches it) from one this node is sending into without an answer (only
 * a ping finds out). A libp2p connection keeps its transport connection as `maConn`, and `@libp2p/tcp`'s keeps
 * the socket; this only reads their counters. Connections without a socket (relayed ones) have no figures.
 */
import { Socket } from 'node:net'
import type { Connection } from '@libp2p/interface'

export interface Traffic {
  read: number
  written: number
}

export function socketTraffic (conn: Connection): Traffic | undefined {
  const socket = (conn as unknown as { maConn?: { socket?: unknown } }).maConn?.socket
  if (!(socket instanceof Socket)) return undefined
  return { read: socket.bytesRead, written: socket.bytesWritten }
}
