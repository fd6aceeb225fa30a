/**
 * The part of gossipsub the messaging feature uses. Two calls sit off the `GossipSub` interface (the mesh of a
 * topic, and per-publish options); they are checked at run time, so a release that moves them fails loudly.
 */
import type { GossipSub, PublishResult } from '@libp2p/gossipsub'

interface GossipSubInternals {
  getMeshPeers(topic: string): string[]
  publish(topic: string, data: Uint8Array, opts?: { allowPublishToZeroTopicPeers?: boolean }): Promise<PublishResult>
}

export function meshPeersOf (pubsub: GossipSub, topic: string): string[] {
  const g = pubsub as unknown as Partial<GossipSubInternals>
  if (typeof g.getMeshPeers !== 'function') throw new Error('this gossipsub version has no getMeshPeers')
  return g.getMeshPeers(topic)
}

/** Publish, failing (rather than silently sending to nobody) when no peer subscribes to the topic. */
export async function publishStrict (pubsub: GossipSub, topic: string, data: Uint8Array): Promise<PublishResult> {
  return (pubsub as unknown as GossipSubInternals).publish(topic, data, { allowPublishToZeroTopicPeers: false })
}

/** Gossipsub's error when nobody subscribes; it throws plain `Error`s, told apart by message. */
export function isNoPeersError (err: unknown): boolean {
  return err instanceof Error && err.message === 'PublishError.NoPeersSubscribedToTopic'
}
