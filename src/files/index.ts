/**
 * File sharing: a chunked, content-addressed store; `/gossipd/files/1.0.0` for manifests and chunks;
 * `/gossipd/index/1.0.0` for a peer's file list; DHT provider records; multi-source, verified, resumable
 * downloads. Reached as `node.files`.
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs'
 * import { createNode, loadConfig } from 'gossipd'
 *
 * const a = await createNode(loadConfig({ flags: { dataDir: './a', listen: ['/ip4/127.0.0.1/tcp/0'] } }))
 * const b = await createNode(loadConfig({ flags: { dataDir: './b', listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: a.info().listen } }))
 * const file = await a.files.add(createReadStream('./photo.jpg'), 'photo.jpg')
 * const job = b.files.download(file.id)                  // finds a through the DHT
 * console.log(await b.files.downloads.wait(job.id))       // { state: 'completed', ... }
 * b.files.read(file.id).pipe(process.stdout)
 * ```
 */
export { FileSharing, createFileSharing } from './file-sharing.js'
export type { FileSharingComponents, FileSharingOptions, SearchAnswer, SearchResult, ServedEvent } from './file-sharing.js'
export type { FileEntry, FileOrigin } from './store.js'
export type { Manifest } from './manifest.js'
export type { DownloadStatus } from './download-job.js'
export type { ProviderStatus } from './provider-swarm.js'
export type { DownloadState } from './download-records.js'
export type { DownloadOptions } from './downloads.js'
export type { IndexEntry } from './index-protocol.js'
export { checkFileName } from './names.js'
export { parseFileId } from './manifest.js'
export { TokenBucket } from '../node/token-bucket.js'
