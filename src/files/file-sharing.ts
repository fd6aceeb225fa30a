/**
 * The file-sharing feature of a node (`node.files`): the store, both protocols, provider records and
 * downloads. The HTTP routes and the CLI are thin users of this object.
 */
import { EventEmitter } from 'node:events'
import type { ReadStream } from 'node:fs'
import { join } from 'node:path'
import type { Connection, PeerId, PeerInfo, Stream } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import { FILE_CHUNK_SIZE, DEFAULT_MAX_FILE_SIZE } from '../constants.js'
import {
  FILES_FIND_PROVIDERS_TIMEOUT_MS, FILES_INDEX_TIMEOUT_MS, FILES_MAX_INBOUND_STREAMS, FILES_PROTOCOL,
  FILES_STREAMS_PER_PEER, INDEX_PROTOCOL
} from './constants.js'
import { NotStartedError } from '../errors.js'
import type { Logger } from '../logger.js'
import { withDeadline, withSignalOrDeadline } from '../node/deadline.js'
import type { HandleOptions } from '../node/host.js'
import type { NodeMetrics } from '../node/metrics.js'
import { parsePeerId } from '../node/peer-id.js'
import type { Database } from '../storage/database.js'
import { Downloads, type DownloadOptions } from './downloads.js'
import type { DownloadStatus } from './download-job.js'
import { matches, requestIndex, serveIndex, type IndexEntry } from './index-protocol.js'
import { Bitfield } from './bitfield.js'
import { FilePeers } from './file-peers.js'
import { SeedSpread } from './seed-spread.js'
import { decodeManifest, parseFileId, type Manifest } from './manifest.js'
import { FilesSession, serveFiles, type ChunkSource } from './protocol.js'
import { Providers } from './providers.js'
import { FileStore, type FileEntry } from './store.js'
import { TokenBucket } from '../node/token-bucket.js'

export interface FileSharingComponents {
  peerId: PeerId
  dht: Pick<KadDHT, 'provide' | 'findProviders' | 'cancelReprovide'>
  rememberAddresses(info: PeerInfo): Promise<void>
  handle(protocol: string, handler: (stream: Stream, connection: Connection) => Promise<void>, options: HandleOptions): Promise<void>
  unhandle(protocol: string): Promise<void>
  dialProtocol(peer: PeerId, protocol: string, options: { signal: AbortSignal }): Promise<Stream>
  connectedPeers(): PeerId[]
  /** The node's database, opened and closed by the composition root. */
  db: Database
  metrics: NodeMetrics
  log: Logger
}

export interface FileSharingOptions {
  dataDir: string
  /** @default FILE_CHUNK_SIZE */
  chunkSize?: number
  /** @default DEFAULT_MAX_FILE_SIZE */
  maxFileSize?: number
  /** Upload cap in bytes per second, 0 for none. @default 0 */
  uploadLimit?: number
  /** @default DEFAULT_MAX_STORAGE */
  maxStorage?: number
  /** @default DEFAULT_MAX_FILES */
  maxFiles?: number
  /** @default DEFAULT_MAX_DOWNLOADS */
  maxDownloads?: number
}

export interface SearchResult {
  id: string
  name: string
  size: number
  /** Peers whose index lists the file. */
  peers: string[]
}

export interface SearchAnswer {
  results: SearchResult[]
  /** Peers asked, and those that did not answer in time. */
  asked: number
  failed: string[]
}

export interface ServedEvent {
  fileId: string
  index: number
  bytes: number
}

export interface FileSharingEvents {
  served: [ServedEvent]
}

interface Running {
  store: FileStore
  downloads: Downloads
  providers: Providers
}

export class FileSharing extends EventEmitter<FileSharingEvents> {
  private running?: Running
  private readonly upload: TokenBucket
  private readonly filePeers = new FilePeers()
  private readonly spread = new SeedSpread()

  constructor (private readonly c: FileSharingComponents, private readonly opts: FileSharingOptions) {
    super()
    this.upload = new TokenBucket({ rate: opts.uploadLimit ?? 0 })
  }

  private get r (): Running {
    if (this.running == null) throw new NotStartedError('file sharing is not running')
    return this.running
  }

