/**
 * A bounded breadth-first crawl of the swarm: ask this node's peers for their connections, then their peers,
 * up to a depth, a number of nodes and a time budget, and join the answers into one graph. Whatever the limits
 * cut off is still in the graph, as nodes marked unreached with the reason.
 */
import {
  CRAWL_CONCURRENCY, CRAWL_DEFAULT_DEPTH, CRAWL_DEFAULT_MAX_PEERS, CRAWL_DEFAULT_TIMEOUT_MS, CRAWL_MAX_DIAL_ADDRS, CRAWL_MAX_DIALS,
  CRAWL_MAX_NEW_PEERS_PER_REPORT, CRAWL_MIN_VOUCHERS, CRAWL_QUERY_TIMEOUT_MS
} from './constants.js'
import { withDeadline } from '../node/deadline.js'
import { ReportedAddrs } from './reported-addrs.js'
import type { PeerReport } from './report.js'

export interface CrawlOptions {
  /** Hops from this node to ask; 0 asks nobody else. @default CRAWL_DEFAULT_DEPTH */
  depth?: number
  /** Nodes to ask, this one included. @default CRAWL_DEFAULT_MAX_PEERS */
  maxPeers?: number
  /** Time budget of the whole crawl. @default CRAWL_DEFAULT_TIMEOUT_MS */
  timeoutMs?: number
  /** Time budget of one query. @default CRAWL_QUERY_TIMEOUT_MS */
  queryTimeoutMs?: number
  /** Queries in flight at once. @default CRAWL_CONCURRENCY */
  concurrency?: number
  /** Peers dialed (not connected to already) in the whole crawl. @default CRAWL_MAX_DIALS */
  maxDials?: number
  signal?: AbortSignal
}

export interface CrawlerComponents {
  /** This node's own report, taken before any query (so the crawl's own dials do not show up as its links). */
  self(): Promise<PeerReport>
  /** Ask one peer for its report, dialing it at `addrs` if not connected. */
  query(peerId: string, addrs: string[], options: { signal: AbortSignal }): Promise<PeerReport>
  /**
   * What this node knows of a peer apart from the crawl's reports: whether it is connected, and the addresses
   * its peer store or the DHT hold, not counting what `reporters` (the peers that named it) told it. Without it
   * every reported address counts as known (a swarm on paper in tests).
   */
  known?(peerId: string, reporters: string[]): Promise<{ connected: boolean, addrs: string[] }>
}

export type StopReason = 'depth' | 'maxPeers' | 'timeout'

export interface SwarmNode {
  id: string
  nick?: string
  agentVersion?: string
  uptimeMs?: number
  addrs: string[]
  /** Hops from the crawling node along the shortest path found. */
  depth: number
  reached: boolean
  /** Why an unreached node was not (or could not be) asked. */
  reason?: string
  /** Round trip of the query, dial included. */
  queryMs?: number
  topics: string[]
  /** Connections the node reported (unreached nodes: links seen from the other end). */
  degree: number
}

export interface SwarmEdge {
  source: string
  target: string
  /** Ping round trip as measured by the ends that reported the link (their mean), null if none measured yet. */
  latencyMs: number | null
  /** Topics in which this link is part of the gossipsub mesh (of either end). */
  mesh: string[]
}

export interface SwarmGraph {
  origin: string
  startedAt: string
  durationMs: number
  /** True when every node found was asked: no limit cut the crawl short and no query failed. */
  complete: boolean
  stoppedBy: StopReason[]
  limits: { depth: number, maxPeers: number, timeoutMs: number }
  topics: string[]
  nodes: SwarmNode[]
  edges: SwarmEdge[]
}

/** Why a peer named by one report only, and known to this node from nowhere else, is not dialed. */
const UNVOUCHED = 'no address but one reporter\'s'

/** How long a crawl out of time waits for its queries to wind down before it answers without them. */
const ABORT_GRACE_MS = 100

interface Entry {
  id: string
  depth: number
  addrs: ReportedAddrs
  state: 'pending' | 'asking' | 'done' | 'failed' | 'skipped'
  report?: PeerReport
  reason?: string
  queryMs?: number
}

