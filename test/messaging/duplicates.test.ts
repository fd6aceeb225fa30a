/**
 * Duplicate copies of a topic message are dropped before their signature is checked again (gossipsub's
 * `fastMsgIdFn`, src/messaging/message-id.ts). Four fully connected nodes: every subscriber receives each
 * message from the publisher and once more from each other mesh peer that forwards it. Each signature must be
 * checked once per receiver, not once per copy, and every message is still stored once.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { RPC } from '@libp2p/gossipsub/message'
import { fastMessageId } from '../../src/messaging/message-id.js'
import { startFullMesh, stopNode, waitFor, type TestNode } from './helpers.js'

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
    // one check per message per receiver; a copy echoed back to the publisher may cost it one more
    expect(checks).toBeLessThanOrEqual(MESSAGES * nodes.length)
    expect(checks).toBeGreaterThanOrEqual(MESSAGES * receivers.length)
    for (const r of receivers) {
      const ids = r.node.topics.history(TOPIC, { limit: 100 }).map(m => m.id)
      expect(new Set(ids).size).toBe(MESSAGES)
    }
  })
})
