/**
 * Gossipsub peer scoring for a private swarm: a peer whose messages a topic validator rejects is scored down,
 * leaves the mesh at the next heartbeat and, below the graylist threshold, is ignored altogether.
 *
 * Gossipsub scores only topics listed in its parameters, and gossipd's topics are named by users at run time,
 * so every topic this node subscribes to gets the same parameters (`scoreSubscribedTopics`). Topics it never
 * joined get none: gossipsub keeps per-peer statistics for every topic that has parameters, keyed by its name,
 * so answering every name let a peer grow them with each message on a new topic.
 */
import type { GossipSub } from '@libp2p/gossipsub'
import { createTopicScoreParams, type PeerScoreParams, type PeerScoreThresholds, type TopicScoreParams } from '@libp2p/gossipsub/score'
import {
  GOSSIPSUB_GOSSIP_THRESHOLD, GOSSIPSUB_GRAYLIST_THRESHOLD, GOSSIPSUB_INVALID_MESSAGE_DECAY,
  GOSSIPSUB_INVALID_MESSAGE_WEIGHT, GOSSIPSUB_PUBLISH_THRESHOLD
} from './constants.js'

/**
 * Per-topic parameters. Only what holds in a quiet topic of a small swarm counts: time in mesh and first
 * deliveries raise a score a little, invalid messages lower it a lot. Mesh-delivery quotas (P3, P3b) are off:
 * in a topic with a message a minute they would score every honest peer down and tear the mesh apart.
 */
export const TOPIC_SCORE_PARAMS: TopicScoreParams = createTopicScoreParams({
  topicWeight: 1,
  timeInMeshWeight: 0.01,
  timeInMeshQuantum: 1_000,
  timeInMeshCap: 300,
  firstMessageDeliveriesWeight: 1,
  firstMessageDeliveriesDecay: 0.9,
  firstMessageDeliveriesCap: 10,
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  invalidMessageDeliveriesWeight: GOSSIPSUB_INVALID_MESSAGE_WEIGHT,
  invalidMessageDeliveriesDecay: GOSSIPSUB_INVALID_MESSAGE_DECAY
})

/**
 * Peer-wide parameters. IP colocation (P6) is off: on loopback, behind a NAT or in one container network every
 * peer of a swarm shares an address, and the default penalty would graylist a healthy 40-node swarm.
 */
export const PEER_SCORE_PARAMS: Partial<PeerScoreParams> = {
  topicScoreCap: 10,
  IPColocationFactorWeight: 0
}

export const PEER_SCORE_THRESHOLDS: Partial<PeerScoreThresholds> = {
  gossipThreshold: GOSSIPSUB_GOSSIP_THRESHOLD,
  publishThreshold: GOSSIPSUB_PUBLISH_THRESHOLD,
  graylistThreshold: GOSSIPSUB_GRAYLIST_THRESHOLD
}

interface Scored {
  score?: { params?: { topics?: Record<string, TopicScoreParams> } }
  subscriptions?: Set<string>
}

/**
 * Score the topics this node subscribes to with `TOPIC_SCORE_PARAMS`, as long as it is subscribed. Gossipsub
 * reads a topic's parameters with `params.topics[topic]`; the answer follows its own set of subscriptions, so no
 * hook is needed on subscribe. Throws when the gossipsub release keeps its score or subscriptions elsewhere, so
 * an upgrade that would silently turn scoring off fails loudly instead.
 */
export function scoreSubscribedTopics (pubsub: GossipSub, params: TopicScoreParams = TOPIC_SCORE_PARAMS): void {
  const internals = pubsub as unknown as Scored
  const score = internals.score
  const subscribed = internals.subscriptions
  if (score?.params?.topics == null) throw new Error('this gossipsub version keeps no score.params.topics')
  if (!(subscribed instanceof Set)) throw new Error('this gossipsub version keeps no subscriptions set')
  const listed = score.params.topics
  score.params.topics = new Proxy(listed, {
    get: (target, key) => {
      if (typeof key !== 'string') return undefined
      if (Object.hasOwn(target, key)) return target[key]
      return subscribed.has(key) ? params : undefined
    }
  })
}

interface Scores {
  getScore?: (peerId: string) => number
}

/**
 * This node's gossipsub score of a peer. `getScore` is a public method of the gossipsub class that its exported
 * `GossipSub` interface does not list; a release without it reads as 0 rather than breaking the peer table.
 */
export function gossipScoreOf (pubsub: GossipSub, peerId: string): number {
  return (pubsub as unknown as Scores).getScore?.(peerId) ?? 0
}
