/**
 * gossipd: a peer-to-peer messaging node on libp2p, usable as a library.
 *
 * @example
 * ```ts
 * import { createNode, loadConfig } from 'gossipd'
 *
 * const node = await createNode(loadConfig({ flags: { listen: ['/ip4/127.0.0.1/tcp/0'], dataDir: './data' } }))
 * console.log(node.info().peerId)
 * console.log(await node.peers.list())
 * await node.stop()
 * ```
 */
export { createNode, GossipdNode } from './gossipd.js'
export type { CreateNodeOptions, Feature } from './gossipd.js'
export type { GossipdHost, HandleOptions, NodeInfo } from './node/host.js'
export type { PeerEntry, ConnectResult } from './node/peers.js'
export type { RoutingTableView, FindPeerResult } from './node/dht.js'
export { applyDependencyPatches, dependencyPatchesApplied, DEPENDENCY_PATCHES } from './node/patches.js'
export type { DependencyPatch } from './node/patches.js'
export { loadConfig, SETTINGS, ConfigSchema } from './config.js'
export type { NodeConfig, ConfigSources } from './config.js'
export * from './errors.js'
export * as constants from './all-constants.js'
export { createLogger } from './logger.js'
export { buildApi } from './api/server.js'
export { Topics, DirectMessages, decodeBody, encodeBody, messageView } from './messaging/index.js'
export type {
  TopicInfo, TopicPeers, PublishResult, TopicMessage, TopicValidator, SendResult, SendOptions, StoredMessage,
  PageOptions, OutboxEntry, OutboxStatus, LiveReader, MessageView, Encoding
} from './messaging/index.js'
export { FileSharing, checkFileName, parseFileId, TokenBucket } from './files/index.js'
export type {
  FileEntry, FileOrigin, Manifest, DownloadStatus, ProviderStatus, DownloadState, DownloadOptions, IndexEntry, SearchAnswer,
  SearchResult, ServedEvent, FileSharingOptions
} from './files/index.js'
export { SwarmView, crawlSwarm, decodeReport, PeerReportSchema, InvalidReportError } from './crawl/index.js'
export type { CrawlOptions, SwarmGraph, SwarmNode, SwarmEdge, StopReason, PeerReport, ConnectionReport, TopicReport } from './crawl/index.js'
