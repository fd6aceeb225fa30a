/**
 * History answers to hostile askers (issue 20, finding 8): requests for a topic's whole window, left unread, and
 * requests in a burst. The node writes an answer a frame at a time as the asker reads, caps its bytes (saying so
 * with `truncated`), and refuses a peer over its request rate with `refused: rate-limited`.
 */
import type { Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GossipdNode } from '../../src/index.js'
import {
  HISTORY_MAX_ANSWER_BYTES, HISTORY_MAX_STREAMS, HISTORY_MAX_WINDOW_MS, HISTORY_PROTOCOL, HISTORY_RATE_BURST, HISTORY_RATE_PER_SECOND
} from '../../src/messaging/constants.js'
import { TestNodes, waitFor } from '../helpers/nodes.js'
import { heldBytes, MiB } from '../helpers/memory.js'
import { createRawPeer, openStream, type RawPeer } from '../helpers/raw-peer.js'

const TOPIC = 'history-flood'
const BODY_BYTES = 60 * 1024
const STORED = 100

const request = (limit = 1_000): Uint8Array => new TextEncoder().encode(JSON.stringify({ topic: TOPIC, withinMs: HISTORY_MAX_WINDOW_MS, limit }))

describe('history answers to hostile askers', () => {
  const nodes = new TestNodes()
  const raws: RawPeer[] = []
  let target: GossipdNode

  beforeAll(async () => {
    target = await nodes.add({ minConnections: 0 })
    const friend = await nodes.addJoining(target, { minConnections: 0 })
    for (const n of [target, friend]) n.topics.subscribe(TOPIC)
    await waitFor(() => target.libp2p.services.pubsub.getSubscribers(TOPIC).length > 0, 20_000, 'friend subscribed')
    // 6 MB of signed history in the topic
    for (let i = 0; i < STORED; i++) await target.topics.publish(TOPIC, new Uint8Array(BODY_BYTES).fill(i))
    expect(target.topics.history(TOPIC, { limit: 1_000 }).length).toBe(STORED)
  }, 120_000)

  afterAll(async () => {
    await Promise.all(raws.map(async r => { await r.stop() }))
    await nodes.cleanup()
  })

  async function rawPeer (): Promise<RawPeer> {
    const raw = await createRawPeer()
    raws.push(raw)
    return raw
  }

  it('holds a few MiB, not the answers, for 8 whole-window requests left unread', async () => {
    const addr = target.libp2p.getMultiaddrs()[0]
    const askers = [await rawPeer(), await rawPeer()]
    const before = await heldBytes()
    const streams: Stream[] = []
    for (const raw of askers) {
      for (let i = 0; i < HISTORY_MAX_STREAMS; i++) {
        const s = await openStream(raw, addr, HISTORY_PROTOCOL)
        if (s instanceof Error) throw s
        await lpStream(s).write(request())
        // read nothing: a paused stream takes in no more than its receive window
        s.pause()
        streams.push(s)
      }
    }
    // well within the node's answer timeout: what it holds now is what unread answers cost it
    await new Promise(resolve => setTimeout(resolve, 1_500))
    const grown = await heldBytes() - before
    for (const s of streams) s.abort(new Error('done'))
    expect(grown).toBeLessThan(8 * MiB)
  }, 60_000)

  it('caps an answer\'s bytes and says it is truncated', async () => {
    const raw = await rawPeer()
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
    const raw = await rawPeer()
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
