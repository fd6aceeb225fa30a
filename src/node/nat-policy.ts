/**
 * What a node does as dial-backs decide its reachability:
 * - `public`: a DHT server; with `--relay-service auto`, it serves relay reservations.
 * - `private`: a DHT client (nobody could dial it to ask); it reserves slots on up to `--relay-reservations`
 *   relays and announces their `/p2p-circuit` addresses; the relay transport renews them and replaces a relay
 *   whose connection dies.
 * - `unknown`: stays a DHT server, so loopback and container swarms, where nobody has an address a dial-back
 *   could confirm, keep working as before; no relay service in `auto`.
 */
import type { Logger } from '../logger.js'
import type { ReachabilityState } from './reachability.js'

export interface NatPolicyComponents {
  reachability: { readonly state: ReachabilityState, onChange(listener: (state: ReachabilityState) => void): () => void }
  setDhtMode(mode: 'client' | 'server'): Promise<void>
  /** The relay server service, when `--relay-service` is not `off`. */
  relayServer?: { start(): Promise<void>, stop(): Promise<void>, isStarted(): boolean }
  /** Start listening on `/p2p-circuit` this many times: one reservation each, on relays the transport finds. */
  listenOnRelays(count: number): Promise<void>
  log: Logger
}

export interface NatPolicyInit {
  relayService: 'auto' | 'on' | 'off'
  relayReservations: number
}

export class NatPolicy {
  private off?: () => void
  private reserving = false
  private applying: Promise<void> = Promise.resolve()

  constructor (private readonly c: NatPolicyComponents, private readonly init: NatPolicyInit) {}

  async start (): Promise<void> {
    this.off = this.c.reachability.onChange(state => {
      this.applying = this.applying.then(async () => this.apply(state)).catch(err => {
        this.c.log.warn({ err: (err as Error).message, state }, 'could not apply the reachability change')
      })
    })
    await this.apply(this.c.reachability.state)
  }

  async stop (): Promise<void> {
    this.off?.()
    await this.applying
  }

  private async apply (state: ReachabilityState): Promise<void> {
    await this.c.setDhtMode(state === 'private' ? 'client' : 'server')
    const relay = this.c.relayServer
    if (relay != null && this.init.relayService === 'auto') {
      if (state === 'public' && !relay.isStarted()) await relay.start()
      if (state !== 'public' && relay.isStarted()) await relay.stop()
    }
    if (state === 'private' && !this.reserving && this.init.relayReservations > 0) {
      this.reserving = true
      await this.c.listenOnRelays(this.init.relayReservations)
    }
  }
}