export async function crawlSwarm (c: CrawlerComponents, options: CrawlOptions = {}): Promise<SwarmGraph> {
  const limits = {
    depth: options.depth ?? CRAWL_DEFAULT_DEPTH,
    maxPeers: options.maxPeers ?? CRAWL_DEFAULT_MAX_PEERS,
    timeoutMs: options.timeoutMs ?? CRAWL_DEFAULT_TIMEOUT_MS
  }
  const started = Date.now()
  // the crawl's time budget, cleared once it answers, so no timer outlives a crawl that ended early
  return withDeadline(limits.timeoutMs, async timeUp => crawlWithin(c, options, limits, started, timeUp), options.signal)
}

/** The crawl itself, until `timeUp` aborts at the latest. */
async function crawlWithin (c: CrawlerComponents, options: CrawlOptions, limits: SwarmGraph['limits'], started: number, timeUp: AbortSignal): Promise<SwarmGraph> {
  const queryTimeoutMs = options.queryTimeoutMs ?? CRAWL_QUERY_TIMEOUT_MS
  const concurrency = Math.max(1, options.concurrency ?? CRAWL_CONCURRENCY)
  const stoppedBy = new Set<StopReason>()

  const maxDials = options.maxDials ?? CRAWL_MAX_DIALS
  const origin = await c.self()
  const entries = new Map<string, Entry>()
  const originAddrs = new ReportedAddrs()
  originAddrs.add(origin.addrs, origin.peerId)
  entries.set(origin.peerId, { id: origin.peerId, depth: 0, addrs: originAddrs, state: 'done', report: origin, queryMs: 0 })
  let asked = 1
  let dials = 0

  const learn = (report: PeerReport, depth: number): void => {
    let added = 0
    for (const conn of report.connections) {
      let known = entries.get(conn.peerId)
      if (known == null) {
        // a report may name many made-up peers: only so many of them join the crawl
        if (added >= CRAWL_MAX_NEW_PEERS_PER_REPORT) continue
        added++
        known = { id: conn.peerId, depth, addrs: new ReportedAddrs(), state: 'pending' }
        entries.set(conn.peerId, known)
      } else if (known.state === 'pending') {
        known.depth = Math.min(known.depth, depth)
      } else if (known.state === 'skipped' && known.reason === UNVOUCHED) {
        // a second reporter: its addresses may now be vouched for
        known.state = 'pending'
        known.reason = undefined
      }
      if (conn.peerId !== report.peerId) known.addrs.add(conn.addrs, report.peerId)
    }
  }

  /**
   * The addresses to ask a peer at: none when connected; else those this node knew of it before the crawl and
   * those several reporters name, within the crawl's dial budget. A string says why it is not dialed.
   */
  const dialPlan = async (e: Entry): Promise<string[] | string> => {
    const known = c.known != null ? await c.known(e.id, e.addrs.reporters()) : { connected: false, addrs: e.addrs.all() }
    if (known.connected) return []
    const addrs = [...new Set([...known.addrs, ...e.addrs.vouched(CRAWL_MIN_VOUCHERS)])].slice(0, CRAWL_MAX_DIAL_ADDRS)
    if (addrs.length === 0) return UNVOUCHED
    if (dials >= maxDials) return 'dial limit'
    dials++
    return addrs
  }
  learn(origin, 1)

  const next = (): Entry | undefined => {
    let best: Entry | undefined
    for (const e of entries.values()) {
      if (e.state === 'pending' && e.depth <= limits.depth && (best == null || e.depth < best.depth)) best = e
    }
    return best
  }

  const ask = async (e: Entry): Promise<void> => {
    e.state = 'asking'
    const t0 = Date.now()
    try {
      const plan = await dialPlan(e)
      if (typeof plan === 'string') {
        e.state = 'skipped'
        e.reason = plan
        // not asked: its place among maxPeers goes to the next one
        asked--
        return
      }
      // cleared once the peer has answered, or failed to
      const report = await withDeadline(queryTimeoutMs, async signal => c.query(e.id, plan, { signal }), timeUp)
      if (report.peerId !== e.id) throw new Error(`answered as ${report.peerId}`)
      e.report = report
      e.state = 'done'
      e.queryMs = Date.now() - t0
      learn(report, e.depth + 1)
    } catch (err) {
      e.state = 'failed'
      e.reason = timeUp.aborted ? 'time limit' : (err as Error).message
    }
  }

  // a pool of workers, each taking the nearest pending node until none is left or a limit is hit
  const inFlight = new Set<Promise<void>>()
  const timedOut = new Promise<void>(resolve => { timeUp.addEventListener('abort', () => { resolve() }, { once: true }) })
  while (!timeUp.aborted) {
    let e = next()
    while (e != null && inFlight.size < concurrency && asked < limits.maxPeers && !timeUp.aborted) {
      asked++
      const p: Promise<void> = ask(e).finally(() => inFlight.delete(p))
      inFlight.add(p)
      e = next()
    }
    if (inFlight.size === 0) break
    await Promise.race([...inFlight, timedOut])
  }
  // the budget holds even for a query slow to notice its abort (a starved event loop, a dial mid-handshake)
  await Promise.race([Promise.all(inFlight), new Promise(resolve => setTimeout(resolve, ABORT_GRACE_MS))])

  for (const e of entries.values()) {
    if (e.state === 'asking') {
      e.state = 'failed'
      e.reason = 'time limit'
      continue
    }
    if (e.state !== 'pending') continue
    e.state = 'skipped'
    if (timeUp.aborted) {
      stoppedBy.add('timeout')
      e.reason = 'time limit'
    } else if (e.depth > limits.depth) {
      stoppedBy.add('depth')
      e.reason = 'depth limit'
    } else {
      stoppedBy.add('maxPeers')
      e.reason = 'peer limit'
    }
  }
  if ([...entries.values()].some(e => e.reason === 'time limit')) stoppedBy.add('timeout')

  const edges = joinEdges(origin.peerId, [...entries.values()])
  const degree = new Map<string, number>()
  for (const edge of edges) {
    degree.set(edge.source, (degree.get(edge.source) ?? 0) + 1)
    degree.set(edge.target, (degree.get(edge.target) ?? 0) + 1)
  }
  const nodes = [...entries.values()].map((e): SwarmNode => ({
    id: e.id,
    ...(e.report?.nick != null ? { nick: e.report.nick } : {}),
    ...(e.report != null ? { agentVersion: e.report.agentVersion, uptimeMs: e.report.uptimeMs } : {}),
    addrs: e.report?.addrs ?? e.addrs.all(),
    depth: e.depth,
    reached: e.state === 'done',
    ...(e.reason != null ? { reason: e.reason } : {}),
    ...(e.queryMs != null ? { queryMs: e.queryMs } : {}),
    topics: e.report?.topics.map(t => t.topic) ?? [],
    degree: degree.get(e.id) ?? 0
  }))
  return {
    origin: origin.peerId,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    complete: nodes.every(n => n.reached),
    stoppedBy: [...stoppedBy],
    limits,
    topics: [...new Set(nodes.flatMap(n => n.topics))].sort(),
    nodes,
    edges
  }
}

