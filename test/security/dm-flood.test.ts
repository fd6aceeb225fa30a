/**
 * Direct-message floods (issue 20, finding 4): a raw peer writes message after message on `/gossipd/dm/1.0.0`.
 * The node takes its burst and then its rate, refuses the rest with the nack `rate-limited`, writes no body
 * to its log above debug, and keeps at most its cap of dedupe rows per sender.
 */
import { randomUUID } from 'node:crypto'
import { DatabaseSync } from 'node:sqlite'
import { Writable } from 'node:stream'
import { lpStream } from '@libp2p/utils'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GossipdNode } from '../../src/index.js'
import type { Logger } from '../../src/logger.js'
import { DM_PROTOCOL, DM_RATE_BURST, DM_RATE_PER_SECOND, DM_SEEN_MAX_PER_SENDER, DM_SEEN_TRIM_EVERY } from '../../src/messaging/constants.js'
import { SeenMessages } from '../../src/messaging/dm-seen.js'
import { startNode, stopNode, type TestNode } from '../messaging/helpers.js'
import { createRawPeer, openStream, type RawPeer } from '../helpers/raw-peer.js'

const MARKER = 'flood-body-marker'

describe('direct-message floods', () => {
  const lines: string[] = []
  let target: TestNode
  let node: GossipdNode
  let raw: RawPeer

  beforeAll(async () => {
    // the node logs at info, as it runs by default
    const dest = new Writable({ write (chunk, _enc, cb) { lines.push(String(chunk)); cb() } })
    target = await startNode({}, undefined, pino({ level: 'info' }, dest) as unknown as Logger)
    node = target.node
    raw = await createRawPeer()
  })

  afterAll(async () => {
    await raw?.stop()
    if (target != null) await stopNode(target)
  })

  it('takes a burst and then its rate from one peer, refuses the rest as rate-limited, and logs no body at info', async () => {
    const addr = node.libp2p.getMultiaddrs()[0]
    const from = raw.peerId.toString()
    const codes = new Map<string, number>()
    let acked = 0
    const started = Date.now()
    // 3 s of messages as fast as the node answers, a new stream whenever the node closes one after a nack
    while (Date.now() - started < 3_000) {
      const stream = await openStream(raw, addr, DM_PROTOCOL)
      if (stream instanceof Error) throw stream
      const lp = lpStream(stream)
      try {
        while (Date.now() - started < 3_000) {
          const body = Buffer.from(`${MARKER} ${'x'.repeat(200)}`).toString('base64')
          await lp.write(new TextEncoder().encode(JSON.stringify({ type: 'msg', id: randomUUID(), from, ts: Date.now(), body })))
          const reply = JSON.parse(new TextDecoder().decode((await lp.read({ signal: AbortSignal.timeout(5_000) })).subarray())) as { type: string, code?: string }
          if (reply.type === 'ack') acked++
          else codes.set(reply.code ?? '', (codes.get(reply.code ?? '') ?? 0) + 1)
          if (reply.type === 'nack') break
        }
      } finally {
        stream.abort(new Error('next stream'))
      }
    }
    const seconds = (Date.now() - started) / 1000
    expect(acked).toBeGreaterThan(0)
    expect(acked).toBeLessThanOrEqual(DM_RATE_BURST + Math.ceil(DM_RATE_PER_SECOND * seconds) + 1)
    expect(codes.get('rate-limited') ?? 0).toBeGreaterThan(0)
    expect([...codes.keys()]).toEqual(['rate-limited'])
    expect(node.direct.inboxStats().count).toBe(acked)
    expect(lines.some(l => l.includes(MARKER))).toBe(false)
  }, 60_000)

  it('keeps at most its cap of dedupe rows for one sender', () => {
    const db = new DatabaseSync(':memory:')
    const seen = new SeenMessages(db)
    const sender = raw.peerId.toString()
    const other = 'another-sender'
    seen.add(other, 'one')
    const total = DM_SEEN_MAX_PER_SENDER + 5 * DM_SEEN_TRIM_EVERY + 7
    for (let i = 0; i < total; i++) expect(seen.add(sender, `m${i}`, 1_000 + i)).toBe(true)
    expect(seen.count(sender)).toBeLessThan(DM_SEEN_MAX_PER_SENDER + DM_SEEN_TRIM_EVERY)
    // the newest are the ones kept: a retry of a recent message is still a duplicate
    expect(seen.add(sender, `m${total - 1}`)).toBe(false)
    expect(seen.count(other)).toBe(1)
    db.close()
  })
})
