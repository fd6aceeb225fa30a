/**
 * Yamux window updates once half the receive window is used (src/node/yamux-window.ts): small messages draw no
 * update frame per message, and a transfer many windows long still flows, with an update per half window.
 */
import { StreamState } from '@chainsafe/libp2p-yamux/stream'
import type { Stream } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { windowUpdateDue } from '../../src/node/yamux-window.js'
import { applyDependencyPatches } from '../../src/node/patches.js'
import { connect, startNode, stopNode, type TestNode } from '../messaging/helpers.js'

const PROTOCOL = '/gossipd-test/window/1.0.0'
/** Yamux's frame type of a window update (the spec's 0x1). */
const WINDOW_UPDATE = 1
const KIB = 1024

// the patch under test is process-wide, applied as `gossipd start` applies it
applyDependencyPatches()

describe('Yamux window updates', () => {
  let a: TestNode
  let b: TestNode
  /** What the receiving end of the latest stream saw and sent. */
  let received = { bytes: 0, updates: 0, done: Promise.resolve() }
  let marks: number[] = []

  beforeAll(async () => {
    a = await startNode()
    b = await startNode()
    await b.node.handle(PROTOCOL, async (stream: Stream) => {
      const frames = stream as unknown as { sendFrame: (header: { type: number }, data?: unknown) => boolean }
      expect(typeof frames.sendFrame).toBe('function')
      const send = frames.sendFrame
      const r = { bytes: 0, updates: 0, done: Promise.resolve() }
      frames.sendFrame = (header, data) => {
        if (header.type === WINDOW_UPDATE) r.updates++
        return send(header, data)
      }
      received = r
      r.done = (async () => {
        for await (const chunk of stream) {
          r.bytes += chunk.byteLength
          // a mark: how many updates had gone out when the small messages were all in
          if (r.bytes === 200 * KIB) marks.push(r.updates)
        }
        await stream.close()
      })()
      await r.done
    })
    await connect(a, b)
  })

  afterAll(async () => {
    await stopNode(a)
    await stopNode(b)
  })

  async function write (stream: Stream, buf: Uint8Array): Promise<void> {
    if (!stream.send(buf)) await stream.onDrain({ signal: AbortSignal.timeout(10_000) })
  }

  it('decides as go-yamux does: at half the window for an established stream, always otherwise', () => {
    const window = 256 * KIB
    expect(windowUpdateDue({ state: StreamState.Established, recvWindow: window, recvWindowCapacity: window - 1 * KIB })).toBe(false)
    expect(windowUpdateDue({ state: StreamState.Established, recvWindow: window, recvWindowCapacity: window / 2 + 1 })).toBe(false)
    expect(windowUpdateDue({ state: StreamState.Established, recvWindow: window, recvWindowCapacity: window / 2 })).toBe(true)
    expect(windowUpdateDue({ state: StreamState.Established, recvWindow: window, recvWindowCapacity: 0 })).toBe(true)
    // a new stream's first frame carries SYN/ACK; a paused stream keeps its bookkeeping
    for (const state of [StreamState.Init, StreamState.SYNReceived, StreamState.Paused]) {
      expect(windowUpdateDue({ state, recvWindow: window, recvWindowCapacity: window - 1 })).toBe(true)
    }
  })

  it('sends no window update per small message, and an update per half window for bulk data', async () => {
    marks = []
    const stream = await a.node.dialProtocol(b.node.peerId, PROTOCOL)
    // 200 messages of 1 KiB: less than half the initial 256 KiB window
    for (let i = 0; i < 200; i++) {
      await write(stream, new Uint8Array(KIB).fill(i))
      // one message per event-loop turn, as gossip sends them
      await new Promise(resolve => setImmediate(resolve))
    }
    // then 16 MiB: dozens of windows, which only flow if updates still come in time
    const bulk = 16 * KIB * KIB
    for (let sent = 0; sent < bulk; sent += 64 * KIB) await write(stream, new Uint8Array(64 * KIB))
    await stream.close()
    await received.done
    expect(received.bytes).toBe(200 * KIB + bulk)
    // the library answered each of the 200 frames with an update; now at most the first does (it carries the
    // new stream's ACK when the handler has not answered yet)
    expect(marks).toHaveLength(1)
    expect(marks[0]).toBeLessThanOrEqual(1)
    expect(received.updates).toBeGreaterThan(0)
    // at most one per half of the smallest window (the window grows when updates come fast)
    expect(received.updates).toBeLessThanOrEqual(Math.ceil((200 * KIB + bulk) / (128 * KIB)))
  }, 60_000)
})
