/**
 * NAT traversal of one node, wired to its libp2p host: the reachability probe fed by identify's observed
 * addresses, and the policy that acts on it. The node starts and stops it like a feature.
 */
import type { Connection, PeerId } from '@libp2p/interface'
import { isPrivate } from '@libp2p/utils'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { NodeConfig } from '../config.js'
import type { Logger } from '../logger.js'
import type { GossipdLibp2p } from './libp2p.js'
import { AutonatServer } from './autonat-server.js'
import { addressManagerOf, startableRelay, transportManagerOf } from './nat.js'
import { AUTONAT_PROTOCOL, REACHABILITY_KNOWN_VERIFIERS_SCAN } from './constants.js'
import { NatPolicy } from './nat-policy.js'
import { isCircuit } from './relayed-only.js'
import { Reachability, type ReachabilityState } from './reachability.js'

export interface TraversalInfo {
  reachability: ReachabilityState
  /** Addresses dial-backs reached. */
  confirmedAddresses: string[]
  /** `/p2p-circuit` addresses this node is reachable at through its reservations. */
  relayAddresses: string[]
  relayService: { mode: NodeConfig['relayService'], serving: boolean, reservations: number }
}

/** How a connection came to be: dialed by this node, accepted, or a direct connection made by hole punching. */
export type ConnectionOrigin = 'dialed' | 'accepted' | 'hole-punched'

/** DCUtR's protocol id (libp2p specs). */
const DCUTR_PROTOCOL = '/libp2p/dcutr'

/** Connections remembered as hole-punched: bounded, ids of closed connections are dropped first. */
const MAX_TRACKED_PUNCHES = 1024

export class Traversal {
  readonly reachability: Reachability
  private readonly autonat: AutonatServer
  private readonly punched = new Set<string>()
  private readonly onOpen: (evt: CustomEvent<Connection>) => void
  private readonly policy: NatPolicy
  private readonly onIdentify: (evt: CustomEvent<{ observedAddr?: Multiaddr, peerId: PeerId, connection: Connection }>) => void

  constructor (private readonly libp2p: GossipdLibp2p, private readonly config: NodeConfig, log: Logger) {
    const transports = transportManagerOf(libp2p)
    const addresses = addressManagerOf(libp2p)
    this.reachability = new Reachability({
      peerId: libp2p.peerId,
      getConnections: () => libp2p.getConnections(),
      protocolsOf: async peer => libp2p.peerStore.get(peer).then(p => p.protocols, () => []),
      listenAddrs: () => transports.getAddrs().filter(a => !isCircuit(a)),
      knownVerifiers: async () => (await libp2p.peerStore.all({
        // a peer at a public address may serve AutoNAT; the ones known to (from identify) come first
        filters: [p => p.addresses.some(a => !isCircuit(a.multiaddr) && !isPrivate(a.multiaddr))],
        limit: REACHABILITY_KNOWN_VERIFIERS_SCAN
      })).sort((a, b) => Number(b.protocols.includes(AUTONAT_PROTOCOL)) - Number(a.protocols.includes(AUTONAT_PROTOCOL)) || Math.random() - 0.5).map(p => p.id),
      dial: async (peer, signal) => libp2p.dial(peer, { signal }),
      confirm: addr => { addresses.confirmObservedAddr(addr) },
      log
    })
    this.autonat = new AutonatServer({
      handle: async (protocol, handler, opts) => libp2p.handle(protocol, handler, opts),
      unhandle: async protocol => libp2p.unhandle(protocol),
      dialNew: async (addr, signal) => libp2p.dial(addr, { signal, force: true }),
      log
    })
    this.policy = new NatPolicy({
      reachability: this.reachability,
      setDhtMode: async mode => {
        if (libp2p.services.dht.getMode() !== mode) await libp2p.services.dht.setMode(mode)
      },
      relayServer: startableRelay(libp2p.services.relay),
      listenOnRelays: async count => transports.listen(Array.from({ length: count }, () => multiaddr('/p2p-circuit'))),
      log
    }, { relayService: config.relayService, relayReservations: config.relayReservations })
    // a direct connection that opens while DCUtR runs on a relayed one to the same peer is its hole punch
    this.onOpen = evt => {
      const conn = evt.detail
      if (conn.limits != null) return
      const punching = libp2p.getConnections(conn.remotePeer).some(c => c.id !== conn.id && c.limits != null && c.streams.some(s => s.protocol === DCUTR_PROTOCOL))
      if (!punching) return
      if (this.punched.size >= MAX_TRACKED_PUNCHES) {
        const open = new Set(libp2p.getConnections().map(c => c.id))
        for (const id of this.punched) if (!open.has(id)) this.punched.delete(id)
        if (this.punched.size >= MAX_TRACKED_PUNCHES) this.punched.delete(this.punched.values().next().value as string)
      }
      this.punched.add(conn.id)
      log.info({ peer: conn.remotePeer.toString(), remoteAddr: conn.remoteAddr.toString() }, 'hole punch made a direct connection')
    }
    // what a peer saw us at, over a direct connection only: through a relay it sees the relay's address
    this.onIdentify = evt => {
      if (evt.detail.connection.limits == null) this.reachability.observe(evt.detail.observedAddr, evt.detail.peerId)
    }
  }

  async start (): Promise<void> {
    this.libp2p.addEventListener('peer:identify', this.onIdentify)
    this.libp2p.addEventListener('connection:open', this.onOpen)
    await this.autonat.start()
    this.reachability.start()
    await this.policy.start()
  }

  async stop (): Promise<void> {
    this.libp2p.removeEventListener('peer:identify', this.onIdentify)
    this.libp2p.removeEventListener('connection:open', this.onOpen)
    this.reachability.stop()
    await this.autonat.stop()
    await this.policy.stop()
  }

  originOf (conn: { id: string, direction: 'inbound' | 'outbound' }): ConnectionOrigin {
    if (this.punched.has(conn.id)) return 'hole-punched'
    return conn.direction === 'outbound' ? 'dialed' : 'accepted'
  }

  info (): TraversalInfo {
    const relay = this.libp2p.services.relay
    return {
      reachability: this.reachability.state,
      confirmedAddresses: this.reachability.confirmed,
      relayAddresses: this.libp2p.getMultiaddrs().filter(isCircuit).map(String),
      relayService: {
        mode: this.config.relayService,
        serving: startableRelay(relay)?.isStarted() ?? false,
        reservations: relay?.reservations.size ?? 0
      }
    }
  }
}
