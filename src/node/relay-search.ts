/**
 * A private node short of relays searches for one in bounded walks, with pauses that grow, instead of without end.
 *
 * @libp2p/circuit-relay-v2's transport (4.2.13) starts its relay discovery whenever it holds fewer reservations
 * than it listens for, and stops it only once it holds them all. The discovery is a random walk of the DHT: DHT
 * lookups back to back, each dialing the peers it asks. When there is no other relay to find (a swarm with one
 * public node and the default `--relay-reservations 2`, or after one of two relays died) the walk never ends:
 * in the NAT drill (test/network/nat.test.ts), each node of the 16 behind NATs dialed about 10 peers a second
 * through the one relay left, and that relay set up 4,502 circuits in five minutes.
 *
 * This wraps one transport's discovery. A search runs for `searchMs`; if the node is still short of relays it
 * pauses, for `minPauseMs` and then twice as long each time up to `maxPauseMs`, and searches again. A relay that
 * shows up meanwhile is still taken at once: the transport reserves a slot on any connected peer that speaks the
 * relay protocol, search or not. Once the node holds all its reservations the pause starts from `minPauseMs`
 * again. The better home is upstream, a backoff in the transport's `RelayDiscovery`.
 */
import { RELAY_SEARCH_MAX_PAUSE_MS, RELAY_SEARCH_MIN_PAUSE_MS, RELAY_SEARCH_MS } from './constants.js'

/** The members of the transport's relay discovery this wraps (private in its type declarations). */
interface RelayDiscovery {
  running: boolean
  startDiscovery(): void
  stopDiscovery(): void
  stop(): void
}

export interface RelaySearchInit {
  /** @default RELAY_SEARCH_MS */
  searchMs?: number
  /** @default RELAY_SEARCH_MIN_PAUSE_MS */
  minPauseMs?: number
  /** @default RELAY_SEARCH_MAX_PAUSE_MS */
  maxPauseMs?: number
}

/**
 * Install on one circuit relay transport instance. Throws when the release keeps no discovery with
 * `startDiscovery`, `stopDiscovery` and `stop` to wrap, so an upgrade that moved them fails at start.
 */
export function paceRelaySearch (transport: unknown, init: RelaySearchInit = {}): void {
  const discovery = (transport as { discovery?: Partial<RelayDiscovery> }).discovery
  if (typeof discovery?.startDiscovery !== 'function' || typeof discovery.stopDiscovery !== 'function' || typeof discovery.stop !== 'function') {
    throw new Error('this circuit relay transport keeps no relay discovery to pace')
  }
  const d = discovery as RelayDiscovery
  const searchMs = init.searchMs ?? RELAY_SEARCH_MS
  const minPauseMs = init.minPauseMs ?? RELAY_SEARCH_MIN_PAUSE_MS
  const maxPauseMs = init.maxPauseMs ?? RELAY_SEARCH_MAX_PAUSE_MS
  const start = d.startDiscovery.bind(d)
  const stopSearch = d.stopDiscovery.bind(d)
  const stop = d.stop.bind(d)
  let pauseMs = minPauseMs
  /** The end of the running search, or the end of the pause before the next. */
  let timer: ReturnType<typeof setTimeout> | undefined
  const clear = (): void => {
    clearTimeout(timer)
    timer = undefined
  }
  const later = (ms: number, fn: () => void): void => {
    timer = setTimeout(() => { timer = undefined; fn() }, ms)
    timer.unref?.()
  }
  d.startDiscovery = () => {
    // a search is running, or the pause after one has not ended
    if (timer != null) return
    start()
    later(searchMs, () => {
      // still short of relays: pause, then search again
      if (d.running) stopSearch()
      const pause = pauseMs
      pauseMs = Math.min(pauseMs * 2, maxPauseMs)
      later(pause, () => { d.startDiscovery() })
    })
  }
  // the transport has all the reservations it listens for
  d.stopDiscovery = () => {
    clear()
    pauseMs = minPauseMs
    stopSearch()
  }
  d.stop = () => {
    clear()
    stop()
  }
}
