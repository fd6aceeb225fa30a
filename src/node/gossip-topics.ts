/**
 * A bound on the topic names gossipsub takes from peers. Gossipsub checks every subscription and message a
 * peer sends against its `allowedTopics` set, when it has one, and drops those not in it; it bounds no name's
 * length. gossipd's topics are named at run time, so no fixed set fits: this instance's `allowedTopics` is
 * replaced by a set-like object whose `has` admits every name up to `maxBytes` of UTF-8.
 */
import type { GossipSub } from '@libp2p/gossipsub'
import { TOPIC_MAX_BYTES } from './constants.js'

/** True when `topic` is at most `maxBytes` long in UTF-8. */
export function topicFits (topic: string, maxBytes = TOPIC_MAX_BYTES): boolean {
  // a UTF-16 code unit takes at least one UTF-8 byte: long strings are refused without encoding them
  return topic.length <= maxBytes && Buffer.byteLength(topic, 'utf8') <= maxBytes
}

/** What gossipsub reads of `allowedTopics`. */
interface TopicFilter { has(topic: string): boolean }

/**
 * Drop peers' subscriptions and messages whose topic name is longer than `maxBytes`. Throws when the gossipsub
 * release no longer keeps `allowedTopics`, so an upgrade fails loudly rather than dropping the bound.
 */
export function limitTopicNames (pubsub: GossipSub, maxBytes = TOPIC_MAX_BYTES): void {
  const internals = pubsub as unknown as { allowedTopics?: TopicFilter | null }
  if (!('allowedTopics' in internals)) throw new Error('this gossipsub version keeps no allowedTopics')
  if (internals.allowedTopics != null) throw new Error('gossipsub already has an allowedTopics set')
  internals.allowedTopics = { has: topic => topicFits(topic, maxBytes) }
}
