import { Writable } from 'node:stream'
import { lpStream } from '@libp2p/utils'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DM_PROTOCOL } from '../../src/messaging/constants.js'
import type { Logger } from '../../src/logger.js'
import { decodeFrame, encodeFrame } from '../../src/messaging/dm-codec.js'
import { collectStream, connect, startNode, stopNode, tempDir, waitFor, type TestNode } from './helpers.js'

/** A logger whose lines land in an array, to check what the node logs. */
function capturingLogger (): { logger: Logger, lines: string[] } {
  const lines: string[] = []
  const dest = new Writable({ write (chunk, _enc, cb) { lines.push(String(chunk)); cb() } })
  return { logger: pino({ level: 'debug' }, dest) as unknown as Logger, lines }
}

describe('direct messages between in-process nodes', () => {
  let a: TestNode
  let b: TestNode
  const bLog = capturingLogger()

  beforeAll(async () => {
    a = await startNode({ nick: 'alice' })
    b = await startNode({ nick: 'bob' }, undefined, bLog.logger)
    await connect(a, b)
  })

  afterAll(async () => {
    await stopNode(a)
    await stopNode(b)
  })

  it('delivers with an ack, stores the message in the inbox and the outbox says delivered', async () => {
    const ctrl = new AbortController()
    const live = collectStream(await fetch(`${b.url}/direct/inbox`, { headers: { accept: 'text/event-stream' }, signal: ctrl.signal }), 'sse')
    const res = await fetch(`${a.url}/direct`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: b.node.peerId.toString(), data: 'hello bob' })
    })
    expect(res.status).toBe(200)
    const sent = await res.json() as any
    expect(sent).toMatchObject({ status: 'delivered', to: b.node.peerId.toString(), duplicate: false })
    expect(sent.rttMs).toBeGreaterThan(0)

    const inbox = await (await fetch(`${b.url}/direct/inbox`)).json() as any
    expect(inbox.messages).toHaveLength(1)
    expect(inbox.messages[0]).toMatchObject({ id: sent.id, from: a.node.peerId.toString(), nick: 'alice', data: 'hello bob', encoding: 'utf8' })
    expect(inbox.messages[0].sentAt).toBeLessThanOrEqual(inbox.messages[0].receivedAt)

    await waitFor(() => live.events.length === 1, 'the SSE event')
    expect(live.events[0]).toMatchObject({ id: String(inbox.messages[0].seq), data: { id: sent.id, data: 'hello bob' } })
    ctrl.abort()

    const outbox = await (await fetch(`${a.url}/direct/outbox`)).json() as any
    expect(outbox.counts).toMatchObject({ delivered: 1, queued: 0 })
    expect(outbox.messages[0]).toMatchObject({ id: sent.id, status: 'delivered', data: 'hello bob', attempts: 1 })
  })

  it('acknowledges a repeated frame as a duplicate and stores it once', async () => {
    const before = b.node.direct.inboxStats().count
    const frame = { type: 'msg' as const, id: 'retry-test-1', from: a.node.peerId.toString(), ts: Date.now(), body: Buffer.from('once').toString('base64') }
    const acks = []
    for (let i = 0; i < 2; i++) {
      const stream = await a.node.dialProtocol(b.node.peerId, DM_PROTOCOL)
      const lp = lpStream(stream)
      await lp.write(encodeFrame(frame))
      acks.push(decodeFrame((await lp.read()).subarray()))
      await stream.close()
    }
    expect(acks).toEqual([{ type: 'ack', id: 'retry-test-1', duplicate: false }, { type: 'ack', id: 'retry-test-1', duplicate: true }])
    expect(b.node.direct.inboxStats().count).toBe(before + 1)
  })

  it('refuses a frame that claims another sender', async () => {
    const stream = await a.node.dialProtocol(b.node.peerId, DM_PROTOCOL)
    const lp = lpStream(stream)
    await lp.write(encodeFrame({ type: 'msg', id: 'forged', from: b.node.peerId.toString(), ts: Date.now(), body: '' }))
    expect(decodeFrame((await lp.read()).subarray())).toMatchObject({ type: 'nack', code: 'wrong-sender' })
  })

  it('survives garbage on the stream: that stream closes, the node keeps serving', async () => {
    const stream = await a.node.dialProtocol(b.node.peerId, DM_PROTOCOL)
    const lp = lpStream(stream)
    await lp.write(new TextEncoder().encode('not json'))
    await expect(lp.read()).rejects.toThrow()
    const res = await fetch(`${a.url}/direct`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: b.node.peerId.toString(), data: 'still here' }) })
    expect((await res.json() as any).status).toBe('delivered')
  })

  it('answers 400 for a bad peer id, for itself, and 413 for a body over the limit', async () => {
    const bad = await fetch(`${a.url}/direct`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: 'nope', data: 'x' }) })
    expect(bad.status).toBe(400)
    expect((await bad.json() as any).error.code).toBe('invalid-peer-id')
    const self = await fetch(`${a.url}/direct`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: a.node.peerId.toString(), data: 'x' }) })
    expect(self.status).toBe(400)
    const big = await fetch(`${a.url}/direct`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: b.node.peerId.toString(), data: 'x'.repeat(64 * 1024 + 1) }) })
    expect(big.status).toBe(413)
  })

  it('POST /message: the seed\'s shape, logged here or sent on with "to" and logged by the receiver', async () => {
    const here = await fetch(`${b.url}/message`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sender: 'Node0', msg: 'local hello' }) })
    expect(await here.json() as any).toEqual({ status: 'received' })
    expect(bLog.lines.join('')).toContain('Received message from Node0: local hello')

    const res = await fetch(`${a.url}/message`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sender: 'Node1', msg: 'Hello Node2!', to: b.node.peerId.toString() }) })
    expect(res.status).toBe(200)
    expect(await res.json() as any).toMatchObject({ status: 'delivered' })
    expect(bLog.lines.join('')).toContain('Received message from Node1: Hello Node2!')
  })
})