  get store (): FileStore { return this.r.store }
  get downloads (): Downloads { return this.r.downloads }

  async start (): Promise<void> {
    if (this.running != null) return
    const db = this.c.db
    const store = new FileStore({ dataDir: this.opts.dataDir, db, chunkSize: this.opts.chunkSize ?? FILE_CHUNK_SIZE, maxFileSize: this.opts.maxFileSize ?? DEFAULT_MAX_FILE_SIZE,
      maxStorage: this.opts.maxStorage,
      maxFiles: this.opts.maxFiles
    })
    await store.init()
    const providers = new Providers({ peerId: this.c.peerId, dht: this.c.dht, rememberAddresses: this.c.rememberAddresses, log: this.c.log })
    const downloaded = this.c.metrics.counter('gossipd_files_downloaded_bytes_total', 'Verified chunk bytes received by downloads')
    const corrupt = this.c.metrics.counter('gossipd_files_corrupt_chunks_total', 'Chunks rejected because they did not match their hash')
    const downloads = new Downloads({
      db,
      store,
      partialDir: join(store.root, 'partial'),
      findProviders: (cid, signal) => this.mapFind(providers.find(cid, signal)),
      openSession: async (peer, signal) => FilesSession.open(async s => this.c.dialProtocol(peer, FILES_PROTOCOL, { signal: s }), signal),
      announce: id => { providers.announce(id) },
      abandon: id => { if (!store.has(id)) void providers.forget(id) },
      log: this.c.log.child({ component: 'downloads' }),
      onCorrupt: () => { corrupt.inc() },
      onChunk: bytes => { downloaded.inc(bytes) }
    }, { maxActive: this.opts.maxDownloads })
    this.running = { store, downloads, providers }
    const served = this.c.metrics.counter('gossipd_files_served_bytes_total', 'Chunk bytes served to peers')
    const answered = this.c.metrics.counter('gossipd_files_requests_total', 'Files-protocol requests answered, by request type and answer', ['type', 'answer'])
    await this.c.handle(FILES_PROTOCOL, async (stream, connection) => serveFiles(stream, connection.remotePeer.toString(), {
      source: this.chunkSource(),
      upload: this.upload,
      peers: this.filePeers,
      spread: this.spread,
      log: this.c.log,
      onServed: (fileId, index, bytes) => { served.inc(bytes); this.emit('served', { fileId, index, bytes }) },
      onAnswered: (type, answer) => { answered.inc({ type, answer }) },
      // a peer asking for a file this node is downloading is downloading it too: ask it back
      onAsked: (fileId, peer) => { this.running?.downloads.activeFor(fileId)?.hint(peer) }
    }), { maxInboundStreams: FILES_MAX_INBOUND_STREAMS, maxOutboundStreams: FILES_STREAMS_PER_PEER * 2 })
    await this.c.handle(INDEX_PROTOCOL, async stream => serveIndex(stream, () => store.list()), {})
    providers.start()
    for (const f of store.list()) providers.announce(f.id)
    downloads.start()
  }

  async stop (): Promise<void> {
    const r = this.running
    if (r == null) return
    this.running = undefined
    r.providers.stop()
    await r.downloads.stop()
    await this.c.unhandle(FILES_PROTOCOL).catch(() => {})
    await this.c.unhandle(INDEX_PROTOCOL).catch(() => {})
    await r.store.close()
  }

  private async * mapFind (found: AsyncIterable<PeerInfo>): AsyncGenerator<PeerId> {
    for await (const info of found) yield info.id
  }

  /** What the files protocol serves: complete files, and finished chunks of downloads in progress. */
  private chunkSource (): ChunkSource {
    return {
      manifest: async id => {
        if (this.r.store.has(id)) return this.r.store.manifestBytes(id)
        return this.r.downloads.activeFor(id)?.manifestData
      },
      chunk: async (id, index) => {
        const entry = this.r.store.find(id)
        if (entry != null) return index < entry.chunks ? this.r.store.readChunk(id, index) : undefined
        const job = this.r.downloads.activeFor(id)
        if (job?.manifest == null || index >= job.manifest.chunks.length) return undefined
        return job.readChunk(index)
      },
      wholeChunks: id => this.r.store.find(id)?.chunks,
      have: id => {
        const entry = this.r.store.find(id)
        if (entry != null) return Bitfield.full(entry.chunks)
        return this.r.downloads.activeFor(id)?.have()
      }
    }
  }

