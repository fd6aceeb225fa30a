import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collectStream, connect, startNode, stopNode, waitFor, type TestNode } from './helpers.js'

describe('topics between in-process nodes', () => {
  let a: TestNode
  let b: TestNode

  beforeAll(async () => {
    a = await startNode({ nick: 'alice' })
    b = await startNode({ nick: 'bob', maxMessageSize: 1024 })
    await connect(a, b)
  })

  afterAll(async () => {
    await stopNode(a)
    await stopNode(b)
  })

  it('answers no-subscribers when nobody listens, and sends nothing', async () => {
    const res = await fetch(`${a.url}/topics/empty/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello?' })
    expect(res.status).toBe(409)
    expect((await res.json() as any).error.code).toBe('no-subscribers')
  })

  it('subscribes, lists topics and mesh peers', async () => {
    for (const n of [a, b]) {
      const res = await fetch(`${n.url}/topics/news`, { method: 'PUT' })
      expect(res.status).toBe(200)
    }
    await waitFor(() => a.node.topics.info('news').meshPeers > 0 && b.node.topics.info('news').meshPeers > 0, 'mesh')
    const topics = await (await fetch(`${a.url}/topics`)).json() as any
    expect(topics.topics).toEqual([expect.objectContaining({ topic: 'news', subscribers: 1, meshPeers: 1 })])
    const peers = await (await fetch(`${a.url}/topics/news/peers`)).json() as any
    expect(peers.mesh).toEqual([b.node.peerId.toString()])
    expect(peers.subscribers).toEqual([b.node.peerId.toString()])
  })

  it('publishes raw text, JSON utf8 and JSON base64; the subscriber stores each once with a growing seq', async () => {
    const sse = await fetch(`${b.url}/topics/news/messages`, { headers: { accept: 'text/event-stream' } })
    expect(sse.headers.get('content-type')).toMatch(/text\/event-stream/)
    const live = collectStream(sse, 'sse')

    const r1 = await fetch(`${a.url}/topics/news/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'héllo' })
    expect(r1.status).toBe(200)
    const p1 = await r1.json() as any
    expect(p1).toMatchObject({ topic: 'news', recipients: 1 })
    expect(p1.id).toMatch(/^[A-Za-z0-9_-]+$/)
    const r2 = await fetch(`${a.url}/topics/news/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: 'second' }) })
    expect(r2.status).toBe(200)
    const r3 = await fetch(`${a.url}/topics/news/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: Buffer.from([0, 255, 1]).toString('base64'), encoding: 'base64' }) })
    expect(r3.status).toBe(200)

    await waitFor(() => b.node.topics.history('news', { limit: 10 }).length === 3, 'three messages at b')
    const page = await (await fetch(`${b.url}/topics/news/messages`)).json() as any
    expect(page.messages.map((m: any) => m.data)).toEqual(['héllo', 'second', 'AP8B'])
    expect(page.messages.map((m: any) => m.encoding)).toEqual(['utf8', 'utf8', 'base64'])
    expect(page.messages[0]).toMatchObject({ id: p1.id, topic: 'news', from: a.node.peerId.toString() })
    const seqs = page.messages.map((m: any) => m.seq)
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs)
    expect(page.next).toBe(seqs[2])

    // the publisher keeps its own messages too
    const own = await (await fetch(`${a.url}/topics/news/messages`)).json() as any
    expect(own.messages.map((m: any) => m.id)).toContain(p1.id)

    await waitFor(() => live.events.length === 3, 'three SSE events')
    expect(live.events.map(e => Number(e.id))).toEqual(seqs)
    expect(live.events.map(e => e.data.data)).toEqual(['héllo', 'second', 'AP8B'])

    // paging by cursor
    const second = await (await fetch(`${b.url}/topics/news/messages?after=${seqs[0]}&limit=1`)).json() as any
    expect(second.messages.map((m: any) => m.data)).toEqual(['second'])

    // resume with Last-Event-ID replays what came after it, then stays live
    const ctrl = new AbortController()
    const resumed = await fetch(`${b.url}/topics/news/messages`, { headers: { accept: 'text/event-stream', 'last-event-id': String(seqs[0]) }, signal: ctrl.signal })
    const re = collectStream(resumed, 'sse')
    await waitFor(() => re.events.length === 2, 'replayed events')
    await fetch(`${a.url}/topics/news/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'fourth' })
    await waitFor(() => re.events.length === 3, 'live event after replay')
    expect(re.events.map(e => e.data.data)).toEqual(['second', 'AP8B', 'fourth'])
    ctrl.abort()
  })

  it('streams NDJSON', async () => {
    const ctrl = new AbortController()
    const res = await fetch(`${b.url}/topics/news/messages?after=0`, { headers: { accept: 'application/x-ndjson' }, signal: ctrl.signal })
    expect(res.headers.get('content-type')).toMatch(/application\/x-ndjson/)
    const s = collectStream(res, 'ndjson')
    await waitFor(() => s.events.length === 4, 'four NDJSON lines')
    expect(s.events.map(e => e.data.data)).toEqual(['héllo', 'second', 'AP8B', 'fourth'])
    ctrl.abort()
  })

  it('refuses bodies over the limit with 413, at the publisher and at the receiver', async () => {
    const big = 'x'.repeat(2048)
    // b's limit is 1 KiB
    const res = await fetch(`${b.url}/topics/news/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: big })
    expect(res.status).toBe(413)
    expect((await res.json() as any).error.code).toBe('message-too-large')
    // a accepts 2 KiB (its limit is 64 KiB), b's validator drops it
    const before = b.node.topics.info('news').messages
    const ok = await fetch(`${a.url}/topics/news/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: big })
    expect(ok.status).toBe(200)
    await fetch(`${a.url}/topics/news/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'small after big' })
    await waitFor(() => b.node.topics.info('news').messages === before + 1, 'small message at b')
    expect(b.node.topics.history('news', { after: 0, limit: 100 }).map(m => new TextDecoder().decode(m.data))).not.toContain(big)
  })

  it('rejects bad bodies with 400', async () => {
    const res = await fetch(`${a.url}/topics/news/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'no data field' }) })
    expect(res.status).toBe(400)
    const bad64 = await fetch(`${a.url}/topics/news/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: '***', encoding: 'base64' }) })
    expect(bad64.status).toBe(400)
  })

  it('runs a topic validator on incoming and own messages', async () => {
    b.node.topics.setValidator('news', msg => !new TextDecoder().decode(msg.data).includes('spam'))
    const own = await fetch(`${b.url}/topics/news/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'spam from b' })
    expect(own.status).toBe(422)
    const before = b.node.topics.info('news').messages
    await fetch(`${a.url}/topics/news/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'buy spam' })
    await fetch(`${a.url}/topics/news/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'real news' })
    await waitFor(() => b.node.topics.info('news').messages === before + 1, 'the valid message')
    expect(new TextDecoder().decode(b.node.topics.history('news', { after: 0, limit: 100 }).at(-1)!.data)).toBe('real news')
    b.node.topics.setValidator('news', undefined)
  })

  it('returns the id on the publish path, and an aborted signal sends nothing', async () => {
    const before = b.node.topics.history('news', { limit: 100 }).length
    const aborted = AbortSignal.abort(new Error('caller gave up'))
    await expect(a.node.topics.publish('news', new TextEncoder().encode('never'), { signal: aborted })).rejects.toThrow('caller gave up')
    const sent = await a.node.topics.publish('news', new TextEncoder().encode('after'))
    await waitFor(() => b.node.topics.history('news', { limit: 100 }).length === before + 1, 'one message at b')
    const got = b.node.topics.history('news', { limit: 100 }).at(-1)
    expect(got).toMatchObject({ id: sent.id })
    expect(new TextDecoder().decode(got?.data)).toBe('after')
  })

  it('unsubscribes', async () => {
    const res = await (await fetch(`${b.url}/topics/news`, { method: 'DELETE' })).json() as any
    expect(res).toEqual({ topic: 'news', unsubscribed: true })
    expect((await (await fetch(`${b.url}/topics`)).json() as any).topics).toEqual([])
  })
})
