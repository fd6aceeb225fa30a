/**
 * Whether this node can be dialed from outside, decided from dial-backs, never from the range an address is
 * in: a company network or a carrier NAT uses private ranges too, and a public address can sit behind a
 * firewall. Peers that speak AutoNAT v1 are asked to dial the node back at its candidate addresses (its
 * non-private listen addresses, and the IPs peers observe it at with its listen port, as a port-forwarding
 * router would map them). One confirmed dial-back makes the node `public`; failed dial-backs from at least
 * REACHABILITY_PRIVATE_AFTER_FAILURES distinct peers, with no success, make it `private`; otherwise `unknown`.
 * A node with no candidate address (a loopback or container swarm) asks nobody and stays `unknown`.
 */
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { isLoopback, isPrivate, lpStream } from '@libp2p/utils'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Logger } from '../logger.js'
import { decodeDialResponse, DialStatus, encodeDial } from './autonat-wire.js'
import {
  AUTONAT_MAX_MESSAGE_BYTES, AUTONAT_PROTOCOL, MAX_PEER_ADDRESSES, REACHABILITY_DIALBACK_TIMEOUT_MS, REACHABILITY_MAX_RESULTS,
  REACHABILITY_PEERS_PER_ROUND, REACHABILITY_PRIVATE_AFTER_FAILURES, REACHABILITY_PROBE_MS, REACHABILITY_RECHECK_MS,
  REACHABILITY_VERIFIER_DIAL_MS
} from './constants.js'
import { deadline, withDeadline } from './deadline.js'

export type ReachabilityState = 'public' | 'private' | 'unknown'

export interface ReachabilityComponents {
  peerId: PeerId
  getConnections(): Connection[]
  protocolsOf(peer: PeerId): Promise<string[]>
  /** The transport addresses the node listens on (no relay addresses). */
  listenAddrs(): Multiaddr[]
  /** Peers the peer store knows to serve AutoNAT, for when too few are connected. */
  knownVerifiers(): Promise<PeerId[]>
  /** Tell libp2p a dial-back reached this address, so it announces it. */
  confirm(addr: Multiaddr): void
  /** Open a connection to a peer. */
  dial(peer: PeerId, signal: AbortSignal): Promise<Connection>
  log: Logger
}

export interface ReachabilityInit {
  /** ms between probes while undecided. @default REACHABILITY_PROBE_MS */
  probeMs?: number
  /** ms between probes once decided. @default REACHABILITY_RECHECK_MS */
  recheckMs?: number
}

interface DialBack { peer: string, ok: boolean, addr?: string, at: number }

export class Reachability {
  private results: DialBack[] = []
  private readonly observed = new Map<string, Set<string>>()
  private readonly listeners = new Set<(state: ReachabilityState) => void>()
  private current: ReachabilityState = 'unknown'
  private timer?: ReturnType<typeof setTimeout>
  private stopped = true
  private probing?: Promise<void>

  constructor (private readonly c: ReachabilityComponents, private readonly init: ReachabilityInit = {}) {}

  get state (): ReachabilityState {
    return this.current
  }

  /** Addresses a dial-back reached, newest first. */
  get confirmed (): string[] {
    return [...new Set(this.results.filter(r => r.ok && r.addr != null).map(r => r.addr as string))]
  }

  /** Dial-back answers received: successes and failures. */
  get counts (): { ok: number, failed: number } {
    return { ok: this.results.filter(r => r.ok).length, failed: this.results.filter(r => !r.ok).length }
  }