  /** Stream bytes into the store and announce the file. */
  async add (source: AsyncIterable<Uint8Array>, name: string, options: { signal?: AbortSignal } = {}): Promise<FileEntry> {
    const entry = await this.r.store.add(source, name, options)
    this.r.providers.announce(entry.id)
    return entry
  }

  /** Local files, optionally those whose name contains `q` (case-insensitive). */
  list (q?: string): FileEntry[] {
    return this.r.store.list().filter(f => matches(f.name, q))
  }

  get (id: string): FileEntry {
    return this.r.store.get(parseFileId(id).toString())
  }

  async manifest (id: string): Promise<Manifest> {
    const cid = parseFileId(id)
    return decodeManifest(await this.r.store.manifestBytes(cid.toString()), cid)
  }

  /** The bytes from `start` to `end` inclusive. */
  read (id: string, range: { start?: number, end?: number } = {}): ReadStream {
    return this.r.store.createReadStream(parseFileId(id).toString(), range)
  }

  async delete (id: string): Promise<FileEntry> {
    const entry = await this.r.store.delete(parseFileId(id).toString())
    await this.r.providers.forget(entry.id)
    return entry
  }

  download (id: string, options: DownloadOptions = {}): DownloadStatus {
    return this.r.downloads.create(id, options)
  }

  /** Providers of a file according to the DHT. */
  async findProviders (id: string, options: { signal?: AbortSignal } = {}): Promise<Array<{ peerId: string, multiaddrs: string[] }>> {
    // a time limit of its own only without the caller's signal, cleared once the lookup ends
    return withSignalOrDeadline(options.signal, FILES_FIND_PROVIDERS_TIMEOUT_MS, async signal => {
      const out: Array<{ peerId: string, multiaddrs: string[] }> = []
      try {
        for await (const info of this.r.providers.find(parseFileId(id), signal)) {
          out.push({ peerId: info.id.toString(), multiaddrs: info.multiaddrs.map(String) })
        }
      } catch (err) {
        // a lookup cut short by its deadline still answers with what it found
        if (!signal.aborted) throw err
      }
      return out
    })
  }

  /** Another peer's shared files, through /gossipd/index/1.0.0. */
  async peerFiles (peer: string | PeerId, options: { q?: string, signal?: AbortSignal } = {}): Promise<IndexEntry[]> {
    const id = typeof peer === 'string' ? parsePeerId(peer) : peer
    return withSignalOrDeadline(options.signal, FILES_INDEX_TIMEOUT_MS, async signal => {
      const stream = await this.c.dialProtocol(id, INDEX_PROTOCOL, { signal })
      return requestIndex(stream, options.q, signal)
    })
  }

  /** Ask every connected peer's index for names containing `q` and merge the answers by file id. */
  async search (q: string, options: { signal?: AbortSignal } = {}): Promise<SearchAnswer> {
    const peers = this.c.connectedPeers()
    const byId = new Map<string, SearchResult>()
    const failed: string[] = []
    await Promise.all(peers.map(async peer => {
      // one limit per peer, within the caller's signal if any, cleared once that peer has answered
      try {
        const files = await withDeadline(FILES_INDEX_TIMEOUT_MS, async signal => this.peerFiles(peer, { q, signal }), options.signal)
        for (const f of files) {
          if (!matches(f.name, q)) continue
          const r = byId.get(f.id) ?? { id: f.id, name: f.name, size: f.size, peers: [] }
          r.peers.push(peer.toString())
          byId.set(f.id, r)
        }
      } catch {
        failed.push(peer.toString())
      }
    }))
    const results = [...byId.values()].sort((a, b) => b.peers.length - a.peers.length || a.name.localeCompare(b.name))
    return { results, asked: peers.length, failed }
  }
}

/** The file-sharing feature, wired as every feature is: narrow components from the root, options with defaults. */
export function createFileSharing (components: FileSharingComponents, init: FileSharingOptions): FileSharing {
  return new FileSharing(components, init)
}
