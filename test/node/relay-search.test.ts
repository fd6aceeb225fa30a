/**
 * A node short of relays searches in bounded walks with growing pauses: the transport asks for a search whenever
 * it holds fewer reservations than it listens for, and its own search would walk the DHT until it found one.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { paceRelaySearch } from '../../src/node/relay-search.js'
import { startNode, stopNode } from '../messaging/helpers.js'

/** The transport's discovery as the wrapper sees it, counting what it was asked to do. */
function fakeTransport (): { discovery: { running: boolean, startDiscovery: () => void, stopDiscovery: () => void, stop: () => void }, starts: number, stops: number } {
  const t = {
    starts: 0,
    stops: 0,
    discovery: {
      running: false,
      startDiscovery () { if (this.running) return; this.running = true; t.starts++ },
      stopDiscovery () { if (this.running) t.stops++; this.running = false },
      stop () { if (this.running) this.stopDiscovery() }
    }
  }
  return t
}

describe('relay search pacing', () => {
  beforeEach(() => { vi.useFakeTimers() })
  afterEach(() => { vi.useRealTimers() })

  it('ends a search that found nothing after its time, then searches again after pauses that double up to a cap', () => {
    const t = fakeTransport()
    paceRelaySearch(t, { searchMs: 10, minPauseMs: 100, maxPauseMs: 300 })
    t.discovery.startDiscovery()
    expect(t.starts).toBe(1)
    // the transport asks again while a search runs or a pause lasts: nothing new starts
    t.discovery.startDiscovery()
    vi.advanceTimersByTime(10)
    expect(t.discovery.running).toBe(false)
    t.discovery.startDiscovery()
    expect(t.starts).toBe(1)
    vi.advanceTimersByTime(100)
    expect(t.starts).toBe(2)
    // pauses: 100, 200, then 300 (the cap), 300
    vi.advanceTimersByTime(10 + 199)
    expect(t.starts).toBe(2)
    vi.advanceTimersByTime(1)
    expect(t.starts).toBe(3)
    vi.advanceTimersByTime(10 + 300)
    expect(t.starts).toBe(4)
    vi.advanceTimersByTime(10 + 300)
    expect(t.starts).toBe(5)
  })

  it('stops pacing once the transport has its relays, and searches at once the next time it is short', () => {
    const t = fakeTransport()
    paceRelaySearch(t, { searchMs: 10, minPauseMs: 100, maxPauseMs: 300 })
    t.discovery.startDiscovery()
    vi.advanceTimersByTime(10 + 100 + 10)
    expect(t.starts).toBe(2)
    // a relay turned up during the pause: the transport stops the search
    t.discovery.stopDiscovery()
    vi.advanceTimersByTime(10_000)
    expect(t.starts).toBe(2)
    // a relay died later: a search starts at once, and the pause after it is the shortest again
    t.discovery.startDiscovery()
    expect(t.starts).toBe(3)
    vi.advanceTimersByTime(10 + 99)
    expect(t.starts).toBe(3)
    vi.advanceTimersByTime(1)
    expect(t.starts).toBe(4)
  })

  it('starts nothing after the transport stopped', () => {
    const t = fakeTransport()
    paceRelaySearch(t, { searchMs: 10, minPauseMs: 100, maxPauseMs: 300 })
    t.discovery.startDiscovery()
    vi.advanceTimersByTime(10)
    t.discovery.stop()
    vi.advanceTimersByTime(10_000)
    expect(t.starts).toBe(1)
  })

  it('throws at start when the transport keeps no discovery to pace', () => {
    expect(() => { paceRelaySearch({}) }).toThrow(/no relay discovery/)
  })

  it('paces the relay transport a node is built with', async () => {
    vi.useRealTimers()
    const n = await startNode()
    try {
      const transports = (n.node.libp2p as unknown as { components: { transportManager: { getTransports: () => unknown[] } } }).components.transportManager.getTransports()
      const relay = transports.find(t => (t as { discovery?: unknown }).discovery != null) as { discovery: object } | undefined
      expect(relay).toBeDefined()
      // the wrapper's own functions sit on the instance, over the class's
      expect(Object.hasOwn(relay!.discovery, 'startDiscovery')).toBe(true)
      expect(Object.hasOwn(relay!.discovery, 'stopDiscovery')).toBe(true)
    } finally {
      await stopNode(n)
    }
  })
})