/**
 * One undirected edge per pair of nodes that either end reported. Links to the crawling node come from its own
 * report only: the others were asked over connections the crawl itself may have opened.
 */
function joinEdges (origin: string, entries: Entry[]): SwarmEdge[] {
  // a link to a peer a report's cap left out of the graph would dangle
  const known = new Set(entries.map(e => e.id))
  const edges = new Map<string, { source: string, target: string, latencies: number[], mesh: Set<string> }>()
  const key = (a: string, b: string): string => a < b ? `${a} ${b}` : `${b} ${a}`
  for (const e of entries) {
    if (e.report == null) continue
    for (const conn of e.report.connections) {
      if (conn.peerId === e.id || (e.id !== origin && conn.peerId === origin) || !known.has(conn.peerId)) continue
      const k = key(e.id, conn.peerId)
      let edge = edges.get(k)
      if (edge == null) {
        edge = { source: e.id, target: conn.peerId, latencies: [], mesh: new Set() }
        edges.set(k, edge)
      }
      if (conn.latencyMs != null) edge.latencies.push(conn.latencyMs)
    }
  }
  for (const e of entries) {
    for (const t of e.report?.topics ?? []) {
      for (const peer of t.mesh) {
        edges.get(key(e.id, peer))?.mesh.add(t.topic)
      }
    }
  }
  return [...edges.values()].map(edge => ({
    source: edge.source,
    target: edge.target,
    latencyMs: edge.latencies.length === 0 ? null : Math.round(edge.latencies.reduce((a, b) => a + b, 0) / edge.latencies.length * 10) / 10,
    mesh: [...edge.mesh].sort()
  }))
}
