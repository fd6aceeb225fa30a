/**
 * The part of gossipsub the messaging feature uses. Three parts sit off the `GossipSub` interface (the mesh of a
 * topic, per-publish options, and the cache of fast message ids); they are checked at run time, so a release
 * that moves them fails loudly.
 */
import type { GossipSub, PublishResult } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { fastIdOf } from './message-id.js'
import type { Published, PublishedIds } from './published-ids.js'

interface GossipSubInternals {
  getMeshPeers(topic: string): string[]
  publish(topic: string, data: Uint8Array, opts?: { allowPublishToZeroTopicPeers?: boolean }): Promise<PublishResult>
  /** Fast id (`fastMsgIdFn`) -> message id of every valid message received; present when `fastMsgIdFn` is set. */
  fastMsgIdCache?: { put(fastId: string, msgId: string): boolean }
}

export function meshPeersOf (pubsub: GossipSub, topic: string): string[] {
  const g = pubsub as unknown as Partial<GossipSubInternals>
  if (typeof g.getMeshPeers !== 'function') throw new Error('this gossipsub version has no getMeshPeers')
  return g.getMeshPeers(topic)
}

/** The cache of fast message ids, read off gossipsub (`fastMsgIdCache`, set when `fastMsgIdFn` is). */
export function fastIdCacheOf (pubsub: GossipSub): NonNullable<GossipSubInternals['fastMsgIdCache']> {
  const cache = (pubsub as unknown as GossipSubInternals).fastMsgIdCache
  if (cache == null || typeof cache.put !== 'function') throw new Error('this gossipsub version keeps no fastMsgIdCache (or no fastMsgIdFn is set)')
  return cache
}

export interface PublishStrictOptions {
  /**
   * Put the fast id of each own message in gossipsub's cache of valid ones. Gossipsub remembers the fast id of a
   * message it received and validated, not of one it published. A copy of this node's own message that a mesh
   * peer forwards back (one that got its first copy from another peer) then had its signature checked before it
   * was found to be a duplicate (4.7 % of the samples in a CPU profile of the publisher in
   * `bench/http-publish.js`). Remembering the fast id of what it publishes drops such copies first. It writes a
   * private cache of gossipsub, so stock mode (`stockLibraries`) leaves it out.
   */
  rememberOwnFastIds: boolean
}

/**
 * Publish, failing (rather than silently sending to nobody) when no peer subscribes to the topic. `data` must be
 * a buffer of the caller's own (its id is recorded by it). Returns the message's id and signature.
 */
export async function publishStrict (
  pubsub: GossipSub, ids: PublishedIds, author: PeerId, topic: string, data: Uint8Array, opts: PublishStrictOptions
): Promise<Published & { recipients: number }> {
  const g = pubsub as unknown as GossipSubInternals
  const cache = opts.rememberOwnFastIds ? fastIdCacheOf(pubsub) : undefined
  const { id, signed, result } = await ids.publish(topic, data, async () => g.publish(topic, data, { allowPublishToZeroTopicPeers: false }))
  cache?.put(fastIdOf(author.toMultihash().bytes, signed.seqno), id)
  return { id, signed, recipients: result.recipients.length }
}

/** Gossipsub's error when nobody subscribes; it throws plain `Error`s, told apart by message. */
export function isNoPeersError (err: unknown): boolean {
  return err instanceof Error && err.message === 'PublishError.NoPeersSubscribedToTopic'
}
