/**
 * Issue 20, finding 5: stream readers that never read must not pin memory. Ten SSE readers ask for a replay of
 * 500 messages of 32 KiB and never read: the process's external memory grows by a bounded amount (a replay is
 * read in small batches, the next only when the socket took the last), each stream is cut once its socket stayed
 * full for the drain timeout, and streams past the cap are refused with 429.
 */
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApi } from '../../src/api/server.js'
import { LiveFeed } from '../../src/messaging/live.js'
import type { GossipdNode } from '../../src/index.js'
import { TestNodes, waitFor } from '../helpers/nodes.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const MESSAGES = 500
const BODY_BYTES = 32 * 1024
const READERS = 10
const DRAIN_TIMEOUT_MS = 3_000
/** What ten stalled readers may add: about 0.5 MiB of replay batch each plus socket buffers; the old replay held 16 MiB each. */
const MAX_GROWTH_BYTES = 48 * 1024 * 1024

function external (): number {
  gc()
  gc()
  return process.memoryUsage().external
}

/** An SSE request for the whole inbox on a raw socket that is never read. */
async function stalledReader (port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  socket.pause()
  socket.write(`GET /direct/inbox?after=0 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`)
  return socket
}

describe('stream readers that never read', () => {
  const nodes = new TestNodes()
  let receiver: GossipdNode
  let api: FastifyInstance
  let port: number

  beforeAll(async () => {
    // filled as fast as the sender can: no per-peer direct-message rate here
    receiver = await nodes.add({ minConnections: 0, dmRate: 0 })
    const sender = await nodes.addJoining(receiver, { minConnections: 0 })
    const body = new Uint8Array(BODY_BYTES).fill(0x61)
    for (let i = 0; i < MESSAGES; i += 10) {
      await Promise.all(Array.from({ length: 10 }, async () => {
        const r = await sender.direct.send(receiver.peerId.toString(), body)
        if (r.status !== 'delivered') throw new Error(`not delivered: ${r.error}`)
      }))
    }
    expect(receiver.direct.inboxStats().count).toBe(MESSAGES)
    api = await buildApi(receiver, { streams: { maxStreams: READERS, drainTimeoutMs: DRAIN_TIMEOUT_MS } })
    await api.listen({ host: '127.0.0.1', port: 0 })
    port = (api.server.address() as { port: number }).port
  }, 120_000)

  afterAll(async () => {
    await api?.close()
    await nodes.cleanup()
  })

  it('holds bounded memory, refuses streams past the cap, and cuts each stalled stream after the drain timeout', async () => {
    const before = external()
    const sockets: Socket[] = []
    for (let i = 0; i < READERS; i++) sockets.push(await stalledReader(port))
    const closed = sockets.map(async s => once(s, 'close'))
    // every stream is open and stuck on its full socket
    await new Promise(resolve => setTimeout(resolve, 1_000))
    const growth = external() - before
    expect(growth).toBeLessThan(MAX_GROWTH_BYTES)

    const refused = await fetch(`http://127.0.0.1:${port}/direct/inbox?after=0`, { headers: { accept: 'text/event-stream' } })
    expect(refused.status).toBe(429)
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('too-many-streams')

    // past the drain timeout, the node has hung up: reading now finds the end of each stream (its buffered bytes,
    // then the close), where a stream still open would go on to the rest of the replay and then wait live
    await new Promise(resolve => setTimeout(resolve, DRAIN_TIMEOUT_MS * 2))
    for (const s of sockets) s.resume()
    const ends = await Promise.race([
      Promise.all(closed),
      new Promise<undefined>(resolve => setTimeout(() => { resolve(undefined) }, 10_000))
    ])
    expect(ends, 'every stalled stream was cut').toBeDefined()
    // the slots are free again and the memory is released
    const streamOpens = async (): Promise<boolean> => {
      const ac = new AbortController()
      const res = await fetch(`http://127.0.0.1:${port}/direct/inbox`, { headers: { accept: 'text/event-stream' }, signal: ac.signal })
      ac.abort()
      return res.status === 200
    }
    for (let i = 0; i < READERS; i++) expect(await waitFor(streamOpens)).toBe(true)
    expect(external() - before).toBeLessThan(MAX_GROWTH_BYTES / 4)
  }, 60_000)

  it('cuts a live reader whose queued bodies pass the byte cap, not only the message count', async () => {
    const feed = new LiveFeed<Uint8Array>(1024, { bytes: 1000, sizeOf: b => b.byteLength })
    const stalled = feed.subscribe()
    const reading = feed.subscribe()
    for (let i = 0; i < 3; i++) {
      feed.push(new Uint8Array(300))
      expect((await reading.next()).value).toHaveLength(300)
    }
    // 900 bytes queued for the stalled reader: one more message passes its 1,000
    feed.push(new Uint8Array(300))
    await expect(stalled.next()).rejects.toMatchObject({ name: 'SlowReaderError', message: expect.stringMatching(/1000 bytes/) })
    expect((await reading.next()).value).toHaveLength(300)
    expect(feed.size).toBe(1)
  })
})
