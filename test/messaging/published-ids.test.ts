import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Message } from '@libp2p/gossipsub'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { messageId, messageIdToString, seqnoBytes } from '../../src/messaging/message-id.js'
import { PublishedIds } from '../../src/messaging/published-ids.js'

async function signed (data: Uint8Array, seqno: bigint): Promise<Message> {
  const key = (await generateKeyPair('Ed25519')).publicKey
  return { type: 'signed', from: peerIdFromPublicKey(key), topic: 't', data, sequenceNumber: seqno, signature: new Uint8Array([1, 2, 3]), key }
}

describe('PublishedIds', () => {
  it('hands each publish the id and signature gossipsub computed for its own buffer, concurrent publishes apart', async () => {
    const ids = new PublishedIds()
    const a = new Uint8Array([1])
    const b = new Uint8Array([1]) // equal bytes, another buffer: told apart by identity
    const ma = await signed(a, 7n)
    const mb = await signed(b, 8n)
    const pa = ids.publish('t', a, async () => {
      await new Promise(resolve => setTimeout(resolve, 5))
      ids.msgIdFn(ma)
      return 'sent a'
    })
    const pb = ids.publish('t', b, async () => { ids.msgIdFn(mb); return 'sent b' })
    const [ra, rb] = await Promise.all([pa, pb])
    expect(ra.result).toBe('sent a')
    expect(ra.id).toBe(messageIdToString(messageId(ma)))
    expect(ra.signed.seqno).toEqual(seqnoBytes(7n))
    expect(rb.id).toBe(messageIdToString(messageId(mb)))
    expect(rb.id).not.toBe(ra.id)
  })

  it('fails with MissingMessageIdError when gossipsub never asked for the id, and holds nothing afterwards', async () => {
    const ids = new PublishedIds()
    const data = new Uint8Array([9])
    const err = await ids.publish('t', data, async () => 'sent').catch((e: unknown) => e)
    expect((err as Error).name).toBe('MissingMessageIdError')
    // a message received (not published) is named but not recorded
    const other = await signed(new Uint8Array([4]), 1n)
    expect(ids.msgIdFn(other)).toEqual(messageId(other))
    expect((ids as unknown as { pending: Map<unknown, unknown> }).pending.size).toBe(0)
  })
})
