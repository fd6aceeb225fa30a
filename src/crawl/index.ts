/**
 * The swarm as a graph: `/gossipd/peers/1.0.0` (each node's own connections and gossipsub mesh) and a bounded
 * crawl over it. Every node has one, as `node.swarm`.
 *
 * @example
 * ```ts
 * const graph = await node.swarm.crawl({ depth: 3, maxPeers: 100, timeoutMs: 2000 })
 * console.log(graph.nodes.length, 'nodes', graph.edges.length, 'links', graph.complete ? '' : '(cut short)')
 * ```
 */
export { SwarmView, createSwarmView } from './swarm-view.js'
export type { SwarmViewComponents } from './swarm-view.js'
export { crawlSwarm } from './crawler.js'
export type { CrawlOptions, CrawlerComponents, SwarmGraph, SwarmNode, SwarmEdge, StopReason } from './crawler.js'
export { decodeReport, PeerReportSchema, InvalidReportError } from './report.js'
export type { PeerReport, ConnectionReport, TopicReport, PeersRequest } from './report.js'
