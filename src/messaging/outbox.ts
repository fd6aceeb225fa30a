/**
 * The persisted outbox of direct messages: every message is written here before the first attempt, so a
 * message the peer has not acknowledged survives a restart and is retried with backoff until its TTL.
 *
 * Each peer's queued messages go out in order, so only the head of a queue (its oldest) has a retry schedule
 * that matters: the scheduler reads the heads that are due, from an index and without bodies, and a body is read
 * only for the one message about to be sent. (Reading every due message, body included, every second held a
 * core at 45 % with 1,000 messages queued for one unreachable peer.)
 */
import { OUTBOX_RETRY_MAX_MS, OUTBOX_RETRY_MIN_MS } from './constants.js'
import { jittered } from '../node/jitter.js'
import { migrate, type Database } from '../storage/database.js'

export type OutboxStatus = 'queued' | 'delivered' | 'expired' | 'rejected'

export interface OutboxEntry {
  id: string
  to: string
  nick?: string
  data: Uint8Array
  createdAt: number
  expiresAt: number
  attempts: number
  nextAttemptAt: number
  status: OutboxStatus
  deliveredAt?: number
  rttMs?: number
  lastError?: string
}

interface Row {
  id: string
  to_peer: string
  nick: string | null
  data: Uint8Array
  created_at: number
  expires_at: number
  attempts: number
  next_attempt_at: number
  status: OutboxStatus
  delivered_at: number | null
  rtt_ms: number | null
  last_error: string | null
}

function fromRow (r: Row): OutboxEntry {
  return {
    id: r.id,
    to: r.to_peer,
    ...(r.nick != null ? { nick: r.nick } : {}),
    data: new Uint8Array(r.data),
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    status: r.status,
    ...(r.delivered_at != null ? { deliveredAt: r.delivered_at } : {}),
    ...(r.rtt_ms != null ? { rttMs: r.rtt_ms } : {}),
    ...(r.last_error != null ? { lastError: r.last_error } : {})
  }
}

/** Delay before retry number `attempts + 1`: doubling from the minimum, capped, with ±20 % jitter so retries spread. */
export function retryDelay (attempts: number, random = Math.random): number {
  const base = Math.min(OUTBOX_RETRY_MAX_MS, OUTBOX_RETRY_MIN_MS * 2 ** Math.max(0, attempts - 1))
  return jittered(base, 0.2, random)
}

export class Outbox {
  private readonly s

  /** `keep`: finished (delivered, expired, rejected) entries kept for `GET /direct/outbox`. */
  constructor (db: Database, private readonly keep: number) {
    migrate(db, [
      `CREATE TABLE IF NOT EXISTS dm_outbox (
        id TEXT PRIMARY KEY,
        to_peer TEXT NOT NULL,
        nick TEXT,
        data BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        status TEXT NOT NULL,
        delivered_at INTEGER,
        rtt_ms REAL,
        last_error TEXT
      )`,
      'CREATE INDEX IF NOT EXISTS dm_outbox_due ON dm_outbox (status, next_attempt_at)',
      // the scheduler's reads stay in these indexes: columns after the body in a row are reached only by
      // walking the body's overflow pages
      'CREATE INDEX IF NOT EXISTS dm_outbox_queue ON dm_outbox (status, to_peer, created_at)',
      'CREATE INDEX IF NOT EXISTS dm_outbox_expiry ON dm_outbox (status, expires_at)'
    ])
    this.s = {
      add: db.prepare(`INSERT INTO dm_outbox (id, to_peer, nick, data, created_at, expires_at, next_attempt_at, status)
        VALUES (?, ?, ?, ?, ?, ?, ?, 'queued')`),
      get: db.prepare('SELECT * FROM dm_outbox WHERE id = ?'),
      duePeers: db.prepare(`SELECT q.to_peer AS to_peer FROM (SELECT DISTINCT to_peer FROM dm_outbox WHERE status = 'queued') q
        JOIN dm_outbox h ON h.rowid = (SELECT rowid FROM dm_outbox WHERE status = 'queued' AND to_peer = q.to_peer ORDER BY created_at, rowid LIMIT 1)
        WHERE h.next_attempt_at <= ?`),
      head: db.prepare("SELECT * FROM dm_outbox WHERE status = 'queued' AND to_peer = ? ORDER BY created_at, rowid LIMIT 1"),
      queuedFor: db.prepare("SELECT COUNT(*) AS n FROM dm_outbox WHERE status = 'queued' AND to_peer = ?"),
      queued: db.prepare("SELECT COUNT(*) AS n FROM dm_outbox WHERE status = 'queued'"),
      delivered: db.prepare("UPDATE dm_outbox SET status = 'delivered', delivered_at = ?, rtt_ms = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?"),
      rejected: db.prepare("UPDATE dm_outbox SET status = 'rejected', attempts = attempts + 1, last_error = ? WHERE id = ?"),
      failed: db.prepare('UPDATE dm_outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?'),
      expire: db.prepare("UPDATE dm_outbox SET status = 'expired' WHERE status = 'queued' AND expires_at <= ? RETURNING id, to_peer"),
      prune: db.prepare(`DELETE FROM dm_outbox WHERE status != 'queued' AND id NOT IN (
        SELECT id FROM dm_outbox WHERE status != 'queued' ORDER BY created_at DESC LIMIT ?)`),
      list: db.prepare('SELECT * FROM dm_outbox ORDER BY created_at DESC LIMIT ?'),
      listByStatus: db.prepare('SELECT * FROM dm_outbox WHERE status = ? ORDER BY created_at DESC LIMIT ?'),
      counts: db.prepare('SELECT status, COUNT(*) AS n FROM dm_outbox GROUP BY status')
    }
  }

