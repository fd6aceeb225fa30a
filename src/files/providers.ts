/**
 * DHT provider records for files: announce what this node holds (again every FILES_REPROVIDE_INTERVAL_MS, and
 * soon after a failed attempt, e.g. one made before any peer was connected) and find who holds a file.
 */
import type { PeerId, PeerInfo } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import type { CID } from 'multiformats/cid'
import { FILES_PROVIDE_RETRY_MS, FILES_PROVIDE_TIMEOUT_MS, FILES_REPROVIDE_INTERVAL_MS } from './constants.js'
import type { Logger } from '../logger.js'
import { parseFileId } from './manifest.js'
import { withDeadline } from '../node/deadline.js'

export interface ProvidersComponents {
  peerId: PeerId
  dht: Pick<KadDHT, 'provide' | 'findProviders' | 'cancelReprovide'>
  /** Remember addresses learned from provider records, so the peer can be dialled by id. */
  rememberAddresses(info: PeerInfo): Promise<void>
  log: Logger
}

export interface ProvidersOptions {
  /** @default FILES_REPROVIDE_INTERVAL_MS */
  reprovideIntervalMs?: number
  /** @default FILES_PROVIDE_RETRY_MS */
  retryMs?: number
}

export class Providers {
  /** File id -> time of the last announcement that reached at least one peer (0: never). */
  private readonly announced = new Map<string, number>()
  private timer?: NodeJS.Timeout
  private running = false
  private readonly controller = new AbortController()
  private readonly reprovideMs: number
  private readonly retryMs: number

  constructor (private readonly c: ProvidersComponents, opts: ProvidersOptions = {}) {
    this.reprovideMs = opts.reprovideIntervalMs ?? FILES_REPROVIDE_INTERVAL_MS
    this.retryMs = opts.retryMs ?? FILES_PROVIDE_RETRY_MS
  }

  start (): void {
    this.timer = setInterval(() => { void this.tick() }, this.retryMs)
    this.timer.unref()
  }

  stop (): void {
    clearInterval(this.timer)
    this.controller.abort()
  }

  /** Announce a file now and keep announcing it. */
  announce (id: string): void {
    if (!this.announced.has(id)) this.announced.set(id, 0)
    void this.tick()
  }

  async forget (id: string): Promise<void> {
    this.announced.delete(id)
    await this.c.dht.cancelReprovide(parseFileId(id)).catch(() => {})
  }

  /** Files whose record is due, one at a time so a node sharing thousands does not flood the DHT. */
  private async tick (): Promise<void> {
    if (this.running) return
    this.running = true
    try {
      for (const [id, last] of this.announced) {
        if (this.controller.signal.aborted) return
        if (last !== 0 && Date.now() - last < this.reprovideMs) continue
        const reached = await this.provide(parseFileId(id))
        if (reached > 0 && this.announced.has(id)) this.announced.set(id, Date.now())
      }
    } finally {
      this.running = false
    }
  }

  /** Publish one provider record; returns how many peers stored it. */
  async provide (cid: CID): Promise<number> {
    let reached = 0
    // cleared once the record is out: a node sharing many files publishes one after another
    try {
      await withDeadline(FILES_PROVIDE_TIMEOUT_MS, async signal => {
        for await (const event of this.c.dht.provide(cid, { signal })) {
          if (event.name === 'PEER_RESPONSE' && event.messageName === 'ADD_PROVIDER') reached++
        }
      }, this.controller.signal)
    } catch (err) {
      this.c.log.debug({ file: cid.toString(), err: (err as Error).message }, 'provide failed')
    }
    this.c.log.debug({ file: cid.toString(), reached }, 'provider record published')
    return reached
  }

  /** Peers holding a file according to the DHT (this node excluded), as they are found. */
  async * find (cid: CID, signal: AbortSignal): AsyncGenerator<PeerInfo> {
    const seen = new Set<string>()
    for await (const event of this.c.dht.findProviders(cid, { signal })) {
      if (event.name !== 'PROVIDER') continue
      for (const info of event.providers) {
        const key = info.id.toString()
        if (info.id.equals(this.c.peerId) || seen.has(key)) continue
        seen.add(key)
        if (info.multiaddrs.length > 0) await this.c.rememberAddresses(info).catch(() => {})
        yield info
      }
    }
  }
}
