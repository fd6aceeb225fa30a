/**
 * A connection's close, a closed connection's reachability probe and a ping without a signal of its own each run
 * under a time limit whose timer is cleared once they end: every trimmed connection is closed and probed, and
 * timers left to fire would outlive most of them by seconds (node/deadline.ts). The limits still hold as before.
 */
import type { Connection, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { PingComponents } from '@libp2p/ping'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { closeConnection } from '../../src/node/close-connection.js'
import { CONNECTION_CLOSE_TIMEOUT_MS } from '../../src/node/constants.js'
import { Liveness } from '../../src/node/liveness.js'
import { muxerFirstPing } from '../../src/node/muxer-ping.js'

const PEER = peerIdFromString('12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN')

/** A promise that rejects with the signal's reason once it aborts, as a libp2p call given that signal does. */
const untilAborted = async (signal: AbortSignal): Promise<never> => new Promise((_resolve, reject) => {
  signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
})

const isTimeout = (err: unknown): boolean => err instanceof DOMException && err.name === 'TimeoutError' &&
  err.message === 'The operation was aborted due to timeout'

beforeEach(() => { vi.useFakeTimers() })
afterEach(() => { vi.useRealTimers() })

describe('closing a connection', () => {
  it('clears its time limit once the connection is closed', async () => {
    let during: number | undefined
    let signal: AbortSignal | undefined
    const conn = {
      close: async (options: { signal: AbortSignal }) => { during = vi.getTimerCount(); signal = options.signal },
      abort: vi.fn()
    }
    await closeConnection(conn as unknown as Connection)
    expect(during).toBe(1)
    expect(vi.getTimerCount()).toBe(0)
    vi.advanceTimersByTime(CONNECTION_CLOSE_TIMEOUT_MS)
    expect(signal?.aborted).toBe(false)
    expect(conn.abort).not.toHaveBeenCalled()
  })

  it('aborts the connection when the close is not over within CONNECTION_CLOSE_TIMEOUT_MS', async () => {
    const conn = { close: async (options: { signal: AbortSignal }) => untilAborted(options.signal), abort: vi.fn() }
    const closing = closeConnection(conn as unknown as Connection)
    await vi.advanceTimersByTimeAsync(CONNECTION_CLOSE_TIMEOUT_MS - 1)
    expect(conn.abort).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    await closing
    expect(conn.abort).toHaveBeenCalledOnce()
    expect(isTimeout(conn.abort.mock.calls[0][0])).toBe(true)
  })
})

describe('the reachability probe of a peer that closed its connection', () => {
  const TIMEOUT_MS = 5_000

  function liveness (opts: { back: boolean, ping: (signal: AbortSignal) => Promise<number> }): { liveness: Liveness, pings: number[], forgotten: PeerId[] } {
    const pings: number[] = []
    const forgotten: PeerId[] = []
    const l = new Liveness({
      getConnections: () => [],
      ping: async (_peer, { signal }) => { pings.push(vi.getTimerCount()); return opts.ping(signal) },
      hangUp: async () => {},
      forget: async p => { forgotten.push(p) },
      isConnected: () => opts.back,
      // keeps the probe's connection: nothing to close here
      wantsPeers: () => true,
      log: pino({ level: 'silent' })
    }, { intervalMs: 10_000, timeoutMs: TIMEOUT_MS })
    return { liveness: l, pings, forgotten }
  }

  it('clears its time limit when the peer is back before the probe', async () => {
    const { liveness: l, pings } = liveness({ back: true, ping: async () => 1 })
    l.onDisconnect(PEER)
    // the second's wait for a reconnect, and the probe's limit
    expect(vi.getTimerCount()).toBe(2)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(pings).toEqual([])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('clears its time limit once the ping is answered', async () => {
    const { liveness: l, pings, forgotten } = liveness({ back: false, ping: async () => 1 })
    l.onDisconnect(PEER)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(pings).toEqual([1])
    expect(vi.getTimerCount()).toBe(0)
    expect(forgotten).toEqual([])
  })

  it('counts its time limit from the disconnect, the wait included, and forgets a peer that does not answer', async () => {
    let signal: AbortSignal | undefined
    const { liveness: l, pings, forgotten } = liveness({ back: false, ping: async s => { signal = s; return untilAborted(s) } })
    l.onDisconnect(PEER)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(pings).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(TIMEOUT_MS - 1_000 - 1)
    expect(signal?.aborted).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(isTimeout(signal?.reason)).toBe(true)
    await vi.advanceTimersByTimeAsync(0)
    expect(forgotten).toEqual([PEER])
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('a ping over the muxer', () => {
  /** The ping service over one open connection whose muxer answers with `pong`; records the timers at each ping. */
  function service (pong: () => Promise<number>, timeout?: number): { ping: (options?: { signal?: AbortSignal }) => Promise<number>, during: number[] } {
    const during: number[] = []
    const conn = { status: 'open', muxer: { ping: async () => { during.push(vi.getTimerCount()); return pong() } } }
    const components = { connectionManager: { getConnections: () => [conn] } } as unknown as PingComponents
    const s = muxerFirstPing(timeout != null ? { timeout } : {})(components)
    return { ping: async (options = {}) => s.ping(PEER, options), during }
  }

  it('without a signal, sets a time limit of its own and clears it once answered', async () => {
    const { ping, during } = service(async () => 3)
    expect(await ping()).toBe(3)
    expect(during).toEqual([1])
    expect(vi.getTimerCount()).toBe(0)
  })

  it("with the caller's signal, sets none", async () => {
    const { ping, during } = service(async () => 3)
    expect(await ping({ signal: new AbortController().signal })).toBe(3)
    expect(during).toEqual([0])
  })

  it('without a signal, gives up after the configured timeout', async () => {
    const { ping } = service(async () => new Promise<number>(() => {}), 2_000)
    let settled = false
    const answer = ping().then(() => undefined, (err: unknown) => err).finally(() => { settled = true })
    await vi.advanceTimersByTimeAsync(1_999)
    expect(settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(isTimeout(await answer)).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })
})