  onChange (listener: (state: ReachabilityState) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /** Remember the address a peer saw this node at (from its identify message), if it is not private. */
  observe (addr: Multiaddr | undefined, peer: PeerId): void {
    if (addr == null || isPrivate(addr) || isLoopback(addr)) return
    const ip = addr.getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')?.value
    if (ip == null) return
    let peers = this.observed.get(ip)
    if (peers == null) {
      // a peer writes what it observed: keep a bounded set of IPs, oldest dropped first
      if (this.observed.size >= MAX_PEER_ADDRESSES) this.observed.delete(this.observed.keys().next().value as string)
      peers = new Set()
      this.observed.set(ip, peers)
    }
    if (peers.size < MAX_PEER_ADDRESSES) peers.add(peer.toString())
    // a first observed address is worth a probe at once; later ones wait for the next round
    if (peers.size === 1 && this.current === 'unknown' && !this.stopped && this.probing == null) this.schedule(0)
  }

  /** The addresses to ask a dial-back on. */
  candidates (): Multiaddr[] {
    const out = new Map<string, Multiaddr>()
    for (const la of this.c.listenAddrs()) {
      const comps = la.getComponents()
      const ipc = comps.find(c => c.name === 'ip4' || c.name === 'ip6')
      const port = comps.find(c => c.name === 'tcp')?.value
      if (ipc == null || port == null || isLoopback(la)) continue
      if (ipc.value !== '0.0.0.0' && ipc.value !== '::' && !isPrivate(la)) out.set(la.toString(), la)
      for (const ip of this.observed.keys()) {
        const ma = multiaddr(`/${ip.includes(':') ? 'ip6' : 'ip4'}/${ip}/tcp/${port}`)
        out.set(ma.toString(), ma)
      }
    }
    return [...out.values()].slice(0, MAX_PEER_ADDRESSES)
  }

  start (): void {
    this.stopped = false
    this.schedule(0)
  }

  stop (): void {
    this.stopped = true
    clearTimeout(this.timer)
  }

  /** Run one round of dial-back requests now; resolves when their answers are in. */
  async probe (): Promise<void> {
    if (this.probing != null) return this.probing
    this.probing = this.round().finally(() => { this.probing = undefined })
    return this.probing
  }

  private schedule (ms: number): void {
    clearTimeout(this.timer)
    if (this.stopped) return
    this.timer = setTimeout(() => {
      void this.probe().catch(() => {}).finally(() => {
        this.schedule(this.current === 'unknown' ? (this.init.probeMs ?? REACHABILITY_PROBE_MS) : (this.init.recheckMs ?? REACHABILITY_RECHECK_MS))
      })
    }, ms)
    this.timer.unref?.()
  }

  private async round (): Promise<void> {
    const addrs = this.candidates()
    if (addrs.length === 0) return
    const verifiers = await this.pickVerifiers()
    this.c.log.debug({ candidates: addrs.map(String), verifiers: verifiers.map(v => v.remotePeer.toString()) }, 'asking for dial-backs')
    await Promise.all(verifiers.map(async conn => this.ask(conn, addrs)))
    this.decide()
  }

  /**
   * Direct connections to peers that serve AutoNAT, accepted ones first: a peer that dialed this node is the
   * one whose dial-back answers for the address it used; one this node dialed may answer from that connection.
   */
  private async pickVerifiers (): Promise<Connection[]> {
    const byPeer = new Map<string, Connection>()
    const conns = this.c.getConnections()
      .filter(c => c.status === 'open' && c.limits == null)
      .sort((a, b) => (a.direction === 'inbound' ? 0 : 1) - (b.direction === 'inbound' ? 0 : 1) || Math.random() - 0.5)
    for (const conn of conns) {
      const key = conn.remotePeer.toString()
      if (byPeer.has(key)) continue
      if (!(await this.c.protocolsOf(conn.remotePeer)).includes(AUTONAT_PROTOCOL)) continue
      byPeer.set(key, conn)
      if (byPeer.size >= REACHABILITY_PEERS_PER_ROUND) break
    }
    // too few connected verifiers to decide (a node behind a NAT may know only its bootstrap): dial known ones
    if (byPeer.size < REACHABILITY_PEERS_PER_ROUND) {
      const more = (await this.c.knownVerifiers()).filter(p => !byPeer.has(p.toString()) && !p.equals(this.c.peerId))
        .slice(0, REACHABILITY_PEERS_PER_ROUND - byPeer.size)
      await Promise.all(more.map(async peer => {
        try {
          const conn = await withDeadline(REACHABILITY_VERIFIER_DIAL_MS, async signal => this.c.dial(peer, signal))
          if (conn.limits == null) byPeer.set(peer.toString(), conn)
        } catch { /* not reachable from here */ }
      }))
    }
    return [...byPeer.values()]
  }

  private async ask (conn: Connection, addrs: Multiaddr[]): Promise<void> {
    // cleared once the answer is in, or the request failed
    const limit = deadline(REACHABILITY_DIALBACK_TIMEOUT_MS)
    const signal = limit.signal
    let stream: Stream | undefined
    try {
      stream = await conn.newStream(AUTONAT_PROTOCOL, { signal })
      const lp = lpStream(stream, { maxDataLength: AUTONAT_MAX_MESSAGE_BYTES })
      await lp.write(encodeDial(this.c.peerId.toMultihash().bytes, addrs.map(a => a.bytes)), { signal })
      const res = decodeDialResponse((await lp.read({ signal })).subarray())
      await stream.close({ signal }).catch(() => {})
      // refusals (no address it may dial, a bad request) say nothing about reachability
      if (res.status !== DialStatus.OK && res.status !== DialStatus.E_DIAL_ERROR) return
      let addr: string | undefined
      try { addr = res.addr == null ? undefined : multiaddr(res.addr).toString() } catch { /* not an address */ }
      // only an address this node asked about is confirmed: the answer names it, but a peer could name any
      const asked = addrs.find(a => a.toString() === addr)
      if (res.status === DialStatus.OK && asked != null) this.c.confirm(asked)
      this.record({ peer: conn.remotePeer.toString(), ok: res.status === DialStatus.OK, addr, at: Date.now() })
    } catch (err) {
      stream?.abort(err as Error)
      this.c.log.debug({ peer: conn.remotePeer.toString(), err: (err as Error).message }, 'dial-back request failed')
    } finally {
      limit.clear()
    }
  }

  private record (r: DialBack): void {
    // one verdict per peer (its latest), the newest REACHABILITY_MAX_RESULTS in all
    this.results = [r, ...this.results.filter(x => x.peer !== r.peer)].slice(0, REACHABILITY_MAX_RESULTS)
  }

  private decide (): void {
    const next: ReachabilityState = this.results.some(r => r.ok)
      ? 'public'
      : this.results.filter(r => !r.ok).length >= REACHABILITY_PRIVATE_AFTER_FAILURES ? 'private' : 'unknown'
    if (next === this.current) return
    this.c.log.info({ from: this.current, to: next, ...this.counts }, 'reachability changed')
    this.current = next
    for (const l of this.listeners) l(next)
  }
}
