/**
 * The (sender, id) pairs of direct messages received, so a retry whose ack was lost is acknowledged again but
 * stored only once. Rows are kept for the sender's retry horizon (pruned by age) and, per sender, only the newest
 * `maxPerSender`: a peer sending without pause would otherwise add a row per message for the whole horizon.
 * Beyond the cap the oldest pairs are forgotten, so only a retry of a message older than the sender's last
 * `maxPerSender` could be stored twice.
 */
import { DM_SEEN_MAX_PER_SENDER, DM_SEEN_TRIM_EVERY } from './constants.js'
import { migrate, type Database } from '../storage/database.js'

export interface SeenMessagesInit {
  /** @default DM_SEEN_MAX_PER_SENDER */
  maxPerSender?: number
  /** Fresh rows from one sender between two trims of its rows. @default DM_SEEN_TRIM_EVERY */
  trimEvery?: number
}

/** Senders whose count of fresh rows since their last trim is kept; when it is full, all of them are trimmed. */
const TRACKED_SENDERS = 1024

export class SeenMessages {
  private readonly stmts
  private readonly maxPerSender: number
  private readonly trimEvery: number
  private readonly sinceTrim = new Map<string, number>()

  constructor (db: Database, init: SeenMessagesInit = {}) {
    this.maxPerSender = init.maxPerSender ?? DM_SEEN_MAX_PER_SENDER
    this.trimEvery = Math.max(1, init.trimEvery ?? DM_SEEN_TRIM_EVERY)
    migrate(db, [
      'CREATE TABLE IF NOT EXISTS dm_seen (sender TEXT NOT NULL, id TEXT NOT NULL, seen_at INTEGER NOT NULL, PRIMARY KEY (sender, id))',
      'CREATE INDEX IF NOT EXISTS dm_seen_at ON dm_seen (seen_at)',
      'CREATE INDEX IF NOT EXISTS dm_seen_sender_at ON dm_seen (sender, seen_at)'
    ])
    this.stmts = {
      add: db.prepare('INSERT INTO dm_seen (sender, id, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      prune: db.prepare('DELETE FROM dm_seen WHERE seen_at < ?'),
      trim: db.prepare(`DELETE FROM dm_seen WHERE rowid IN (
        SELECT rowid FROM dm_seen WHERE sender = ? ORDER BY seen_at DESC, rowid DESC LIMIT -1 OFFSET ?)`),
      count: db.prepare('SELECT COUNT(*) AS n FROM dm_seen WHERE sender = ?')
    }
  }

  /** Remember a pair; true when it is new. Call inside the transaction that stores the message. */
  add (sender: string, id: string, now = Date.now()): boolean {
    const fresh = this.stmts.add.run(sender, id, now).changes > 0
    if (fresh) {
      const n = (this.sinceTrim.get(sender) ?? 0) + 1
      if (n >= this.trimEvery) {
        this.stmts.trim.run(sender, this.maxPerSender)
        this.sinceTrim.delete(sender)
      } else {
        if (this.sinceTrim.size >= TRACKED_SENDERS && !this.sinceTrim.has(sender)) {
          for (const tracked of this.sinceTrim.keys()) this.stmts.trim.run(tracked, this.maxPerSender)
          this.sinceTrim.clear()
        }
        this.sinceTrim.set(sender, n)
      }
    }
    return fresh
  }

  /** Forget pairs seen before `before` (ms since the epoch). */
  prune (before: number): void {
    this.stmts.prune.run(before)
  }

  /** Pairs remembered for a sender. */
  count (sender: string): number {
    return (this.stmts.count.get(sender) as { n: number }).n
  }
}
