/**
 * A node whose whole gossipsub mesh withholds messages. Its mesh peers receive and store what is published but
 * forward nothing; one honest peer is connected to it outside the mesh. Lazy gossip (IHAVE to non-mesh peers every
 * heartbeat, `--lazy-gossip-peers`) is what brings it the message then, within a few heartbeats; with none
 * (`--lazy-gossip-peers 0`) gossip never does, and the message waits for history catch-up. This is why lazy gossip
 * stays on by default although it costs CPU per message (docs/PERFORMANCE.md, "Lighter nodes").
 *
 * The topology is built by hand: each node speaks a Kademlia protocol of its own, so no lookup dials a peer the
 * test did not connect, and none keeps a minimum of connections.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { GossipdNode, NodeConfig } from '../../src/index.js'
import { meshPeersOf } from '../../src/messaging/pubsub.js'
import { GOSSIPSUB_D, GOSSIPSUB_HEARTBEAT_MS } from '../../src/node/constants.js'
import { TestNodes, waitFor } from '../helpers/nodes.js'

const TOPIC = 'withheld'
const WITHHOLDERS = GOSSIPSUB_D
/** How long gossip is given to bring the message: a few heartbeats. */
const GOSSIP_WINDOW_MS = 5 * GOSSIPSUB_HEARTBEAT_MS

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const idOf = (n: GossipdNode): string => n.peerId.toString()
const meshOf = (n: GossipdNode): string[] => meshPeersOf(n.libp2p.services.pubsub, TOPIC)

interface Forwarding { forwardMessage: (...args: unknown[]) => void }

/** The swarm of the test: a publisher, mesh peers that withhold, an honest relay, and the victim. */
async function withholdingSwarm (nodes: TestNodes, settings: Partial<NodeConfig>): Promise<{ publisher: GossipdNode, relay: GossipdNode, victim: GossipdNode, withholders: GossipdNode[] }> {
  let k = 0
  // no DHT between them (a protocol each), no minimum of connections: only the links made below
  const add = async (): Promise<GossipdNode> => nodes.add({ minConnections: 0, dhtProtocol: `/gossipd-test/kad/withholding-${k++}`, ...settings })
  const publisher = await add()
  const relay = await add()
  const withholders: GossipdNode[] = []
  for (let i = 0; i < WITHHOLDERS; i++) withholders.push(await add())
  const victim = await add()
  // the withholders take part in the mesh but forward nothing
  for (const w of withholders) (w.libp2p.services.pubsub as unknown as Forwarding).forwardMessage = () => {}
  const dial = async (from: GossipdNode, to: GossipdNode): Promise<void> => { await from.libp2p.dial(to.libp2p.getMultiaddrs()[0]) }
  for (const w of withholders) {
    await dial(publisher, w)
    await dial(relay, w)
  }
  await dial(publisher, relay)
  for (const n of [publisher, relay, ...withholders]) n.topics.subscribe(TOPIC)
  // the relay's mesh is full before the victim arrives, so it never grafts the victim
  await waitFor(() => meshOf(relay).length >= GOSSIPSUB_D, 20_000, 'the relay\'s mesh')
  victim.topics.subscribe(TOPIC)
  for (const w of withholders) await dial(victim, w)
  await waitFor(() => meshOf(victim).length === WITHHOLDERS, 20_000, 'the victim\'s mesh of withholders')
  // then the honest peer, outside the victim's mesh
  await dial(victim, relay)
  await waitFor(() => relay.libp2p.services.pubsub.getSubscribers(TOPIC).some(p => p.equals(victim.peerId)), 10_000, 'the relay sees the victim subscribed')
  await new Promise(resolve => setTimeout(resolve, 2 * GOSSIPSUB_HEARTBEAT_MS))
  return { publisher, relay, victim, withholders }
}

type MessageListener = (evt: CustomEvent<{ topic: string, data: Uint8Array }>) => void
interface MessageEvents {
  addEventListener: (type: 'message', listener: MessageListener) => void
  removeEventListener: (type: 'message', listener: MessageListener) => void
}

/**
 * Resolves with the time the victim's gossipsub delivered a message with this body, or undefined after `ms`.
 * Gossipsub's own event: a message stored from history catch-up does not raise it.
 */
async function gossipDelivery (victim: GossipdNode, body: string, ms: number): Promise<number | undefined> {
  const pubsub = victim.libp2p.services.pubsub as unknown as MessageEvents
  const t0 = Date.now()
  return new Promise(resolve => {
    const onMessage: MessageListener = evt => {
      if (evt.detail.topic !== TOPIC || new TextDecoder().decode(evt.detail.data) !== body) return
      clearTimeout(timer)
      pubsub.removeEventListener('message', onMessage)
      resolve(Date.now() - t0)
    }
    const timer = setTimeout(() => { pubsub.removeEventListener('message', onMessage); resolve(undefined) }, ms)
    pubsub.addEventListener('message', onMessage)
  })
}

/**
 * Publish `body` in a withholding swarm with `settings` and watch the victim for the gossip window: when its
 * gossipsub delivered it (undefined if it did not), with the victim's mesh checked to be the withholders alone
 * before and after, and every withholder holding the message (so none can have forwarded it unseen).
 */
async function publishWithheld (nodes: TestNodes, settings: Partial<NodeConfig>, body: string): Promise<{ gossipMs: number | undefined, victim: GossipdNode }> {
  const { publisher, relay, victim, withholders } = await withholdingSwarm(nodes, settings)
  expect(meshOf(victim).sort()).toEqual(withholders.map(idOf).sort())
  expect(meshOf(relay)).not.toContain(idOf(victim))
  const delivered = gossipDelivery(victim, body, GOSSIP_WINDOW_MS)
  await publisher.topics.publish(TOPIC, text(body))
  await waitFor(() => withholders.every(w => w.topics.history(TOPIC, { limit: 10 }).length === 1), 5_000, 'the withholders store it')
  const gossipMs = await delivered
  expect(meshOf(victim)).not.toContain(idOf(relay))
  return { gossipMs, victim }
}

describe('a mesh that withholds messages', () => {
  const nodes = new TestNodes()
  afterEach(async () => { await nodes.cleanup() })

  it('lazy gossip from a peer outside the mesh brings the message within a few heartbeats (the default)', async () => {
    const { gossipMs, victim } = await publishWithheld(nodes, {}, 'withheld 1')
    expect(gossipMs).toBeDefined()
    expect(victim.topics.history(TOPIC, { limit: 10 }).map(m => new TextDecoder().decode(m.data))).toEqual(['withheld 1'])
  })

  it('with no lazy gossip, gossip never brings it; only history catch-up does', async () => {
    const { gossipMs, victim } = await publishWithheld(nodes, { lazyGossipPeers: 0 }, 'withheld 2')
    expect(gossipMs).toBeUndefined()
    // the peers that serve history hold it: a catch-up stores it, every 2 s while a node joins (as this victim
    // does), every 30 s after
    await waitFor(() => victim.topics.history(TOPIC, { limit: 10 }).length === 1, 40_000, 'the message through history catch-up')
  }, 60_000)
})
