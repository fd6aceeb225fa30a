/**
 * Renames topic messages stored under the old message id (the author's public key protobuf, then the 8-byte
 * seqno) to the id gossipd uses now (the author's peer id bytes, then the seqno: message-id.ts). Without it, a
 * node upgraded with history on disk would list every stored message under an id no peer uses, and a history
 * catch-up's `have` list would not match what peers answer, so it would fetch everything again.
 *
 * An old id is recognised by its shape: a key protobuf starts with field 1 (the key type, byte 0x08), while a
 * peer id multihash starts with 0x00 (identity) or 0x12 (sha2-256). Rows of any other shape are left alone.
 */
import { publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import { migrateOnce, type Database } from '../storage/database.js'
import { messageIdToString, signedMessageId } from './message-id.js'

/** The migration's name in `schema_migrations`. */
export const MESSAGE_ID_MIGRATION = 'topic-message-ids-from-peer-id'

/** A key protobuf's first byte: field 1 (KeyType), wire type varint. */
const KEY_PROTOBUF_FIRST_BYTE = 0x08
const SEQNO_BYTES = 8

/** The new form of an id stored in the old form, or undefined when `id` is not an old id. */
export function upgradeMessageId (id: string): string | undefined {
  const bytes = Buffer.from(id, 'base64url')
  if (bytes.byteLength <= SEQNO_BYTES || bytes[0] !== KEY_PROTOBUF_FIRST_BYTE) return undefined
  try {
    const key = publicKeyFromProtobuf(bytes.subarray(0, bytes.byteLength - SEQNO_BYTES))
    return messageIdToString(signedMessageId(key.toMultihash().bytes, bytes.subarray(bytes.byteLength - SEQNO_BYTES)))
  } catch {
    return undefined
  }
}

/**
 * Rewrite the ids of `table` (a MessageLog table of topic messages) once per database. Returns the rows renamed,
 * or undefined when the migration had run before.
 */
export function migrateMessageIds (db: Database, table: string): number | undefined {
  let renamed = 0
  const ran = migrateOnce(db, MESSAGE_ID_MIGRATION, () => {
    const rows = db.prepare(`SELECT seq, id FROM ${table}`).all() as Array<{ seq: number, id: string }>
    const update = db.prepare(`UPDATE ${table} SET id = ? WHERE seq = ?`)
    for (const row of rows) {
      const id = upgradeMessageId(row.id)
      if (id == null) continue
      update.run(id, row.seq)
      renamed++
    }
  })
  return ran ? renamed : undefined
}
