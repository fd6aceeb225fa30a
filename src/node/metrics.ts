/**
 * Prometheus metrics of one node. Gauges read live values when scraped, so nothing has to keep them updated. The
 * process metrics (CPU, memory, GC, event-loop lag) start with the first scrape: their event-loop lag histogram
 * wakes the process on a timer, and a node nobody scrapes should not pay for it.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import { METRICS_EVENT_LOOP_RESOLUTION_MS } from './constants.js'

export interface MetricsSources {
  connections(): number
  routingTableSize(): number
  uptimeSeconds(): number
  /** `public`, `private` or `unknown`, as dial-backs decided (node/reachability.ts). @default () => 'unknown' */
  reachability?(): 'public' | 'private' | 'unknown'
}

export interface NodeMetrics {
  registry: Registry
  /** The text exposition, as `/metrics` serves it; the first call starts the process metrics. */
  scrape(): Promise<string>
  /** Counter families other features add to (e.g. messages published), created on first use. */
  counter(name: string, help: string, labelNames?: string[]): Counter
}

export function createMetrics (sources: MetricsSources): NodeMetrics {
  const registry = new Registry()
  let processMetrics = false
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({ name, help, registers: [registry], collect () { this.set(read()) } })
  }
  gauge('gossipd_peers_connected', 'Peers with at least one open connection', sources.connections)
  gauge('gossipd_dht_routing_table_size', 'Peers in the Kademlia routing table', sources.routingTableSize)
  gauge('gossipd_uptime_seconds', 'Seconds since the node started', sources.uptimeSeconds)
  new Gauge({
    name: 'gossipd_reachability',
    help: 'Reachability from dial-backs: 1 for the current state (public, private or unknown), 0 for the others',
    labelNames: ['state'],
    registers: [registry],
    collect () {
      const now = sources.reachability?.() ?? 'unknown'
      for (const state of ['public', 'private', 'unknown']) this.set({ state }, state === now ? 1 : 0)
    }
  })
  const counters = new Map<string, Counter>()
  return {
    registry,
    async scrape () {
      if (!processMetrics) {
        processMetrics = true
        collectDefaultMetrics({ register: registry, prefix: 'gossipd_process_', eventLoopMonitoringPrecision: METRICS_EVENT_LOOP_RESOLUTION_MS })
      }
      return registry.metrics()
    },
    counter (name, help, labelNames = []) {
      let c = counters.get(name)
      if (c == null) {
        c = new Counter({ name, help, labelNames, registers: [registry] })
        counters.set(name, c)
      }
      return c
    }
  }
}
