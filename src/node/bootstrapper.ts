/**
 * Dials the bootstrap list until each entry answers, with exponential backoff, so nodes may start before their
 * bootstrap does. Entries need no peer id (it is learned in the Noise handshake) and may use DNS names, which
 * are resolved here on every attempt (a container's address may change between attempts).
 */
import { lookup } from 'node:dns/promises'
import type { Connection, PeerId } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import {
  BOOTSTRAP_DIAL_TIMEOUT_MS, BOOTSTRAP_RETRY_JITTER, BOOTSTRAP_RETRY_MAX_MS, BOOTSTRAP_RETRY_MIN_MS
} from './constants.js'
import type { Logger } from '../logger.js'
import { withDeadline } from './deadline.js'
import { jittered } from './jitter.js'

export interface BootstrapperComponents {
  peerId: PeerId
  dial(ma: Multiaddr, options: { signal: AbortSignal }): Promise<Connection>
  log: Logger
}

export interface BootstrapperInit {
  list: string[]
  /** @default BOOTSTRAP_RETRY_MIN_MS */
  retryMinMs?: number
  /** @default BOOTSTRAP_RETRY_MAX_MS */
  retryMaxMs?: number
  /** @default BOOTSTRAP_RETRY_JITTER */
  jitter?: number
}

const DNS = /^\/(dns|dns4|dns6)\/([^/]+)(\/.*)$/

/** Turn `/dns4/host/...` into `/ip4/<address>/...`; other addresses pass through. */
export async function resolveBootstrapAddr (addr: string): Promise<Multiaddr> {
  const m = DNS.exec(addr)
  if (m == null) {
    return multiaddr(addr)
  }
  const [, proto, host, rest] = m
  const family = proto === 'dns4' ? 4 : proto === 'dns6' ? 6 : 0
  const found = await lookup(host, { family })
  return multiaddr(`/ip${found.family}/${found.address}${rest}`)
}

export class Bootstrapper {
  private readonly components: BootstrapperComponents
  private readonly list: string[]
  private readonly retryMinMs: number
  private readonly retryMaxMs: number
  private readonly jitter: number
  private controller?: AbortController
  private readonly running = new Set<string>()

  constructor (components: BootstrapperComponents, init: BootstrapperInit) {
    this.components = components
    this.list = init.list
    this.retryMinMs = init.retryMinMs ?? BOOTSTRAP_RETRY_MIN_MS
    this.retryMaxMs = init.retryMaxMs ?? BOOTSTRAP_RETRY_MAX_MS
    this.jitter = init.jitter ?? BOOTSTRAP_RETRY_JITTER
  }

  start (): void {
    this.controller = new AbortController()
    this.kick()
  }

  stop (): void {
    this.controller?.abort()
    this.controller = undefined
  }

  /** Dial every entry not already being dialed (called again when the node finds itself with no peers). */
  kick (): void {
    const signal = this.controller?.signal
    if (signal == null) {
      return
    }
    for (const addr of this.list) {
      if (!this.running.has(addr)) {
        this.running.add(addr)
        void this.dialUntilConnected(addr, signal).finally(() => this.running.delete(addr))
      }
    }
  }

  private async dialUntilConnected (addr: string, signal: AbortSignal): Promise<void> {
    const { log } = this.components
    let delay = this.retryMinMs
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        const ma = await resolveBootstrapAddr(addr)
        // cleared once the dial is over, so a failed attempt leaves no timer running through the backoff
        const conn = await withDeadline(BOOTSTRAP_DIAL_TIMEOUT_MS, async dialSignal => this.components.dial(ma, { signal: dialSignal }), signal)
        log.info({ bootstrap: addr, peer: conn.remotePeer.toString(), attempt }, 'connected to bootstrap peer')
        return
      } catch (err) {
        if (signal.aborted) {
          return
        }
        const message = (err as Error).message
        if (/dial(ing)? (to )?self|tried to dial self/i.test(message) || (err as Error).name === 'InvalidPeerIdError') {
          log.debug({ bootstrap: addr }, 'bootstrap address is this node, skipping')
          return
        }
        log.warn({ bootstrap: addr, attempt, retryInMs: delay, err: message }, 'bootstrap peer not reachable yet, retrying')
      }
      const wait = jittered(delay, this.jitter)
      await new Promise<void>(resolve => {
        const t = setTimeout(resolve, wait)
        signal.addEventListener('abort', () => { clearTimeout(t); resolve() }, { once: true })
      })
      delay = Math.min(delay * 2, this.retryMaxMs)
    }
  }
}
