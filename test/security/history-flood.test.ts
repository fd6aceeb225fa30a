/**
 * History answers to hostile askers (issue 20, finding 8): requests for a topic's whole window, left unread, and
 * requests in a burst. The node writes an answer a frame at a time as the asker reads, caps its bytes (saying so
 * with `truncated`), and refuses a peer over its request rate with `refused: rate-limited`.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { lpStream } from '@libp2p/utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GossipdNode } from '../../src/index.js'
import {
  HISTORY_FRAME_OVERHEAD_BYTES, HISTORY_MAX_ANSWER_BYTES, HISTORY_MAX_STREAMS, HISTORY_MAX_WINDOW_MS, HISTORY_PROTOCOL, HISTORY_RATE_BURST, HISTORY_RATE_PER_SECOND
} from '../../src/messaging/constants.js'
import { TestNodes, waitFor } from '../helpers/nodes.js'
import { heldBytes, MiB } from '../helpers/memory.js'
import { openStream, RawPeers } from '../helpers/raw-peer.js'

const TOPIC = 'history-flood'
const BODY_BYTES = 60 * 1024
const STORED = 100

/** A child process holding `streams` streams to `addr`, each with `frame` written and nothing read. */
async function unreadStreams (addr: string, protocol: string, streams: number, frame: Uint8Array): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('../helpers/unread-streams.mjs', import.meta.url)), addr, protocol, String(streams), Buffer.from(frame).toString('base64')], { stdio: ['pipe', 'pipe', 'inherit'] })
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => { if (chunk.toString().includes('ready')) resolve() })
    child.on('exit', code => { reject(new Error(`asker exited with ${code}`)) })
  })
  return child
}

const request = (limit = 1_000): Uint8Array => new TextEncoder().encode(JSON.stringify({ topic: TOPIC, withinMs: HISTORY_MAX_WINDOW_MS, limit }))

describe('history answers to hostile askers', () => {
  const nodes = new TestNodes()
  const raws = new RawPeers()
  let target: GossipdNode

  beforeAll(async () => {
    target = await nodes.add({ minConnections: 0 })
    const friend = await nodes.addJoining(target, { minConnections: 0 })
    for (const n of [target, friend]) n.topics.subscribe(TOPIC)
    await waitFor(() => target.libp2p.services.pubsub.getSubscribers(TOPIC).length > 0, 20_000, 'friend subscribed')
    // 6 MB of signed history in the topic
    for (let i = 0; i < STORED; i++) await target.topics.publish(TOPIC, new Uint8Array(BODY_BYTES).fill(i))
    expect(target.topics.history(TOPIC, { limit: 1_000 }).length).toBe(STORED)
    // a quiet node from here on: no peer to gossip with or to catch up from, and no published message still
    // cached for gossip, so what the tests measure is the answers
    await friend.stop()
    const mcache = (target.libp2p.services.pubsub as unknown as { mcache: { msgs: Map<string, unknown> } }).mcache
    await waitFor(() => mcache.msgs.size === 0, 30_000, 'the gossip cache to empty')
  }, 120_000)

  afterAll(async () => {
    await raws.stopAll()
    await nodes.cleanup()
  })

  it('holds a few MiB, not the answers, for 8 whole-window requests left unread', async () => {
    const addr = target.libp2p.getMultiaddrs()[0].toString()
    const before = await heldBytes()
    // two askers in their own processes (what they receive is not this process's memory), 4 streams each
    const askers = await Promise.all([1, 2].map(async () => unreadStreams(addr, HISTORY_PROTOCOL, HISTORY_MAX_STREAMS, request())))
    try {
      // well within the node's answer timeout: what it holds now is what unread answers cost it
      await new Promise(resolve => setTimeout(resolve, 1_500))
      const answering = target.libp2p.getConnections().flatMap(c => c.streams).filter(s => s.protocol === HISTORY_PROTOCOL)
      const queued = answering.map(s => s.writeBufferLength)
      const grown = await heldBytes() - before
      expect(answering.length).toBe(2 * HISTORY_MAX_STREAMS)
      // the node queues at most the frame it is writing on each answer, and holds a few MiB in all
      for (const q of queued) expect(q).toBeLessThanOrEqual(BODY_BYTES + HISTORY_FRAME_OVERHEAD_BYTES)
      expect(grown).toBeLessThan(4 * MiB)
    } finally {
      for (const a of askers) a.kill()
    }
  }, 60_000)

  it('caps an answer\'s bytes and says it is truncated', async () => {
    const raw = await raws.add()
    const s = await openStream(raw, target.libp2p.getMultiaddrs()[0], HISTORY_PROTOCOL)
    if (s instanceof Error) throw s
    const lp = lpStream(s, { maxDataLength: 1024 * 1024 })
    await lp.write(request())
    const header = JSON.parse(new TextDecoder().decode((await lp.read({ signal: AbortSignal.timeout(5_000) })).subarray())) as { count: number, truncated?: boolean }
    expect(header.truncated).toBe(true)
    expect(header.count).toBeGreaterThan(0)
    expect(header.count * BODY_BYTES).toBeLessThanOrEqual(HISTORY_MAX_ANSWER_BYTES)
    let bytes = 0
    for (let i = 0; i < header.count; i++) bytes += (await lp.read({ signal: AbortSignal.timeout(5_000) })).byteLength
    expect(bytes).toBeLessThanOrEqual(HISTORY_MAX_ANSWER_BYTES)
  }, 30_000)

  it('refuses a peer over its request rate with refused: rate-limited', async () => {
    const raw = await raws.add()
    const addr = target.libp2p.getMultiaddrs()[0]
    const started = Date.now()
    let answered = 0
    let refused = 0
    for (let i = 0; i < HISTORY_RATE_BURST * 2; i++) {
      const s = await openStream(raw, addr, HISTORY_PROTOCOL)
      if (s instanceof Error) throw s
      const lp = lpStream(s, { maxDataLength: 1024 * 1024 })
      await lp.write(request(1))
      const header = JSON.parse(new TextDecoder().decode((await lp.read({ signal: AbortSignal.timeout(5_000) })).subarray())) as { count: number, refused?: string }
      if (header.refused === 'rate-limited') refused++
      else answered++
      s.abort(new Error('next'))
    }
    const seconds = (Date.now() - started) / 1000
    expect(refused).toBeGreaterThan(0)
    expect(answered).toBeLessThanOrEqual(HISTORY_RATE_BURST + Math.ceil(HISTORY_RATE_PER_SECOND * seconds) + 1)
  }, 60_000)
})
