/**
 * A bounded, persisted message log: one SQLite table, several channels (one per topic, or the direct inbox).
 * Each message gets a sequence number that only grows (the cursor readers page and resume with); a message id
 * is stored once per channel, so a re-delivery is recognised and never shows twice. The oldest messages of a
 * channel are dropped beyond `limit`, in batches: a channel may hold up to 1 % more (at most
 * `HISTORY_TRIM_BATCH` messages) between two trims, and a limit under 100 is kept exactly.
 */
import { HISTORY_TRIM_BATCH } from './constants.js'
import type { Database } from '../storage/database.js'
import { migrate } from '../storage/database.js'

export interface StoredMessage {
  seq: number
  id: string
  /** The topic, or the inbox's channel name. */
  channel: string
  /** Peer id of the author. */
  from: string
  /** Author's nickname, when the message carried one. */
  nick?: string
  data: Uint8Array
  /** When the author sent it (ms since epoch), when known. */
  sentAt?: number
  /** When this node stored it (ms since epoch). */
  receivedAt: number
  /** The author's signature over the message, for topic messages: what lets another node check it was not forged. */
  signed?: Signature
}

/** A gossipsub StrictSign message's proof of authorship, kept so the message can be served to other nodes. */
export interface Signature {
  /** 8-byte big-endian sequence number. */
  seqno: Uint8Array
  signature: Uint8Array
  /** The author's public key (protobuf), only when its peer id does not embed it. */
  key?: Uint8Array
}

export type NewMessage = Omit<StoredMessage, 'seq' | 'receivedAt'> & { receivedAt?: number }

export interface PageOptions {
  /** Only messages with a greater sequence number. @default 0 */
  after?: number
  /** At most this many. */
  limit: number
}

interface Row {
  seq: number
  id: string
  channel: string
  sender: string
  nick: string | null
  data: Uint8Array
  sent_at: number | null
  received_at: number
  seqno: Uint8Array | null
  signature: Uint8Array | null
  pubkey: Uint8Array | null
}

function fromRow (r: Row): StoredMessage {
  return {
    seq: r.seq,
    id: r.id,
    channel: r.channel,
    from: r.sender,
    ...(r.nick != null ? { nick: r.nick } : {}),
    data: new Uint8Array(r.data),
    ...(r.sent_at != null ? { sentAt: r.sent_at } : {}),
    receivedAt: r.received_at,
    ...(r.seqno != null && r.signature != null
      ? { signed: { seqno: new Uint8Array(r.seqno), signature: new Uint8Array(r.signature), ...(r.pubkey != null ? { key: new Uint8Array(r.pubkey) } : {}) } }
      : {})
  }
}

/** Columns added after the first release; a store created before them gets them on open. */
const ADDED_COLUMNS = ['seqno BLOB', 'signature BLOB', 'pubkey BLOB']

/** Table names are fixed by the code, never by input; checked anyway because they are spliced into SQL. */
function checkTable (name: string): string {
  if (!/^[a-z_]+$/.test(name)) throw new Error(`bad table name ${name}`)
  return name
}

export class MessageLog {
  private readonly insertStmt
  private readonly trimStmt
  private readonly countStmt
  /**
   * Messages held per channel, counted once and then kept up to date, so that storing a message trims only
   * when its channel is over the limit. Finding the limit-th newest row on every insert walked up to `limit`
   * index entries: about 50 us of CPU per message at 5,000 held, the largest single cost of a publish
   * (bench/history-append.js).
   */
  private readonly counts = new Map<string, number>()
  /**
   * Messages a channel may hold over the limit before the excess is dropped in one statement. Dropping the oldest
   * row on every insert once a channel was full rewrote the B-tree pages at the old end of the table and of its
   * three indexes for each message: 131 against 50 us per insert (bench/history-append.js).
   */
  private readonly slack: number
  private readonly pageStmt
  private readonly lastSeqStmt
  private readonly channelsStmt
  private readonly hasStmt
  private readonly recentPlanStmt
  private readonly signedStmt
  private readonly recentIdsStmt

