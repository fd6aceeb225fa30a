/**
 * Gossipsub hardening: StrictSign, the frame and decode limits, and peer scoring that prunes a peer publishing
 * invalid messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  GOSSIPSUB_GRAYLIST_THRESHOLD, GOSSIPSUB_HEARTBEAT_MS, GOSSIPSUB_MAX_RPC_BYTES
} from '../../src/node/constants.js'
import type { GossipdNode } from '../../src/index.js'
import { meshPeersOf } from '../../src/messaging/pubsub.js'
import { TestNodes, waitFor } from '../helpers/nodes.js'
import { RawPeers } from '../helpers/raw-peer.js'

const TOPIC = 'hardening'
const text = (s: string): Uint8Array => new TextEncoder().encode(s)

/** Gossipsub's score of a peer as seen by `node` (getScore is on the implementation, not the interface). */
const scoreOf = (node: GossipdNode, peer: string): number => (node.libp2p.services.pubsub as unknown as { getScore(id: string): number }).getScore(peer)

describe('gossipsub hardening', () => {
  const nodes = new TestNodes()
  let victim: GossipdNode
  let honest: GossipdNode
  let hostile: GossipdNode
  const raws = new RawPeers()

  beforeAll(async () => {
    victim = await nodes.add({ minConnections: 0 })
    honest = await nodes.addJoining(victim, { minConnections: 0 })
    hostile = await nodes.addJoining(victim, { minConnections: 0 })
    // the victim refuses anything starting with "bad"; the others accept everything
    victim.topics.setValidator(TOPIC, m => !new TextDecoder().decode(m.data).startsWith('bad'))
    for (const n of [victim, honest, hostile]) n.topics.subscribe(TOPIC)
    await waitFor(() => {
      const mesh = meshPeersOf(victim.libp2p.services.pubsub, TOPIC)
      return mesh.includes(honest.peerId.toString()) && mesh.includes(hostile.peerId.toString())
    }, 20_000, 'honest and hostile peers in the victim\'s mesh')
  })

  afterAll(async () => {
    await raws.stopAll()
    await nodes.cleanup()
  })

  it('signs and requires signatures (StrictSign)', () => {
    expect(victim.libp2p.services.pubsub.globalSignaturePolicy).toBe('StrictSign')
  })

  it('scores a peer publishing rejected messages below the graylist threshold and prunes it from the mesh', async () => {
    const pubsub = victim.libp2p.services.pubsub
    const hostileId = hostile.peerId.toString()
    const before = scoreOf(victim, hostileId)
    expect(before).toBeGreaterThanOrEqual(0)
    for (let i = 0; i < 5; i++) await hostile.topics.publish(TOPIC, text(`bad ${i}`))
    await waitFor(() => scoreOf(victim, hostileId) < GOSSIPSUB_GRAYLIST_THRESHOLD, 10_000, 'hostile score below graylist')
    // the heartbeat prunes every mesh peer with a negative score
    await waitFor(() => !meshPeersOf(pubsub, TOPIC).includes(hostileId), 10_000, 'hostile pruned from the mesh')
    expect(victim.topics.history(TOPIC, { limit: 100 }).some(m => new TextDecoder().decode(m.data).startsWith('bad'))).toBe(false)
    // the honest peer is untouched: positive score, still in the mesh, its messages arrive
    expect(scoreOf(victim, honest.peerId.toString())).toBeGreaterThanOrEqual(0)
    expect(meshPeersOf(pubsub, TOPIC)).toContain(honest.peerId.toString())
    await honest.topics.publish(TOPIC, text('hello from honest'))
    await waitFor(() => victim.topics.history(TOPIC, { limit: 100 }).some(m => new TextDecoder().decode(m.data) === 'hello from honest'), 10_000, 'honest message')
    // it is not grafted back while its score is negative (a few heartbeats later it is still out)
    await new Promise(resolve => setTimeout(resolve, 3 * GOSSIPSUB_HEARTBEAT_MS))
    expect(meshPeersOf(pubsub, TOPIC)).not.toContain(hostileId)
    expect(scoreOf(victim, hostileId)).toBeLessThan(0)
  })

  it('ignores unsigned messages from a StrictNoSign peer', async () => {
    const raw = await raws.add({ gossipsub: { globalSignaturePolicy: 'StrictNoSign', emitSelf: false } })
    await raw.dial(victim.libp2p.getMultiaddrs()[0])
    const pubsub = raw.services.pubsub!
    pubsub.subscribe(TOPIC)
    await waitFor(() => victim.libp2p.services.pubsub.getSubscribers(TOPIC).some(p => p.equals(raw.peerId)) &&
      pubsub.getSubscribers(TOPIC).some(p => p.equals(victim.peerId)), 10_000, 'raw peer and victim see each other subscribed')
    for (let i = 0; i < 3; i++) await pubsub.publish(TOPIC, text(`unsigned ${i}`))
    await honest.topics.publish(TOPIC, text('signed after unsigned'))
    await waitFor(() => victim.topics.history(TOPIC, { limit: 1000 }).some(m => new TextDecoder().decode(m.data) === 'signed after unsigned'), 10_000, 'signed message')
    expect(victim.topics.history(TOPIC, { limit: 1000 }).some(m => new TextDecoder().decode(m.data).startsWith('unsigned'))).toBe(false)
    await waitFor(() => scoreOf(victim, raw.peerId.toString()) < 0, 10_000, 'unsigned publisher scored down')
  })

  it('drops an RPC frame over the inbound limit without storing it, and keeps serving others', async () => {
    const raw = await raws.add({ gossipsub: { globalSignaturePolicy: 'StrictSign', emitSelf: false, maxOutboundBufferSize: 64 * 1024 * 1024 } })
    await raw.dial(victim.libp2p.getMultiaddrs()[0])
    const pubsub = raw.services.pubsub!
    pubsub.subscribe(TOPIC)
    await waitFor(() => victim.libp2p.services.pubsub.getSubscribers(TOPIC).some(p => p.equals(raw.peerId)) &&
      pubsub.getSubscribers(TOPIC).some(p => p.equals(victim.peerId)), 10_000, 'raw peer and victim see each other subscribed')
    const huge = new Uint8Array(GOSSIPSUB_MAX_RPC_BYTES + 1024).fill(0x61)
    await pubsub.publish(TOPIC, huge)
    // a message over --max-message-size that fits a frame is refused by the topic's size check
    await pubsub.publish(TOPIC, new Uint8Array(victim.config.maxMessageSize + 1).fill(0x62))
    await honest.topics.publish(TOPIC, text('still serving'))
    await waitFor(() => victim.topics.history(TOPIC, { limit: 1000 }).some(m => new TextDecoder().decode(m.data) === 'still serving'), 10_000, 'message after the oversized frame')
    expect(victim.topics.history(TOPIC, { limit: 1000 }).every(m => m.data.byteLength <= victim.config.maxMessageSize)).toBe(true)
    expect(victim.isStarted).toBe(true)
  })
})
