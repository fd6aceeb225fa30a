/**
 * Duplicate copies of a topic message are dropped before their signature is checked again (gossipsub's
 * `fastMsgIdFn`, src/messaging/message-id.ts). Four fully connected nodes: every subscriber receives each
 * message from the publisher and once more from each other mesh peer that forwards it. Each signature must be
 * checked once per receiver, not once per copy, and every message is still stored once. A copy of a node's own
 * message sent back to it is dropped without a check at all.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { RPC } from '@libp2p/gossipsub/message'
import type { Message } from '@libp2p/gossipsub'
import { fastMessageId, seqnoBytes } from '../../src/messaging/message-id.js'
import { createRawPeer, type RawPeer } from '../helpers/raw-peer.js'
import { startFullMesh, startNode, stopNode, waitFor, type TestNode } from './helpers.js'

const TOPIC = 'dups'
const MESSAGES = 30

describe('fastMessageId', () => {
  const from = new Uint8Array(38).fill(7)
  const seqno = new Uint8Array([0, 0, 0, 0, 0, 0, 1, 2])

  it('is the same for the same author and sequence number, whatever the data, topic or signature', () => {
    const a = fastMessageId({ from, seqno, topic: 't', data: new Uint8Array([1]), signature: new Uint8Array(64) })
    const b = fastMessageId({ from: new Uint8Array(from), seqno: new Uint8Array(seqno), topic: 'u', data: new Uint8Array([2]) })
    expect(a).toBe(b)
    expect(a).not.toBe('')
  })

  it('differs when the author or the sequence number differs, including across the split between them', () => {
    const base = fastMessageId({ from, seqno, topic: 't' })
    expect(fastMessageId({ from, seqno: new Uint8Array([0, 0, 0, 0, 0, 0, 1, 3]), topic: 't' })).not.toBe(base)
    expect(fastMessageId({ from: new Uint8Array(38).fill(8), seqno, topic: 't' })).not.toBe(base)
    // the same bytes cut in a different place are a different pair
    const joined = new Uint8Array([...from, ...seqno])
    expect(fastMessageId({ from: joined.subarray(0, 37), seqno: joined.subarray(37), topic: 't' })).not.toBe(base)
    // a subarray view is read at its offset, not from the start of its buffer
    expect(fastMessageId({ from: joined.subarray(0, 38), seqno: joined.subarray(38), topic: 't' })).toBe(base)
  })

  it('gives no id to a message without author or sequence number (never valid under StrictSign)', () => {
    expect(fastMessageId({ seqno, topic: 't' })).toBe('')
    expect(fastMessageId({ from, topic: 't' })).toBe('')
    // decoded from the wire, the fields are absent, not empty
    expect(fastMessageId(RPC.Message.decode(RPC.Message.encode({ topic: 't', data: new Uint8Array([1]) })))).toBe('')
  })
})

describe('duplicate copies of a message between four fully connected nodes', () => {
  const nodes: TestNode[] = []

  beforeAll(async () => {
    nodes.push(...await startFullMesh(4, TOPIC))
  })

  afterAll(async () => {
    vi.restoreAllMocks()
    await Promise.all(nodes.map(async n => stopNode(n)))
  })

  it('checks each signature once per receiver, not once per copy, and stores each message once', async () => {
    const [publisher, ...receivers] = nodes
    // Ed25519 public keys share one prototype: count the checks of this publisher's signatures in the process
    const proto = Object.getPrototypeOf(publicKeyFromRaw(new Uint8Array(32))) as { verify: (...args: unknown[]) => unknown }
    const author = publisher.node.libp2p.peerId.publicKey!.raw
    const sameKey = (raw: Uint8Array): boolean => raw.length === author.length && raw.every((b, i) => b === author[i])
    const verify = vi.spyOn(proto, 'verify')
    // duplicates reported by gossipsub's peer scoring: proof that copies arrived and were recognised
    const duplicates = receivers.map(r => vi.spyOn((r.node.libp2p.services.pubsub as any).score, 'duplicateMessage'))

    for (let i = 0; i < MESSAGES; i++) await publisher.node.topics.publish(TOPIC, new TextEncoder().encode(`m${i}`))
    await waitFor(() => receivers.every(r => r.node.topics.history(TOPIC, { limit: 100 }).length === MESSAGES), 'every message at every receiver')
    // let the forwarded copies still in flight arrive
    await new Promise(resolve => setTimeout(resolve, 1_000))

    const checks = verify.mock.contexts.filter(key => sameKey((key as { raw: Uint8Array }).raw)).length
    const copiesDropped = duplicates.reduce((sum, d) => sum + d.mock.calls.length, 0)
    verify.mockRestore()
    // copies reached the receivers (each forwards to the two others), so the test is about something
    expect(copiesDropped).toBeGreaterThanOrEqual(MESSAGES)
    // one check per message per receiver; two copies arriving at once may both be checked before either is
    // recorded (the test below shows copies of its own messages cost the publisher none)
    expect(checks).toBeLessThanOrEqual(MESSAGES * nodes.length)
    expect(checks).toBeGreaterThanOrEqual(MESSAGES * receivers.length)
    for (const r of receivers) {
      const ids = r.node.topics.history(TOPIC, { limit: 100 }).map(m => m.id)
      expect(new Set(ids).size).toBe(MESSAGES)
    }
  })
})

describe('a copy of its own message sent back to the publisher', () => {
  let publisher: TestNode
  let raw: RawPeer

  beforeAll(async () => {
    publisher = await startNode({ nick: 'publisher' })
    raw = await createRawPeer({ gossipsub: { globalSignaturePolicy: 'StrictSign', emitSelf: false } })
    await raw.dial(publisher.node.libp2p.getMultiaddrs()[0])
    publisher.node.topics.subscribe(TOPIC)
    raw.services.pubsub!.subscribe(TOPIC)
    await waitFor(() => publisher.node.libp2p.services.pubsub.getSubscribers(TOPIC).some(p => p.equals(raw.peerId)) &&
      raw.services.pubsub!.getSubscribers(TOPIC).some(p => p.equals(publisher.node.libp2p.peerId)), 'publisher and raw peer see each other subscribed')
  })

  afterAll(async () => {
    vi.restoreAllMocks()
    await raw?.stop()
    if (publisher != null) await stopNode(publisher)
  })

  it('is dropped as a duplicate without its signature being checked', async () => {
    const received: Message[] = []
    raw.services.pubsub!.addEventListener('message', e => { received.push(e.detail) })
    for (let i = 0; i < 5; i++) await publisher.node.topics.publish(TOPIC, new TextEncoder().encode(`own ${i}`))
    await waitFor(() => received.length === 5, 'the raw peer holds the five messages')

    const proto = Object.getPrototypeOf(publicKeyFromRaw(new Uint8Array(32))) as { verify: (...args: unknown[]) => unknown }
    const verify = vi.spyOn(proto, 'verify')
    const duplicates = vi.spyOn((publisher.node.libp2p.services.pubsub as any).score, 'duplicateMessage')
    // the raw peer forwards each message back, as a mesh peer that got it from someone else would
    const pubsub = raw.services.pubsub as unknown as { sendRpc(id: string, rpc: RPC): boolean }
    for (const m of received) {
      if (m.type !== 'signed') throw new Error('expected signed messages')
      const sent = pubsub.sendRpc(publisher.node.libp2p.peerId.toString(), {
        subscriptions: [],
        messages: [{ from: m.from.toMultihash().bytes, data: m.data, seqno: seqnoBytes(m.sequenceNumber), topic: m.topic, signature: m.signature }]
      })
      expect(sent).toBe(true)
    }
    // the copies arrived and were recognised: proof the test is about something
    await waitFor(() => duplicates.mock.calls.length >= 5, 'the publisher counts the five copies as duplicates')
    expect(verify).not.toHaveBeenCalled()
    expect(publisher.node.topics.history(TOPIC, { limit: 100 })).toHaveLength(5)
  })
})