  constructor (db: Database, table: string, private readonly limit: number) {
    const t = checkTable(table)
    this.slack = Math.min(HISTORY_TRIM_BATCH, Math.floor(limit / 100))
    migrate(db, [
      `CREATE TABLE IF NOT EXISTS ${t} (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        channel TEXT NOT NULL,
        id TEXT NOT NULL,
        sender TEXT NOT NULL,
        nick TEXT,
        data BLOB NOT NULL,
        sent_at INTEGER,
        received_at INTEGER NOT NULL
      )`,
      `CREATE UNIQUE INDEX IF NOT EXISTS ${t}_channel_id ON ${t} (channel, id)`,
      `CREATE INDEX IF NOT EXISTS ${t}_channel_seq ON ${t} (channel, seq)`
    ])
    const have = new Set((db.prepare(`PRAGMA table_info(${t})`).all() as Array<{ name: string }>).map(c => c.name))
    migrate(db, [
      ...ADDED_COLUMNS.filter(c => !have.has(c.split(' ')[0])).map(c => `ALTER TABLE ${t} ADD COLUMN ${c}`),
      `CREATE INDEX IF NOT EXISTS ${t}_channel_received ON ${t} (channel, received_at)`
    ])
    this.insertStmt = db.prepare(`INSERT INTO ${t} (channel, id, sender, nick, data, sent_at, received_at, seqno, signature, pubkey)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel, id) DO NOTHING RETURNING seq`)
    this.trimStmt = db.prepare(`DELETE FROM ${t} WHERE seq IN (
      SELECT seq FROM ${t} WHERE channel = ? ORDER BY seq LIMIT ?)`)
    this.countStmt = db.prepare(`SELECT COUNT(*) AS n FROM ${t} WHERE channel = ?`)
    this.pageStmt = db.prepare(`SELECT * FROM ${t} WHERE channel = ? AND seq > ? ORDER BY seq LIMIT ?`)
    this.lastSeqStmt = db.prepare(`SELECT MAX(seq) AS seq, COUNT(*) AS n, MAX(received_at) AS at FROM ${t} WHERE channel = ?`)
    this.channelsStmt = db.prepare(`SELECT DISTINCT channel FROM ${t}`)
    this.hasStmt = db.prepare(`SELECT 1 AS x FROM ${t} WHERE channel = ? AND id = ?`)
    this.recentPlanStmt = db.prepare(`SELECT seq, length(data) + length(channel) AS bytes FROM ${t} WHERE channel = ? AND received_at >= ?
      AND signature IS NOT NULL AND id NOT IN (SELECT value FROM json_each(?)) ORDER BY received_at DESC, seq DESC LIMIT ?`)
    this.signedStmt = db.prepare(`SELECT * FROM ${t} WHERE channel = ? AND seq = ? AND signature IS NOT NULL`)
    this.recentIdsStmt = db.prepare(`SELECT id FROM ${t} WHERE channel = ? AND received_at >= ? ORDER BY received_at DESC, seq DESC LIMIT ?`)
  }

  /** Store a message; returns it with its sequence number, or undefined if this channel already holds its id. */
  append (msg: NewMessage): StoredMessage | undefined {
    const receivedAt = msg.receivedAt ?? Date.now()
    const s = msg.signed
    const row = this.insertStmt.get(msg.channel, msg.id, msg.from, msg.nick ?? null, msg.data, msg.sentAt ?? null, receivedAt,
      s?.seqno ?? null, s?.signature ?? null, s?.key ?? null) as { seq: number } | undefined
    if (row == null) return undefined
    const known = this.counts.get(msg.channel)
    let count = known != null ? known + 1 : (this.countStmt.get(msg.channel) as { n: number }).n
    if (count > this.limit + this.slack) {
      this.trimStmt.run(msg.channel, count - this.limit)
      count = this.limit
    }
    this.counts.set(msg.channel, count)
    return { ...msg, seq: row.seq, receivedAt }
  }

  page (channel: string, opts: PageOptions): StoredMessage[] {
    return (this.pageStmt.all(channel, opts.after ?? 0, opts.limit) as unknown as Row[]).map(fromRow)
  }

  /** Whether the channel holds a message with this id. */
  has (channel: string, id: string): boolean {
    return this.hasStmt.get(channel, id) != null
  }

  /**
   * The signed messages this node stored at or after `since` (ms since epoch), newest first, at most `limit`,
   * leaving out those whose id is in `except` (the asker holds them): their sequence numbers, cut where the
   * messages' bytes (body and channel name, plus `perMessageBytes` each) would pass `maxBytes`; `truncated` when
   * the cut left some out. No body is read.
   */
  signedPlan (channel: string, since: number, limit: number, except: string[], maxBytes: number, perMessageBytes: number): { seqs: number[], truncated: boolean } {
    const rows = this.recentPlanStmt.all(channel, since, JSON.stringify(except), limit) as Array<{ seq: number, bytes: number }>
    const seqs: number[] = []
    let total = 0
    for (const r of rows) {
      total += r.bytes + perMessageBytes
      if (total > maxBytes) return { seqs, truncated: true }
      seqs.push(r.seq)
    }
    return { seqs, truncated: false }
  }

  /** One signed message of a channel by its sequence number; undefined when it is gone (trimmed) or unsigned. */
  signedAt (channel: string, seq: number): StoredMessage | undefined {
    const row = this.signedStmt.get(channel, seq) as Row | undefined
    return row != null ? fromRow(row) : undefined
  }

  /** Ids of the newest `limit` messages stored at or after `since`. */
  idsSince (channel: string, since: number, limit: number): string[] {
    return (this.recentIdsStmt.all(channel, since, limit) as Array<{ id: string }>).map(r => r.id)
  }

  /**
   * The newest sequence number and message count of a channel (0 and 0 when empty), and when its newest message
   * was stored (undefined when empty).
   */
  stats (channel: string): { lastSeq: number, count: number, lastReceivedAt?: number } {
    const r = this.lastSeqStmt.get(channel) as { seq: number | null, n: number, at: number | null }
    return { lastSeq: r.seq ?? 0, count: r.n, ...(r.at != null ? { lastReceivedAt: r.at } : {}) }
  }

  channels (): string[] {
    return (this.channelsStmt.all() as Array<{ channel: string }>).map(r => r.channel)
  }
}
