/**
 * How a download keeps finding providers: its `from` peers, then whoever the DHT knows, looked up again every few
 * seconds while no provider can be asked, and less and less often while some can (FILES_PROVIDER_REFRESH_MS).
 */
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { CID } from 'multiformats/cid'
import { FILES_FIND_PROVIDERS_TIMEOUT_MS, FILES_PROVIDER_REFRESH_MAX_MS, FILES_PROVIDER_REFRESH_MS } from './constants.js'
import type { Logger } from '../logger.js'
import { withDeadline } from '../node/deadline.js'
import { sleep } from './wait.js'

/**
 * The wait before a download's next DHT provider lookup, given the last wait (undefined after the first lookup)
 * and whether some provider can be asked now: FILES_PROVIDER_REFRESH_MS without one; with one, that at first
 * and then twice the last wait, up to FILES_PROVIDER_REFRESH_MAX_MS.
 */
export function nextProviderLookupMs (lastMs: number | undefined, haveProviders: boolean): number {
  if (!haveProviders || lastMs == null) return FILES_PROVIDER_REFRESH_MS
  return Math.min(FILES_PROVIDER_REFRESH_MAX_MS, lastMs * 2)
}

export interface LookupContext {
  cid: CID
  from: string[]
  signal: AbortSignal
  findProviders(cid: CID, signal: AbortSignal): AsyncIterable<PeerId>
  addProvider(peer: PeerId): void
  /** Whether some provider can be asked now. */
  haveProviders(): boolean
  log: Logger
}

/** Add providers until the download ends. */
export async function lookUpProviders (c: LookupContext): Promise<void> {
  let wait: number | undefined
  while (!c.signal.aborted) {
    for (const p of c.from) c.addProvider(peerIdFromString(p))
    // cleared when the lookup ends, so no timer outlives it into the wait below
    try {
      await withDeadline(FILES_FIND_PROVIDERS_TIMEOUT_MS, async signal => {
        for await (const peer of c.findProviders(c.cid, signal)) c.addProvider(peer)
      }, c.signal)
    } catch (err) {
      c.log.debug({ err: (err as Error).message }, 'provider lookup failed')
    }
    wait = nextProviderLookupMs(wait, c.haveProviders())
    // the wait ends early once no provider can be asked (all dropped or cooling down)
    const until = Date.now() + wait
    while (Date.now() < until && !c.signal.aborted) {
      await sleep(Math.min(FILES_PROVIDER_REFRESH_MS, until - Date.now()), c.signal)
      if (!c.haveProviders()) break
    }
  }
}
