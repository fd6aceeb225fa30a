/**
 * The libp2p parts of NAT traversal: the circuit relay v2 transport (dial through relays, listen through
 * reservations), the relay v2 server with its limits, DCUtR hole punching, and UPnP/NAT-PMP port mapping when asked for. What the node does with them as its
 * reachability changes is node/nat-policy.ts.
 */
import { circuitRelayServer, circuitRelayTransport, RELAY_V2_STOP_CODEC, type CircuitRelayService } from '@libp2p/circuit-relay-v2'
import { dcutr } from '@libp2p/dcutr'
import { identifyPush } from '@libp2p/identify'
import type { Connection, ConnectionGater } from '@libp2p/interface'
import type { uPnPNAT } from '@libp2p/upnp-nat'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { NodeConfig } from '../config.js'
import { DCUTR_MAX_STREAMS, DCUTR_RETRIES, RELAY_RESERVATION_TTL_MS } from './constants.js'
import { paceRelaySearch } from './relay-search.js'

/** Relay settings of the node's config. */
export type RelayConfig = Pick<NodeConfig, 'relayService' | 'relayMaxReservations' | 'relayMaxCircuits' | 'relayCircuitDuration' | 'relayCircuitBytes' | 'upnp'>

export function natTransports (): Array<ReturnType<typeof circuitRelayTransport>> {
  const relayTransport = circuitRelayTransport()
  // a node short of relays searches in bounded walks with growing pauses, not without end (node/relay-search.ts)
  return [components => {
    const transport = relayTransport(components)
    paceRelaySearch(transport)
    return transport
  }]
}

/** The services to add to libp2p: a relay server unless `--relay-service off`, port mapping only with `--upnp`. */
export interface NatServiceFactories {
  identifyPush: ReturnType<typeof identifyPush>
  dcutr: ReturnType<typeof dcutr>
  relay?: ReturnType<typeof circuitRelayServer>
  upnp?: ReturnType<typeof uPnPNAT>
}

/**
 * UPnP's module (an SSDP client and an XML parser, about 4 ms of CPU to load) is loaded only when `--upnp` asks for
 * port mapping: it is off by default, and every node of a swarm would otherwise pay for it at start.
 */
export async function natServices (config: RelayConfig): Promise<NatServiceFactories> {
  const services: NatServiceFactories = {
    // tells connected peers (the DHT servers among them) when the node's addresses change: a private node's
    // relay addresses appear only after its first contacts, and others find it through them. Pushed only when a
    // connected peer was told otherwise (node/identify-push.ts), not on every change of the node's own record
    identifyPush: identifyPush({ runOnSelfUpdate: false }),
    dcutr: dcutr({ retries: DCUTR_RETRIES, maxInboundStreams: DCUTR_MAX_STREAMS, maxOutboundStreams: DCUTR_MAX_STREAMS })
  }
  if (config.relayService !== 'off') {
    services.relay = circuitRelayServer({
      reservations: {
        maxReservations: config.relayMaxReservations,
        reservationTtl: RELAY_RESERVATION_TTL_MS,
        // every circuit gets the limits, whatever the client asks
        applyDefaultLimit: true,
        defaultDurationLimit: config.relayCircuitDuration,
        defaultDataLimit: BigInt(config.relayCircuitBytes)
      }
    })
  }
  if (config.upnp) {
    const { uPnPNAT } = await import('@libp2p/upnp-nat')
    // the mapping the router grants is announced at once: left unconfirmed, upnp-nat waits for @libp2p/autonat
    // to confirm it, and libp2p refuses to start a node that has UPnP without that service (gossipd runs its own
    // AutoNAT, node/reachability.ts, which still decides whether the node is public)
    services.upnp = uPnPNAT({ autoConfirmAddress: true })
  }
  return services
}

/** The part of libp2p's transport manager NAT traversal uses: the bound addresses, and listening later on. */
export interface TransportListener {
  getAddrs(): Multiaddr[]
  listen(addrs: Multiaddr[]): Promise<void>
}

/**
 * libp2p's node object holds its transport manager (`components.transportManager`), its published interface
 * does not expose it; a private node starts listening on `/p2p-circuit` only once dial-backs say it is private.
 */
export function transportManagerOf (libp2p: object): TransportListener {
  const tm = (libp2p as { components?: { transportManager?: Partial<TransportListener> } }).components?.transportManager
  if (typeof tm?.getAddrs !== 'function' || typeof tm.listen !== 'function') {
    throw new Error('this libp2p version keeps no transport manager at components.transportManager')
  }
  return tm as TransportListener
}

/** The part of libp2p's address manager the reachability probe uses. */
export interface AddressConfirmer {
  confirmObservedAddr(addr: Multiaddr): void
}

/**
 * libp2p announces a public address only once something confirms it is dialable (its AutoNAT services do, by
 * calling this); the reachability probe confirms the addresses its dial-backs reached.
 */
export function addressManagerOf (libp2p: object): AddressConfirmer {
  const am = (libp2p as { components?: { addressManager?: Partial<AddressConfirmer> } }).components?.addressManager
  if (typeof am?.confirmObservedAddr !== 'function') {
    throw new Error('this libp2p version keeps no address manager at components.addressManager')
  }
  return am as AddressConfirmer
}

export interface Startable { start(): Promise<void>, stop(): Promise<void>, isStarted(): boolean }

/** The relay server as something to start and stop (libp2p's services are Startable; the type does not say so). */
export function startableRelay (relay: CircuitRelayService | undefined): Startable | undefined {
  const r = relay as Partial<Startable> | undefined
  if (r == null || typeof r.start !== 'function' || typeof r.stop !== 'function' || typeof r.isStarted !== 'function') return undefined
  return r as Startable
}

/** Circuits this relay carries now: each is an outbound STOP stream to its destination. */
export function activeCircuits (connections: Connection[]): number {
  let n = 0
  for (const c of connections) {
    for (const s of c.streams) if (s.protocol === RELAY_V2_STOP_CODEC && s.direction === 'outbound') n++
  }
  return n
}

export interface NatGaterOptions {
  getConnections(): Connection[]
  maxCircuits: number
}

/** A relay refuses circuits past `maxCircuits`: the client reads PERMISSION_DENIED. */
export function natGater (opts: NatGaterOptions): Pick<ConnectionGater, 'denyOutboundRelayedConnection'> {
  return {
    async denyOutboundRelayedConnection () {
      return activeCircuits(opts.getConnections()) >= opts.maxCircuits
    }
  }
}
