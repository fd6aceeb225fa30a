/**
 * What libp2p remembers of its dials to a peer. libp2p 3's dial queue writes the time of each failed and each
 * successful dial to the peer store's metadata, under these keys (`libp2p/src/connection-manager/constants.ts`;
 * not exported from its public API, so `test/node/dial-history.test.ts` checks them against a real dial).
 */
import type { PeerId, PeerStore } from '@libp2p/interface'

export const LAST_DIAL_FAILURE_KEY = 'last-dial-failure'
export const LAST_DIAL_SUCCESS_KEY = 'last-dial-success'

function timeOf (value: Uint8Array | undefined): number {
  if (value == null) return 0
  const ms = Number(new TextDecoder().decode(value))
  return Number.isFinite(ms) ? ms : 0
}

/** Whether the last dial to the peer failed, and none has succeeded since: the addresses the peer store holds are likely stale. */
export async function lastDialFailed (peerStore: Pick<PeerStore, 'get'>, peer: PeerId): Promise<boolean> {
  try {
    const { metadata } = await peerStore.get(peer)
    const failure = timeOf(metadata.get(LAST_DIAL_FAILURE_KEY))
    return failure > 0 && failure >= timeOf(metadata.get(LAST_DIAL_SUCCESS_KEY))
  } catch {
    // not in the peer store: never dialed
    return false
  }
}
