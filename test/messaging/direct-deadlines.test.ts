/**
 * The receiver of direct messages reads each frame within DM_IDLE_TIMEOUT_MS, and clears that read's timer once
 * the frame is in: a stream carries one read per message, and timers left to fire would outlive it by far
 * (node/deadline.ts).
 */
import type { Connection, Stream } from '@libp2p/interface'
import { lpStream, streamPair } from '@libp2p/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { DM_IDLE_TIMEOUT_MS } from '../../src/messaging/constants.js'
import { decodeFrame, encodeFrame } from '../../src/messaging/dm-codec.js'
import { DirectTestBed, newPeerId } from '../helpers/unreachable-direct.js'
import { timersOfLength } from '../helpers/timers.js'

describe('receiving direct messages', () => {
  const bed = new DirectTestBed()

  afterEach(async () => { await bed.stop() })

  it('clears the idle timer of every frame read by the time the stream ends', async () => {
    let receive: ((stream: Stream, connection: Connection) => Promise<void>) | undefined
    const direct = await bed.open('gossipd-dm-deadlines-', {}, { handle: async (_protocol, handler) => { receive = handler } })
    await direct.start()
    const sender = await newPeerId()
    const [outbound, inbound] = await streamPair()
    const result = await timersOfLength(DM_IDLE_TIMEOUT_MS, async () => {
      const received = receive!(inbound, { remotePeer: sender } as unknown as Connection)
      const lp = lpStream(outbound)
      for (const id of ['m1', 'm2', 'm3']) {
        await lp.write(encodeFrame({ type: 'msg', id, from: sender.toString(), ts: Date.now(), body: Buffer.from(id).toString('base64') }))
        expect(decodeFrame((await lp.read()).subarray())).toEqual({ type: 'ack', id, duplicate: false })
      }
      await outbound.close()
      await received
    })
    // three messages, and the read that found the sender gone
    expect(result).toEqual({ set: 4, left: 0 })
    expect(direct.inboxStats().count).toBe(3)
  })
})
