/**
 * Topic history catch-up (`/gossipd/history/1.0.0`): a node that subscribes late, or restarts, gets from a peer
 * what gossip could not deliver to it; a peer that forges or mislabels a message has nothing of its answer stored.
 */
import { RPC } from '@libp2p/gossipsub/message'
import { lpStream } from '@libp2p/utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HISTORY_BATCH_MESSAGES, HISTORY_PROTOCOL } from '../../src/messaging/constants.js'
import { HistoryProtocolError } from '../../src/errors.js'
import { toWire } from '../../src/messaging/history-protocol.js'
import { createRawPeer, type RawPeer } from '../helpers/raw-peer.js'
import { connect, startNode, stopNode, waitFor, type TestNode } from './helpers.js'

const TOPIC = 'log'
const text = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('topic history catch-up', () => {
  let a: TestNode
  let c: TestNode
  let b: TestNode | undefined
  let raw: RawPeer | undefined
  const published: string[] = []

  beforeAll(async () => {
    a = await startNode()
    c = await startNode()
    await connect(c, a)
    a.node.topics.subscribe(TOPIC)
    c.node.topics.subscribe(TOPIC)
    await waitFor(() => a.node.topics.info(TOPIC).meshPeers > 0 && c.node.topics.info(TOPIC).meshPeers > 0, 'mesh of a and c')
  })

  afterAll(async () => {
    await raw?.stop()
    if (b != null) await stopNode(b)
    await stopNode(a)
    await stopNode(c)
  })

  const idsAt = (n: TestNode): string[] => n.node.topics.history(TOPIC, { limit: 1000 }).map(m => m.id)

  it('serves a node that subscribes late the topic\'s last minute, as its author signed it', async () => {
    for (const body of ['one', 'two', 'three']) published.push((await a.node.topics.publish(TOPIC, text(body))).id)
    await waitFor(() => idsAt(c).length === 3, 'gossip to c')

    b = await startNode()
    b.node.topics.subscribe(TOPIC)
    await connect(b, a)
    await waitFor(() => idsAt(b!).length === 3, 'catch-up at b')
    const got = b.node.topics.history(TOPIC, { limit: 100 })
    expect(got.map(m => m.id)).toEqual(published)
    expect(got.map(m => new TextDecoder().decode(m.data))).toEqual(['one', 'two', 'three'])
    expect(got.every(m => m.from === a.node.peerId.toString())).toBe(true)
    const metrics = await (await fetch(`${b.url}/metrics`)).text()
    expect(metrics).toMatch(/gossipd_topic_messages_caught_up_total 3\b/)

    // asked again, the peer leaves out what b says it holds
    const again = await b.node.history.catchUp(TOPIC, a.node.peerId, 60_000)
    expect(again).toMatchObject({ answered: 0, stored: 0 })
    // an aborted signal ends the catch-up before it asks
    const aborted = AbortSignal.abort(new Error('caller gave up'))
    await expect(b.node.history.catchUp(TOPIC, a.node.peerId, 60_000, { signal: aborted })).rejects.toThrow('caller gave up')
  })

  it('catches a restarted node up on what it missed while it was down, without duplicates', async () => {
    const dir = b!.dir
    await stopNode(b!, { keepData: true })
    b = undefined
    for (const body of ['four', 'five']) published.push((await a.node.topics.publish(TOPIC, text(body))).id)
    b = await startNode({}, dir)
    await connect(b, a)
    await waitFor(() => idsAt(b!).length === 5, 'catch-up after restart')
    expect(idsAt(b)).toEqual(published)
  })

  it('brings a window longer than one answer in batches, newest first, each stored once', async () => {
    const dir = b!.dir
    await stopNode(b!, { keepData: true })
    b = undefined
    const missed: string[] = []
    for (let i = 0; i < HISTORY_BATCH_MESSAGES + 30; i++) missed.push((await a.node.topics.publish(TOPIC, text(`while down ${i}`))).id)
    published.push(...missed)
    b = await startNode({}, dir)
    await connect(b, a)
    await waitFor(() => idsAt(b!).length === published.length, 'every batch', 30_000)
    const ids = b.node.topics.history(TOPIC, { limit: 1000 }).map(m => m.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(new Set(ids)).toEqual(new Set(published))
    // the newest batch came first, the older rest after it
    const order = ids.slice(-missed.length)
    expect(order.indexOf(missed[missed.length - 1])).toBeLessThan(order.indexOf(missed[0]))
  })

  it('stores nothing from a peer that forges a message or answers with another topic', async () => {
    const genuine = toWire(a.node.topics.history(TOPIC, { limit: 1 })[0])
    expect(genuine).toBeDefined()
    const forged: RPC.Message = { ...genuine!, data: text('not what the author wrote'), seqno: new Uint8Array(8).fill(7) }
    const answers: RPC.Message[][] = [[forged], [genuine!]]
    raw = await createRawPeer()
    await raw.handle(HISTORY_PROTOCOL, async (stream) => {
      const lp = lpStream(stream)
      await lp.read()
      const frames = answers.shift() ?? []
      await lp.writeV([text(JSON.stringify({ count: frames.length })), ...frames.map(m => RPC.Message.encode(m))])
      await stream.close()
    })
    await raw.dial(b!.node.libp2p.getMultiaddrs()[0])
    await waitFor(() => b!.node.libp2p.getConnections(raw!.peerId).length > 0, 'connection at b')
    const before = idsAt(b!).length

    await expect(b!.node.history.catchUp(TOPIC, raw.peerId, 60_000)).rejects.toThrow(HistoryProtocolError)
    await expect(b!.node.history.catchUp(TOPIC, raw.peerId, 60_000)).resolves.toMatchObject({ answered: 1, stored: 0 })
    expect(idsAt(b!)).toHaveLength(before)

    answers.push([genuine!])
    await expect(b!.node.history.catchUp('another-topic', raw.peerId, 60_000)).rejects.toThrow(/another topic/)
    expect(b!.node.topics.history('another-topic', { limit: 10 })).toEqual([])
  })
})
