/**
 * Stored topic messages named by the old id (author key protobuf ++ seqno) are renamed, once, to the id gossipd
 * now gives them (author peer id ++ seqno, go-libp2p-pubsub's default); ids of another shape are left alone.
 */
import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import type { Message } from '@libp2p/gossipsub'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MessageLog } from '../../src/messaging/history.js'
import { messageId, messageIdToString, seqnoBytes } from '../../src/messaging/message-id.js'
import { MESSAGE_ID_MIGRATION, migrateMessageIds, upgradeMessageId } from '../../src/messaging/message-id-migration.js'
import { openDatabase, type Database } from '../../src/storage/database.js'

let dir: string
let db: Database

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'message-id-migration-'))
  db = openDatabase(dir)
})

afterEach(async () => {
  db.close()
  await rm(dir, { recursive: true, force: true })
})

/** The id gossipd stored before: key protobuf ++ 8-byte seqno. */
function oldId (key: PrivateKey, seqno: bigint): string {
  const k = publicKeyToProtobuf(key.publicKey)
  return Buffer.concat([k, seqnoBytes(seqno)]).toString('base64url')
}

/** The id gossipsub gives the same message now, through the node's own `msgIdFn`. */
function newId (key: PrivateKey, seqno: bigint, topic: string): string {
  const msg: Message = {
    type: 'signed',
    from: peerIdFromPrivateKey(key),
    key: key.publicKey,
    sequenceNumber: seqno,
    topic,
    data: new Uint8Array([1]),
    signature: new Uint8Array(64)
  }
  return messageIdToString(messageId(msg))
}

describe('message id migration', () => {
  it('renames old ids of Ed25519, secp256k1 and RSA authors to the peer-id form, and nothing else', async () => {
    const keys = [await generateKeyPair('Ed25519'), await generateKeyPair('secp256k1'), await generateKeyPair('RSA', 2048)]
    const log = new MessageLog(db, 'topic_messages', 100)
    keys.forEach((key, i) => {
      log.append({ channel: 'news', id: oldId(key, BigInt(1000 + i)), from: peerIdFromPrivateKey(key).toString(), data: new Uint8Array([i]) })
    })
    // already in the new form, and an id of some other shape: both stay as they are
    const current = newId(keys[0], 7n, 'news')
    log.append({ channel: 'news', id: current, from: peerIdFromPrivateKey(keys[0]).toString(), data: new Uint8Array([9]) })
    log.append({ channel: 'news', id: 'not-a-gossipsub-id', from: 'x', data: new Uint8Array([10]) })

    expect(migrateMessageIds(db, 'topic_messages')).toBe(3)

    const ids = log.page('news', { limit: 10 }).map(m => m.id)
    expect(ids).toEqual([
      ...keys.map((key, i) => newId(key, BigInt(1000 + i), 'news')),
      current,
      'not-a-gossipsub-id'
    ])
    // the new id is the author's peer id bytes then the seqno: go-libp2p-pubsub's default
    const peerIdBytes = peerIdFromPrivateKey(keys[2]).toMultihash().bytes
    expect(Buffer.from(ids[2], 'base64url')).toEqual(Buffer.concat([peerIdBytes, seqnoBytes(1002n)]))
    expect(log.has('news', newId(keys[1], 1001n, 'news'))).toBe(true)
  })

  it('runs once per database', async () => {
    const key = await generateKeyPair('Ed25519')
    const log = new MessageLog(db, 'topic_messages', 100)
    expect(migrateMessageIds(db, 'topic_messages')).toBe(0)
    // a row stored in the old form after the migration ran is not touched again
    log.append({ channel: 'news', id: oldId(key, 1n), from: 'x', data: new Uint8Array([1]) })
    expect(migrateMessageIds(db, 'topic_messages')).toBeUndefined()
    expect(log.page('news', { limit: 10 }).map(m => m.id)).toEqual([oldId(key, 1n)])
    expect(db.prepare('SELECT name FROM schema_migrations').all()).toEqual([{ name: MESSAGE_ID_MIGRATION }])
  })

  it('leaves ids that only look like a key protobuf', () => {
    expect(upgradeMessageId(Buffer.from([0x08, 0x01, 0x12, 0x02, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).toString('base64url'))).toBeUndefined()
    expect(upgradeMessageId('CA')).toBeUndefined()
  })
})
