/**
 * The libp2p datastore, in memory as libp2p's default, with limits on the kad-dht provider records that other
 * peers write into it. kad-dht stores every ADD_PROVIDER record a connected peer sends, keyed by whatever
 * multihash it names (an identity hash of 1 MiB is a valid one) and without any cap; its provider store has no
 * hook for either. Here a record is stored only when its key is a known hash of the right length (sha2-256) and
 * the peer, and all remote peers together, hold fewer records than the caps. A refused record throws
 * `ProviderRecordRefusedError`, which makes kad-dht reset the peer's stream. This node's own records (it
 * provides its files) are neither checked nor counted.
 */
import type { PeerId } from '@libp2p/interface'
import { MemoryDatastore } from 'datastore-core/memory'
import type { Key } from 'interface-datastore/key'
import { base32 } from 'multiformats/bases/base32'
import * as Digest from 'multiformats/hashes/digest'
import { DHT_MAX_PROVIDER_RECORDS, DHT_MAX_PROVIDER_RECORDS_PER_PEER, DHT_PROVIDER_HASHES } from './constants.js'
import { ProviderRecordRefusedError } from '../errors.js'

type AbortOptions = { signal?: AbortSignal }

/** Where kad-dht keeps provider records: `<datastorePrefix>/provider/<base32 multihash>/<peer id>`. */
export const PROVIDER_KEY_PREFIX = '/dht/provider/'

export interface ProviderLimitsInit {
  /** This node: its own records are not limited. */
  self: PeerId
  /** @default DHT_MAX_PROVIDER_RECORDS_PER_PEER */
  maxPerPeer?: number
  /** @default DHT_MAX_PROVIDER_RECORDS */
  maxTotal?: number
  /** Multihash code to digest length of the keys accepted. @default DHT_PROVIDER_HASHES */
  hashes?: ReadonlyMap<number, number>
}

/** Longest base32 multihash string any accepted hash can have (code and length varints, digest). */
function maxKeyChars (hashes: ReadonlyMap<number, number>): number {
  return Math.ceil((Math.max(0, ...hashes.values()) + 2 * 9) * 8 / 5)
}

/** True when `encoded` (kad-dht's base32 without multibase prefix) is a multihash of a code and length accepted. */
export function isAcceptedProviderKey (encoded: string, hashes: ReadonlyMap<number, number> = DHT_PROVIDER_HASHES): boolean {
  if (encoded.length === 0 || encoded.length > maxKeyChars(hashes)) return false
  try {
    const digest = Digest.decode(base32.baseDecode(encoded))
    return hashes.get(digest.code) === digest.size
  } catch {
    return false
  }
}

export class ProviderLimitDatastore extends MemoryDatastore {
  private readonly self: string
  private readonly maxPerPeer: number
  private readonly maxTotal: number
  private readonly hashes: ReadonlyMap<number, number>
  /** Remote peers' provider record keys stored, and how many each peer holds. */
  private readonly remote = new Set<string>()
  private readonly perPeer = new Map<string, number>()

  constructor (init: ProviderLimitsInit) {
    super()
    this.self = init.self.toString()
    this.maxPerPeer = init.maxPerPeer ?? DHT_MAX_PROVIDER_RECORDS_PER_PEER
    this.maxTotal = init.maxTotal ?? DHT_MAX_PROVIDER_RECORDS
    this.hashes = init.hashes ?? DHT_PROVIDER_HASHES
  }

  /** Provider records held for remote peers: in total, and for one peer when given. */
  remoteRecords (peer?: string): number {
    return peer == null ? this.remote.size : this.perPeer.get(peer) ?? 0
  }

  override put (key: Key, val: Uint8Array, options?: AbortOptions): Key | Promise<Key> {
    const k = key.toString()
    if (k.startsWith(PROVIDER_KEY_PREFIX) && !this.remote.has(k)) this.admit(k)
    return super.put(key, val, options)
  }

  override delete (key: Key, options?: AbortOptions): void | Promise<void> {
    const k = key.toString()
    if (this.remote.delete(k)) {
      const peer = k.slice(k.lastIndexOf('/') + 1)
      const n = (this.perPeer.get(peer) ?? 1) - 1
      if (n > 0) this.perPeer.set(peer, n)
      else this.perPeer.delete(peer)
    }
    return super.delete(key, options)
  }

  /** Check a new remote record against the key rules and caps, and count it; throws when refused. */
  private admit (k: string): void {
    const slash = k.lastIndexOf('/')
    const peer = k.slice(slash + 1)
    if (peer === this.self) return
    const encoded = k.slice(PROVIDER_KEY_PREFIX.length, slash)
    if (!isAcceptedProviderKey(encoded, this.hashes)) {
      throw new ProviderRecordRefusedError(`provider record key of ${encoded.length} characters is not an accepted multihash`)
    }
    const held = this.perPeer.get(peer) ?? 0
    if (held >= this.maxPerPeer) throw new ProviderRecordRefusedError(`${peer} holds ${held} provider records, the most one peer may`)
    if (this.remote.size >= this.maxTotal) throw new ProviderRecordRefusedError(`${this.remote.size} provider records held, the most this node keeps`)
    this.remote.add(k)
    this.perPeer.set(peer, held + 1)
  }
}
