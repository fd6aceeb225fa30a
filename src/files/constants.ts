/**
 * Protocol ids, limits and timeouts of file sharing (store, files and index protocols, downloads), each with
 * the reason for its value. The chunk-size bounds are settings defaults and live in src/constants.ts.
 */

/** Request/response protocol for manifests and chunks. */
export const FILES_PROTOCOL = '/gossipd/files/1.0.0'

/** A peer's list of shared files. */
export const INDEX_PROTOCOL = '/gossipd/index/1.0.0'

/** Stored files kept open for serving chunks (src/files/read-handles.ts); the least recently read are closed. */
export const FILE_READ_HANDLES = 32

/** Largest manifest accepted from a peer: 16 GiB at 256 KiB is 65,536 hashes, about 4.3 MB of JSON. */
export const FILE_MAX_MANIFEST_BYTES = 8 * 1024 * 1024

/** Longest file name in UTF-8 bytes: what most filesystems allow for one path component. */
export const FILE_MAX_NAME_BYTES = 255

/** Inbound files-protocol streams per connection: a downloader opens FILES_STREAMS_PER_PEER, a few spare. */
export const FILES_MAX_INBOUND_STREAMS = 16

/** Parallel request streams a download keeps open to each provider. */
export const FILES_STREAMS_PER_PEER = 4

/** Largest files-protocol request frame (a JSON object naming a file and a chunk). */
export const FILES_MAX_REQUEST_BYTES = 4096

/** A chunk or manifest request must be answered within this, or the chunk is retried elsewhere. */
export const FILES_REQUEST_TIMEOUT_MS = 30_000

/** An idle files-protocol stream is closed by the server after this long without a request. */
export const FILES_IDLE_TIMEOUT_MS = 60_000

/** Failed fetches of one chunk (from any provider) before the download fails. */
export const FILES_MAX_CHUNK_ATTEMPTS = 8

/** Failures (errors or corrupt chunks) after which a provider is dropped from a download. */
export const FILES_MAX_PROVIDER_FAILURES = 3

/**
 * How often a running download looks for new providers in the DHT: every FILES_PROVIDER_REFRESH_MS while it has
 * no provider to ask, and, while it has, twice as long after each lookup up to FILES_PROVIDER_REFRESH_MAX_MS.
 * Fellow downloaders find each other without the DHT (`have` answers name them, and a peer asking for the file
 * joins the providers); every lookup costs the peers it asks a routing-table walk, and 20 downloads of one file
 * looking every 5 s were a tenth of the CPU of a swarm that is CPU-bound while it distributes the file.
 */
export const FILES_PROVIDER_REFRESH_MS = 5_000

export const FILES_PROVIDER_REFRESH_MAX_MS = 60_000

/** Timeout of one DHT provider lookup. */
export const FILES_FIND_PROVIDERS_TIMEOUT_MS = 15_000

/**
 * How often every local file is announced again. kad-dht keeps provider records 48 h and peers come and go,
 * so an hourly announce keeps the closest peers holding a record.
 */
export const FILES_REPROVIDE_INTERVAL_MS = 60 * 60 * 1000

/** Delay before retrying an announcement that reached no peer (e.g. shared before the node found any). */
export const FILES_PROVIDE_RETRY_MS = 5_000

/** Timeout of one DHT provide. */
export const FILES_PROVIDE_TIMEOUT_MS = 30_000

/** Largest index answer: a JSON list of up to FILES_INDEX_MAX_ENTRIES entries. */
export const FILES_INDEX_MAX_BYTES = 4 * 1024 * 1024

export const FILES_INDEX_MAX_ENTRIES = 10_000

/** Timeout of asking one peer for its index (search asks all connected peers at once). */
export const FILES_INDEX_TIMEOUT_MS = 5_000

/** Download progress events are sent at most this often (SSE, CLI progress bar). */
export const FILES_PROGRESS_INTERVAL_MS = 250

/** A download with no provider able to answer for this long fails (instead of waiting forever). */
export const FILES_NO_PROVIDER_TIMEOUT_MS = 60_000

/** A peer that has not downloaded a chunk yet is asked for it again after this long. */
export const FILES_UNAVAILABLE_RETRY_MS = 500

/** A provider dropped for errors (not for bad data) may rejoin a download after this long, when found again. */
export const FILES_PROVIDER_COOLDOWN_MS = 10_000

/**
 * A downloader asks a provider that is itself still downloading which chunks it holds (a `have` request) when it
 * has nothing left to ask that provider for and its last answer is at least this old.
 */
export const FILES_HAVE_REFRESH_MS = 1_000

/** Every provider is asked `have` at least this often during a download, for the fellow downloaders it names. */
export const FILES_PEER_HINT_REFRESH_MS = 2_000

/** Fellow downloaders named in one `have` answer; files and age for which they are remembered. */
export const FILES_PEER_HINTS = 16

export const FILES_PEER_HINT_FILES = 256

export const FILES_PEER_HINT_TTL_MS = 60_000

/**
 * A node with an upload cap answers a chunk request `busy` instead of queueing it when the chunks already
 * waiting for its cap would take longer than this to send: the asker fetches elsewhere meanwhile rather than
 * holding a place in a queue of stale requests (with 20 downloaders of 4 streams each, a 1 MiB/s seeder's queue
 * was 20 s deep, and mostly held chunks the downloaders' peers could have sent them).
 */
export const FILES_MAX_UPLOAD_BACKLOG_MS = 1_000

/**
 * A node serving a whole file under an upload cap answers `unavailable` for a chunk it sent within this window
 * while another chunk of the file was never sent (src/files/seed-spread.ts): long enough for the chunk to reach
 * its downloader and for the others to hear of it (`have` answers 1-2 s old). Files tracked at once: the last used.
 */
export const FILES_SPREAD_WINDOW_MS = 3_000

export const FILES_SPREAD_FILES = 64

/**
 * A provider that answered `busy` is asked again after this long, doubled for each `busy` in a row up to
 * FILES_BUSY_MAX_RETRY_MS, times a random 0.5-1.5 so its downloaders do not come back together.
 */
export const FILES_BUSY_RETRY_MS = 250

export const FILES_BUSY_MAX_RETRY_MS = 2_000

/** Directory of the data directory that holds stored files, their manifests and partial downloads. */
export const FILES_DIR = 'files'

/**
 * Download jobs kept, finished ones included, for `GET /downloads`: past it, a new job makes the node forget its
 * oldest finished one. Each is a row and a small status object.
 */
export const DOWNLOADS_MAX_KEPT = 1_000