  add (entry: { id: string, to: string, nick?: string, data: Uint8Array, ttlMs: number, now?: number }): OutboxEntry {
    const now = entry.now ?? Date.now()
    this.s.add.run(entry.id, entry.to, entry.nick ?? null, entry.data, now, now + entry.ttlMs, now)
    return this.get(entry.id)!
  }

  get (id: string): OutboxEntry | undefined {
    const row = this.s.get.get(id) as Row | undefined
    return row == null ? undefined : fromRow(row)
  }

  /** Peers whose oldest queued message is due for a retry; read from indexes, no body touched. */
  duePeers (now = Date.now()): string[] {
    return (this.s.duePeers.all(now) as Array<{ to_peer: string }>).map(r => r.to_peer)
  }

  /** The oldest queued message for a peer: the next one to send it. */
  head (peer: string): OutboxEntry | undefined {
    const row = this.s.head.get(peer) as Row | undefined
    return row == null ? undefined : fromRow(row)
  }

  /** Messages queued for one peer, or for all when `peer` is not given. */
  queuedCount (peer?: string): number {
    const row = (peer != null ? this.s.queuedFor.get(peer) : this.s.queued.get()) as { n: number }
    return row.n
  }

  markDelivered (id: string, rttMs: number, now = Date.now()): void {
    this.s.delivered.run(now, rttMs, id)
    this.s.prune.run(this.keep)
  }

  markRejected (id: string, reason: string): void {
    this.s.rejected.run(reason, id)
  }

  /** Record a failed attempt and schedule the next one; returns when it is due. */
  markFailed (entry: OutboxEntry, error: string, now = Date.now()): number {
    const attempts = entry.attempts + 1
    const next = now + retryDelay(attempts)
    this.s.failed.run(attempts, next, error.slice(0, 500), entry.id)
    return next
  }

  /** Expire queued entries past their TTL; returns them. */
  expire (now = Date.now()): Array<{ id: string, to: string }> {
    return (this.s.expire.all(now) as Array<{ id: string, to_peer: string }>).map(r => ({ id: r.id, to: r.to_peer }))
  }

  list (opts: { status?: OutboxStatus, limit: number }): OutboxEntry[] {
    const rows = opts.status != null ? this.s.listByStatus.all(opts.status, opts.limit) : this.s.list.all(opts.limit)
    return (rows as unknown as Row[]).map(fromRow)
  }

  counts (): Record<OutboxStatus, number> {
    const c: Record<OutboxStatus, number> = { queued: 0, delivered: 0, expired: 0, rejected: 0 }
    for (const r of this.s.counts.all() as Array<{ status: OutboxStatus, n: number }>) c[r.status] = r.n
    return c
  }
}
