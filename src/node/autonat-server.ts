/**
 * The AutoNAT v1 server: a peer asks to be dialed back at its addresses, this node dials on a fresh connection
 * and answers OK or E_DIAL_ERROR. @libp2p/autonat's server, when the asker is already connected (always, since
 * it asks over a connection), answers from that existing connection and then closes it; this one forces a new
 * connection and closes only that. A peer cannot use it to make this node dial elsewhere: only addresses at the
 * IP the request came from are dialed, at most AUTONAT_MAX_ADDRS of them, one request per peer per
 * AUTONAT_PER_PEER_INTERVAL_MS, and AUTONAT_MAX_CONCURRENT_DIALBACKS at once in all.
 */
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { peerIdFromMultihash } from '@libp2p/peer-id'
import { isLoopback, isPrivate, lpStream } from '@libp2p/utils'
import { CODE_P2P, multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import type { Logger } from '../logger.js'
import { decodeDial, DialStatus, encodeDialResponse, type DialResponse } from './autonat-wire.js'
import {
  AUTONAT_DIALBACK_DIAL_MS, AUTONAT_MAX_ADDRS, AUTONAT_MAX_CONCURRENT_DIALBACKS, AUTONAT_MAX_MESSAGE_BYTES, AUTONAT_PER_PEER_INTERVAL_MS, AUTONAT_PROTOCOL,
  AUTONAT_MAX_STREAMS, AUTONAT_TRACKED_PEERS, REACHABILITY_DIALBACK_TIMEOUT_MS
} from './constants.js'
import { withDeadline } from './deadline.js'

export interface AutonatServerComponents {
  handle(protocol: string, handler: (stream: Stream, connection: Connection) => Promise<void>, opts: { maxInboundStreams: number, maxOutboundStreams: number }): Promise<void>
  unhandle(protocol: string): Promise<void>
  /** Open a new connection to the address (never reuse one), as a dial-back must. */
  dialNew(addr: Multiaddr, signal: AbortSignal): Promise<Connection>
  log: Logger
}

function hostOf (ma: Multiaddr): string | undefined {
  return ma.getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')?.value
}

export class AutonatServer {
  private readonly lastRequest = new Map<string, number>()
  private inFlight = 0

  constructor (private readonly c: AutonatServerComponents) {}

  async start (): Promise<void> {
    await this.c.handle(AUTONAT_PROTOCOL, async (stream, connection) => this.serve(stream, connection), { maxInboundStreams: AUTONAT_MAX_STREAMS, maxOutboundStreams: AUTONAT_MAX_STREAMS })
  }

  async stop (): Promise<void> {
    await this.c.unhandle(AUTONAT_PROTOCOL).catch(() => {})
  }

  private async serve (stream: Stream, connection: Connection): Promise<void> {
    try {
      await this.serveOne(stream, connection)
    } catch (err) {
      this.c.log.debug({ peer: connection.remotePeer.toString(), err: (err as Error).message }, 'dial-back request not answered')
      stream.abort(err as Error)
    }
  }

  private async serveOne (stream: Stream, connection: Connection): Promise<void> {
    // cleared once the answer is sent, or the request failed
    await withDeadline(REACHABILITY_DIALBACK_TIMEOUT_MS, async signal => {
      const lp = lpStream(stream, { maxDataLength: AUTONAT_MAX_MESSAGE_BYTES })
      const request = decodeDial((await lp.read({ signal })).subarray(), AUTONAT_MAX_ADDRS)
      const response = await this.answer(request.peerId, request.addrs, connection, signal)
      await lp.write(encodeDialResponse(response), { signal })
      await stream.close({ signal }).catch(() => {})
    })
  }

  /** The answer to one request: refused, or the outcome of dialing back. */
  async answer (peerIdBytes: Uint8Array, addrBytes: Uint8Array[], connection: Connection, signal: AbortSignal): Promise<DialResponse> {
    let peer: PeerId
    try {
      peer = peerIdFromMultihash(Digest.decode(peerIdBytes))
    } catch {
      return { status: DialStatus.E_BAD_REQUEST, statusText: 'bad peer id' }
    }
    // through a relay the asker's address is the relay's: nothing to dial back
    if (!peer.equals(connection.remotePeer) || connection.limits != null) return { status: DialStatus.E_BAD_REQUEST, statusText: 'peer id mismatch or relayed connection' }
    const key = peer.toString()
    const now = Date.now()
    const last = this.lastRequest.get(key)
    if (last != null && now - last < AUTONAT_PER_PEER_INTERVAL_MS) return { status: DialStatus.E_DIAL_REFUSED, statusText: 'too many requests' }
    this.lastRequest.delete(key)
    this.lastRequest.set(key, now)
    if (this.lastRequest.size > AUTONAT_TRACKED_PEERS) this.lastRequest.delete(this.lastRequest.keys().next().value as string)
    if (this.inFlight >= AUTONAT_MAX_CONCURRENT_DIALBACKS) return { status: DialStatus.E_DIAL_REFUSED, statusText: 'busy' }
    const remoteHost = hostOf(connection.remoteAddr)
    const addrs: Multiaddr[] = []
    for (const bytes of addrBytes) {
      try {
        const ma = multiaddr(bytes)
        if (hostOf(ma) == null || hostOf(ma) !== remoteHost || isPrivate(ma) || isLoopback(ma)) continue
        if (!ma.getComponents().some(c => c.name === 'tcp')) continue
        addrs.push(ma.getComponents().some(c => c.name === 'p2p') ? ma : ma.encapsulate(`/p2p/${key}`))
      } catch { /* not an address */ }
    }
    if (addrs.length === 0) return { status: DialStatus.E_DIAL_REFUSED, statusText: 'no dialable addresses' }
    this.inFlight++
    try {
      let error = ''
      for (const addr of addrs) {
        try {
          const conn = await withDeadline(AUTONAT_DIALBACK_DIAL_MS, async dialSignal => this.c.dialNew(addr, dialSignal), signal)
          await conn.close().catch(() => {})
          return { status: DialStatus.OK, addr: addr.decapsulateCode(CODE_P2P).bytes }
        } catch (err) {
          error = (err as Error).message
        }
      }
      return { status: DialStatus.E_DIAL_ERROR, statusText: error.slice(0, 200), addr: addrs[0].decapsulateCode(CODE_P2P).bytes }
    } finally {
      this.inFlight--
    }
  }
}
