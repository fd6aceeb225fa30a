/**
 * Restarts: a node restarted with its data directory keeps its PeerID, files, history and outbox; a node killed
 * with SIGKILL in the middle of writing comes back with a consistent store.
 */
import { createHash, randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalSwarm, SwarmNode } from '../../src/swarm/local-swarm.js'
import { eventually, http, sleep, startProcessSwarm } from '../helpers/process-nodes.js'

const TOPIC = 'restart'

describe('restarts', () => {
  let swarm: LocalSwarm
  let dir: string
  let a: SwarmNode
  let b: SwarmNode
  let c: SwarmNode

  beforeAll(async () => {
    ({ swarm, dir } = await startProcessSwarm(3, 'resilience-restart', ['--min-connections', '2']))
    ;[a, b, c] = swarm.nodes
    for (const n of [a, b]) expect((await http(n, `/topics/${TOPIC}`, { method: 'PUT' })).status).toBe(200)
    expect(await eventually(async () => (await http(a, `/topics/${TOPIC}/peers`)).body.mesh.includes(b.peerId), 30_000)).toBe(true)
  })

  afterAll(async () => {
    await swarm?.stop()
    if (dir != null && process.env.KEEP_TEST_DIRS == null) await rm(dir, { recursive: true, force: true })
  })

  async function restart (node: SwarmNode, signal: NodeJS.Signals): Promise<void> {
    await swarm.kill(node.index, signal)
    const before = node.peerId
    swarm.spawn(node)
    await swarm.waitReady(node)
    expect(node.peerId).toBe(before)
  }

  it('keeps PeerID, files, history and outbox across a SIGKILL and a restart', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await http(a, `/topics/${TOPIC}/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: `m${i}` })
      expect(res.status).toBe(200)
    }
    expect(await eventually(async () => (await http(b, `/topics/${TOPIC}/messages?limit=100`)).body.messages.length === 5, 15_000)).toBe(true)
    const content = randomBytes(3 * 1024 * 1024)
    const uploaded = await http(b, '/files?name=kept.bin', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: content })
    expect(uploaded.status).toBe(201)
    // c goes away; a queues a direct message for it
    await swarm.kill(c.index, 'SIGTERM')
    const queued = await http(a, '/direct', { method: 'POST', json: { to: c.peerId, data: 'while you were away' } })
    expect(queued.status).toBe(202)

    await restart(b, 'SIGKILL')
    await restart(a, 'SIGKILL')

    const history = (await http(b, `/topics/${TOPIC}/messages?limit=100`)).body.messages as Array<{ id: string, data: string }>
    expect(history.map(m => m.data)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4'])
    expect(new Set(history.map(m => m.id)).size).toBe(5)
    const file = await http(b, `/files/${uploaded.body.id}`)
    expect(file.status).toBe(200)
    const bytes = Buffer.from(await (await fetch(`${b.apiUrl}/files/${uploaded.body.id}/content`)).arrayBuffer())
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(createHash('sha256').update(content).digest('hex'))
    const outbox = (await http(a, '/direct/outbox?status=queued')).body
    expect(outbox.messages.map((m: { id: string }) => m.id)).toContain(queued.body.id)
    // subscriptions survive too: the restarted nodes rejoin the topic and deliver again
    expect(await eventually(async () => (await http(a, `/topics/${TOPIC}/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'after' })).status === 200, 30_000)).toBe(true)
    expect(await eventually(async () => (await http(b, `/topics/${TOPIC}/messages?limit=100`)).body.messages.some((m: { data: string }) => m.data === 'after'), 15_000)).toBe(true)

    // c comes back: the queued message is delivered exactly once
    swarm.spawn(c)
    await swarm.waitReady(c)
    expect(await eventually(async () => (await http(c, '/direct/inbox')).body.messages.length > 0, 60_000)).toBe(true)
    await sleep(3_000)
    const inbox = (await http(c, '/direct/inbox')).body.messages as Array<{ id: string, data: string }>
    expect(inbox.filter(m => m.data === 'while you were away')).toHaveLength(1)
    expect((await http(a, '/direct/outbox?status=delivered')).body.messages.map((m: { id: string }) => m.id)).toContain(queued.body.id)
  })

  it('comes back from a SIGKILL in the middle of an upload and of a publish burst with a consistent store', async () => {
    const before = (await http(b, '/files')).body.files as Array<{ id: string }>
    // a 256 MiB upload streamed slowly enough to be cut in the middle
    const controller = new AbortController()
    const chunk = randomBytes(1024 * 1024)
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      async pull (ctl) {
        if (sent >= 256) { ctl.close(); return }
        sent++
        ctl.enqueue(chunk)
        await sleep(5)
      }
    })
    const upload = fetch(`${b.apiUrl}/files?name=interrupted.bin`, { method: 'POST', body, duplex: 'half', headers: { 'content-type': 'application/octet-stream' }, signal: controller.signal } as RequestInit).catch(err => err as Error)
    // meanwhile, b receives a burst of topic messages
    const burst = (async () => {
      for (let i = 0; i < 200; i++) {
        await http(a, `/topics/${TOPIC}/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: `burst ${i}` }).catch(() => {})
      }
    })()
    expect(await eventually(() => sent >= 40, 30_000, 20)).toBe(true)
    await swarm.kill(b.index, 'SIGKILL')
    controller.abort()
    expect(await upload).toBeInstanceOf(Error)
    await burst
    swarm.spawn(b)
    await swarm.waitReady(b)

    // the interrupted upload is not listed; every listed file is whole and matches its hash
    const files = (await http(b, '/files')).body.files as Array<{ id: string, name: string, size: number, hash: string }>
    expect(files.map(f => f.name)).not.toContain('interrupted.bin')
    expect(files.map(f => f.id).sort()).toEqual(before.map(f => f.id).sort())
    for (const f of files) {
      const bytes = Buffer.from(await (await fetch(`${b.apiUrl}/files/${f.id}/content`)).arrayBuffer())
      expect(bytes.byteLength).toBe(f.size)
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.hash)
    }
    // the history has no gap in its sequence numbers and no duplicate
    const history = (await http(b, `/topics/${TOPIC}/messages?limit=1000`)).body.messages as Array<{ seq: number, id: string }>
    expect(new Set(history.map(m => m.id)).size).toBe(history.length)
    for (let i = 1; i < history.length; i++) expect(history[i].seq).toBeGreaterThan(history[i - 1].seq)
    // and the node works: a new upload lands
    const again = await http(b, '/files?name=after.bin', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: randomBytes(1024) })
    expect(again.status).toBe(201)
  })
})
