/**
 * The connection a stream that may run over a relay should take: an open one the node already has with the peer.
 *
 * libp2p 3.3.11 reuses only unlimited connections (`findExistingConnection` in its connection manager). To a peer
 * reached only through a relay, every `dialProtocol` therefore dials a new circuit (a HOP request, a STOP request,
 * a Noise handshake) only to find it duplicates the one it has, abort it and open the stream on the old one.
 * Another caller whose dial joined that one sees its connection closed under it (`Remote closed connection during
 * opening`). In the NAT drill, 2,389 circuits were aborted so in one run, and 2 to 8 of 16 direct messages after
 * the relay kill missed their first attempt that way.
 */
import type { Connection } from '@libp2p/interface'

/** An open connection, unlimited ones first; none when there is no open connection. */
export function reusableConnection (connections: Connection[]): Connection | undefined {
  let limited: Connection | undefined
  for (const c of connections) {
    if (c.status !== 'open') continue
    if (c.limits == null) return c
    limited ??= c
  }
  return limited
}