describe('the outbox', () => {
  it('queues for an unreachable peer and delivers exactly once when it comes back, across restarts of both', async () => {
    const aDir = await tempDir()
    const bDir = await tempDir()
    let a = await startNode({ nick: 'alice', outboxTtl: 600_000 }, aDir)
    let b = await startNode({ nick: 'bob' }, bDir)
    const bId = b.node.peerId.toString()
    await connect(a, b)
    await stopNode(b, { keepData: true })

    const res = await fetch(`${a.url}/direct`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: bId, data: 'while you were away' }) })
    expect(res.status).toBe(202)
    const queued = await res.json() as any
    expect(queued).toMatchObject({ status: 'queued', to: bId })
    expect((await (await fetch(`${a.url}/direct/outbox?status=queued`)).json() as any).messages.map((m: any) => m.id)).toEqual([queued.id])

    // restart the sender: the outbox is on disk
    await stopNode(a, { keepData: true })
    a = await startNode({ nick: 'alice', outboxTtl: 600_000 }, aDir)
    expect(a.node.direct.outboxCounts().queued).toBe(1)

    // the receiver comes back (same identity) and connects: the queued message goes out at once
    b = await startNode({ nick: 'bob' }, bDir)
    expect(b.node.peerId.toString()).toBe(bId)
    await connect(b, a)
    await waitFor(() => b.node.direct.inboxStats().count === 1, 'the queued message at b', 30_000)
    await waitFor(() => a.node.direct.outboxCounts().delivered === 1, 'delivered in the outbox', 10_000)
    const inbox = b.node.direct.inbox({ limit: 10 })
    expect(inbox.map(m => m.id)).toEqual([queued.id])
    expect(new TextDecoder().decode(inbox[0].data)).toBe('while you were away')

    // a later flush (another connect) sends nothing twice
    await a.node.libp2p.hangUp(b.node.peerId)
    await connect(b, a)
    await new Promise(resolve => setTimeout(resolve, 1000))
    expect(b.node.direct.inboxStats().count).toBe(1)
    await stopNode(a)
    await stopNode(b)
  }, 90_000)
})
