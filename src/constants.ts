/**
 * Protocol ids, limits and timeouts in one place, each with the reason for its value.
 */

/** The project's own Kademlia protocol, so gossipd nodes never join (or pollute) the public IPFS DHT. */
export const DHT_PROTOCOL = '/gossipd/kad/1.0.0'

/** Parallel requests per DHT lookup path: Kademlia's classic 3. */
export const DHT_ALPHA = 3

/** Disjoint paths per DHT lookup (S/Kademlia): 2 survive one bad peer on a path without flooding a small swarm. */
export const DHT_DISJOINT_PATHS = 2

/**
 * kad-dht's first lookup of the node's own id, this long after start: the node's way into the DHT, which in a
 * swarm of dozens meets most of it. (The library's 1 s default was set for the public network.)
 */
export const DHT_INITIAL_QUERY_SELF_MS = 500

/** Routing-table additions (each a ping of the new contact) in flight at once: a whole swarm's worth. */
export const DHT_TABLE_UPDATE_CONCURRENCY = 32

/** Agent version announced through identify. */
export const AGENT_VERSION = 'gossipd/0.1.0'

/** Default libp2p listen address: all interfaces, the port a compose file maps. */
export const DEFAULT_LISTEN = '/ip4/0.0.0.0/tcp/4001'

/** Default API bind: loopback, so a fresh node exposes nothing to the network. */
export const DEFAULT_API = '127.0.0.1:8080'

/**
 * Connections a node tries to keep open. Gossipsub wants D=6 mesh peers per topic plus a few spare for
 * gossip, so 8 lets meshes form without every node connecting to everyone.
 */
export const DEFAULT_MIN_CONNECTIONS = 8

/** Upper bound on open connections; above it libp2p prunes the least valuable ones. */
export const DEFAULT_MAX_CONNECTIONS = 100

/**
 * Inbound connections accepted per second from one IP. libp2p's default of 5 protects public nodes, but on
 * loopback or behind a NAT every peer of a swarm shares one address, and a swarm joining at once would be
 * refused. 200/s admits a swarm of dozens joining together.
 */
export const DEFAULT_INBOUND_CONNECTION_THRESHOLD = 200

/** Connections in the upgrade phase at once (Noise + Yamux handshakes); libp2p's default of 10 is too low for a swarm joining together. */
export const DEFAULT_MAX_INCOMING_PENDING = 100

/** How often connected peers are pinged: fresh latency figures and dead-peer detection. */
export const DEFAULT_PING_INTERVAL_MS = 10_000

/** How long one liveness ping may take before it counts as failed. */
export const PING_TIMEOUT_MS = 5_000

/**
 * Consecutive failed pings before a connection is closed: 2 failures at a 10 s interval with a 5 s timeout
 * drop a dead peer in at most 10 + 5 + 10 + 5 = 30 s.
 */
export const PING_MAX_FAILURES = 2

/** Ping streams per connection and direction: the liveness check and kad-dht's contact checks overlap. */
export const PING_MAX_STREAMS = 4

/** First bootstrap retry delay; doubled after each failure up to the maximum below. */
export const BOOTSTRAP_RETRY_MIN_MS = 500

/** Longest wait between bootstrap attempts, so a late bootstrap is found within seconds of coming up. */
export const BOOTSTRAP_RETRY_MAX_MS = 10_000

/**
 * Timeout of one bootstrap dial attempt. Generous: when a whole swarm dials one bootstrap at once its
 * handshakes queue up, and aborting a slow one only makes the bootstrap do the same work again.
 */
export const BOOTSTRAP_DIAL_TIMEOUT_MS = 20_000

/** Longest a dial may spend on one address (TCP connect, Noise, Yamux): generous for a swarm joining at once. */
export const DIAL_ADDRESS_TIMEOUT_MS = 15_000

/** Longest a whole dial, or an inbound connection's upgrade, may take. */
export const DIAL_TIMEOUT_MS = 20_000

/** Random spread of each retry delay (+/- this fraction), so a swarm's retries do not arrive in waves. */
export const BOOTSTRAP_RETRY_JITTER = 0.25

/**
 * A joining node dials at most this many peers at once for its first JOIN_DIAL_PHASE_MS (src/node/join-dials.ts):
 * 12 nodes started at once beside a publishing swarm of 28 on 2 cores stored their first topic message 0.7-5.2 s
 * after subscribing with the limit, 1.6-9.2 s without (two runs each).
 */
export const JOIN_MAX_PARALLEL_DIALS = 4
export const JOIN_DIAL_PHASE_MS = 15_000

/** How often the discovery loop adopts connected peers and dials while the node has fewer peers than it wants. */
export const DISCOVERY_FAST_INTERVAL_MS = 1_000

/**
 * Least time between two random walks while the routing table is short. Not less: when a whole swarm joins at
 * once its walks are what keeps the CPU busy; walking every 1 s a 30-process swarm on 2 cores took ~21 s to fill
 * every routing table, every 3 s ~18.6 s (test/swarm/core-swarm.test.ts).
 */
export const DISCOVERY_WALK_INTERVAL_MS = 3_000

/** How often it runs once the node is well connected: a random walk keeps the routing table fresh. */
export const DISCOVERY_SLOW_INTERVAL_MS = 30_000

/** Routing table size below which the discovery loop keeps walking the DHT at the fast interval. */
export const DISCOVERY_TARGET_ROUTING_TABLE = 20

/** Timeout of one random-walk query. */
export const DISCOVERY_QUERY_TIMEOUT_MS = 10_000

/** Timeout of a dial the discovery loop makes to reach the minimum number of connections. */
export const DISCOVERY_DIAL_TIMEOUT_MS = 10_000

/** Default timeout of a findPeer lookup made through the API. */
export const FIND_PEER_TIMEOUT_MS = 15_000

/** Default timeout of a connect request made through the API. */
export const CONNECT_TIMEOUT_MS = 10_000

/** Default per-connection inbound stream limit for custom protocols registered through `node.handle`. */
export const DEFAULT_MAX_INBOUND_STREAMS = 32

/** Default per-connection outbound stream limit for custom protocols. */
export const DEFAULT_MAX_OUTBOUND_STREAMS = 32

/** Largest JSON request body the API accepts; bigger bodies answer 413. */
export const API_BODY_LIMIT = 1024 * 1024

/** File in the data directory holding the node's private key. */
export const IDENTITY_FILE = 'identity.key'

// --- messaging: topics (gossipsub) and direct messages ---

/**
 * Gossipsub mesh degree: the spec's 6 (kept within 4..12). Every node forwards each message to its mesh peers,
 * and with flood publish most of them have it already from the publisher, so each mesh peer is one more copy
 * to send, receive, decrypt and drop. A wider mesh of 8 cost CPU for nothing measurable: 40 nodes at 3 msg/s,
 * runs interleaved, 7.17 / 7.30 ms of CPU per node per message at D = 8 against 6.26 / 5.92 at D = 6
 * (`node bench/message-cost.js`, 2026-11-22).
 */
export const GOSSIPSUB_D = 6
/** Fewest mesh peers before the heartbeat grafts more. */
export const GOSSIPSUB_DLO = 4
/** Most mesh peers before the heartbeat prunes some. */
export const GOSSIPSUB_DHI = 12
/** Peers that receive IHAVE gossip each heartbeat: lazy repair for any message a mesh path lost. */
export const GOSSIPSUB_DLAZY = 6
/**
 * Gossipsub heartbeat. 700 ms (default 1 s) repairs meshes and re-gossips missing ids a little faster after a
 * join, and is still cheap for dozens of peers on a 2-core machine.
 */
export const GOSSIPSUB_HEARTBEAT_MS = 700
/**
 * Publish our own messages to every known subscriber, not only the mesh: in a well-connected swarm the
 * publisher reaches most subscribers in one hop, which is what makes delivery complete and fast.
 */
export const GOSSIPSUB_FLOOD_PUBLISH = true
/**
 * Smallest message for which gossipsub sends IDONTWANT (default 512 bytes). An IDONTWANT is one more frame to
 * every mesh peer for every message received, and in a swarm this well connected it mostly arrives after the peer
 * has forwarded its copy anyway: in a CPU profile of 40 nodes at 3 msg/s of 1 KiB messages, sending IDONTWANTs
 * was 9.8 % of the swarm's busy time, and CPU per node per message fell from 6.71 to 5.89 ms without them
 * (`node bench/message-cost.js`). It pays only when the copy it saves is large.
 */
export const GOSSIPSUB_IDONTWANT_MIN_BYTES = 16 * 1024
/** Message-cache windows (heartbeats) kept for IWANT answers; 10 (default 5) survives a slow, loaded peer. */
export const GOSSIPSUB_MCACHE_LENGTH = 10
/** Of those, windows advertised in IHAVE gossip (default 3). */
export const GOSSIPSUB_MCACHE_GOSSIP = 5

/** Largest message body, topic or direct: bigger bodies answer 413 and never reach the wire. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024

/** Messages kept per topic (and in the direct inbox) before the oldest are dropped. */
export const DEFAULT_HISTORY_LIMIT = 10_000

/**
 * A channel of the message log drops its oldest messages in batches of up to this many: it may hold up to 1 % of
 * its limit more, at most this many, between two trims (src/messaging/history.ts).
 */
export const HISTORY_TRIM_BATCH = 100

/** Largest page of history one request returns. */
export const HISTORY_PAGE_MAX = 1000

/** Default page size of a history request. */
export const HISTORY_PAGE_DEFAULT = 100

/**
 * Messages queued for one live stream reader (SSE or NDJSON) before it counts as too slow and is dropped.
 * The node never waits for a reader; a reader that falls this far behind resumes from the history instead.
 */
export const LIVE_QUEUE_LIMIT = 1024

/**
 * Messages a stream's replay reads from the store at a time; the next batch is read once the reader's socket
 * took these. At the largest messages (64 KiB) a batch is 1 MiB: what one reader that stops reading can pin.
 */
export const REPLAY_BATCH = 16

/** Interval of SSE comment lines, so proxies and clients see a quiet stream is still alive. */
export const SSE_KEEPALIVE_MS = 15_000

/** Topic history catch-up (docs/PROTOCOLS.md, "History"): a node asks a topic peer for what it stored lately. */
export const HISTORY_PROTOCOL = '/gossipd/history/1.0.0'

/** Largest history request: a topic name, two numbers and up to `HISTORY_MAX_MESSAGES` ids the asker holds. */
export const HISTORY_MAX_REQUEST_BYTES = 128 * 1024

/** Messages in one history answer, at most: the newest this many of the window asked for. */
export const HISTORY_MAX_MESSAGES = 1_000

/**
 * Messages a node asks for in one history request. An answer is sent newest first and the asker lists what it
 * holds, so a longer window comes in batches, newest first: a small answer finishes in time even from a busy
 * peer (a bootstrap that a dozen newcomers ask at once), and the next request brings the next batch.
 */
export const HISTORY_BATCH_MESSAGES = 100

/** Room in a history frame beyond the message body: author, sequence number, topic, signature and key. */
export const HISTORY_FRAME_OVERHEAD_BYTES = 4096

/** Longest window a node asks for, and answers: a restarted node catches up on at most this much. */
export const HISTORY_MAX_WINDOW_MS = 10 * 60_000

/** What a node that subscribes to a topic it holds no message of asks for: the topic's last minute. */
export const HISTORY_BACKFILL_MS = 60_000

/**
 * How often a settled node checks a topic against a random topic peer. Gossip delivers in well under a second
 * when the mesh is whole; this is the backstop for what it missed, at the cost of one request per topic and
 * interval.
 */
export const HISTORY_SYNC_INTERVAL_MS = 30_000

/**
 * How often a node catches up while its mesh for a topic is not whole: for `HISTORY_SETTLE_MS` after it
 * subscribes (or starts), and whenever the mesh is smaller than gossipsub's lower bound. A node that joins
 * during churn may have an empty or badly placed mesh for seconds; 2 s bounds what that costs it.
 */
export const HISTORY_SYNC_FAST_INTERVAL_MS = 2_000

/** How long after subscribing (or starting) a node counts as joining, and catches up every few seconds. */
export const HISTORY_SETTLE_MS = 30_000

/**
 * The window a joining node asks for, at least: each message is then asked of several random peers, so one
 * peer that missed it too (another newcomer) loses nothing.
 */
export const HISTORY_FAST_WINDOW_MS = 15_000

/**
 * Catch-ups a joining node keeps open at once, each with another peer. When one peer is slow to answer, the next
 * catch-up (due `HISTORY_SYNC_FAST_INTERVAL_MS` after the last answered one) goes to another peer instead of
 * waiting for it. A settled node asks one peer at a time.
 */
export const HISTORY_JOINING_PARALLEL = 2

/** Added to every window: messages the peer was still receiving when the last catch-up was answered. */
export const HISTORY_OVERLAP_MS = 2_000

/** One catch-up request, answer included. */
export const HISTORY_TIMEOUT_MS = 5_000

/** History streams per connection and direction: one per topic being caught up, a few at once. */
export const HISTORY_MAX_STREAMS = 4

/** The direct-message protocol: one length-prefixed JSON frame per message, each answered by an ack frame. */
export const DM_PROTOCOL = '/gossipd/dm/1.0.0'

/** Room in a DM frame beyond the base64 body: id, peer id, nick, timestamp and JSON punctuation fit in 4 KiB. */
export const DM_FRAME_OVERHEAD_BYTES = 4096

/** Concurrent inbound DM streams per connection: a busy sender flushing its outbox opens a few at once. */
export const DM_MAX_STREAMS = 16

/** How long one delivery attempt may take: dial (with a DHT lookup when needed), send and ack. */
export const DM_ATTEMPT_TIMEOUT_MS = 15_000

/**
 * Share of that budget for dialing the addresses the peer store already holds, before asking the DHT: a live
 * peer answers a loopback or LAN dial in milliseconds, and a stale address should not eat the lookup's time.
 */
export const DM_KNOWN_ADDRESS_DIAL_TIMEOUT_MS = 4_000

/** How long the receiver waits for the next frame on an idle DM stream before closing it. */
export const DM_IDLE_TIMEOUT_MS = 30_000

/** How long an undelivered direct message stays in the outbox before it expires. */
export const DEFAULT_OUTBOX_TTL_MS = 24 * 60 * 60 * 1000

/** First outbox retry delay; doubled after each failed attempt up to the maximum below. */
export const OUTBOX_RETRY_MIN_MS = 1_000

/** Longest wait between retries: a peer that comes back is tried within half a minute even without a connect event. */
export const OUTBOX_RETRY_MAX_MS = 30_000

/**
 * The receiver remembers a direct message id for this many outbox TTLs, so a retry of a message whose ack was
 * lost is acknowledged again and never shown twice, whatever TTL the sender uses (up to twice ours).
 */
export const DM_SEEN_TTL_FACTOR = 2

// ---- files (src/files/) ----

/** Request/response protocol for manifests and chunks. */
export const FILES_PROTOCOL = '/gossipd/files/1.0.0'

/** A peer's list of shared files. */
export const INDEX_PROTOCOL = '/gossipd/index/1.0.0'

/**
 * Bytes per chunk. Measured with bench/files-chunk-size.js: two in-process nodes on loopback (TCP + Noise +
 * Yamux), a 64 MiB file, the real download job (4 streams, one request/response per chunk, every chunk hashed and
 * written), on the shared 2-core machine (load average 35 to 150, so figures are noisy), MB/s per run:
 *   64 KiB: 24.8, 16.6 | 34.0, 11.6, 48.7      256 KiB: 21.2, 16.9 | 39.6, 13.6, 18.7      1 MiB: 17.5, 12.6 | 16.5, 18.1, 11.8
 * 1 MiB is consistently slowest (fewer requests in flight per byte, so the stream idles between answers); 64 KiB
 * and 256 KiB are within the noise of each other. 256 KiB keeps manifests and progress rows 4x smaller (a 16 GiB
 * file is 65,536 chunks, a 4.3 MB manifest; at 64 KiB it would exceed FILE_MAX_MANIFEST_BYTES), and a corrupt
 * chunk still costs little to fetch again.
 */
export const FILE_CHUNK_SIZE = 256 * 1024

/** Smallest and largest chunk size a manifest may declare: a bound on per-request memory either side. */
export const FILE_MIN_CHUNK_SIZE = 16 * 1024
export const FILE_MAX_CHUNK_SIZE = 4 * 1024 * 1024

/** Stored files kept open for serving chunks (src/files/read-handles.ts); the least recently read are closed. */
export const FILE_READ_HANDLES = 32

/** Largest manifest accepted from a peer: 16 GiB at 256 KiB is 65,536 hashes, about 4.3 MB of JSON. */
export const FILE_MAX_MANIFEST_BYTES = 8 * 1024 * 1024

/** Default cap on one stored file (`--max-file-size`). */
export const DEFAULT_MAX_FILE_SIZE = 16 * 1024 * 1024 * 1024

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

/** The connection-list protocol the swarm crawler asks every node (docs/PROTOCOLS.md, "Peers"). */
export const PEERS_PROTOCOL = '/gossipd/peers/1.0.0'

/** Largest peers-protocol request: today an empty JSON object; room for a few options, no more. */
export const PEERS_MAX_REQUEST_BYTES = 1024

/**
 * Largest peers-protocol answer. A report of `PEERS_MAX_REPORTED_CONNECTIONS` connections with a few addresses
 * each is about 100 KiB; anything larger is a broken or hostile peer, refused rather than buffered.
 */
export const PEERS_MAX_REPORT_BYTES = 256 * 1024

/** Connections listed in one report: the connection manager's ceiling, so a healthy node never truncates. */
export const PEERS_MAX_REPORTED_CONNECTIONS = 100

/** Topics (with their mesh) listed in one report; a dashboard has no use for more. */
export const PEERS_MAX_REPORTED_TOPICS = 32

/** Peers-protocol streams per connection and direction: one crawl asks once; a few overlapping crawls are fine. */
export const PEERS_MAX_STREAMS = 4

/** Timeout of one peers-protocol query (dial included): a node slower than this is shown as unreached. */
export const CRAWL_QUERY_TIMEOUT_MS = 3_000

/**
 * A connection opened only to crawl a peer closes this long after its last use: shorter than a liveness check's
 * memory of an expected disconnect (60 s), longer than a dashboard's refresh.
 */
export const CRAWL_LINGER_MS = 20_000

/** Hops from the crawling node a crawl follows by default; local swarms of dozens have a diameter of 3 or 4. */
export const CRAWL_DEFAULT_DEPTH = 6

/** Nodes a crawl asks by default: a dashboard graph stays readable up to about this many. */
export const CRAWL_DEFAULT_MAX_PEERS = 200

/** Hard ceiling on nodes asked in one crawl, whatever the caller wants. */
export const CRAWL_MAX_PEERS = 1_000

/** Default time budget of a whole crawl; what is not reached by then is returned as unreached. */
export const CRAWL_DEFAULT_TIMEOUT_MS = 5_000

/** Largest time budget a caller may give one crawl. */
export const CRAWL_MAX_TIMEOUT_MS = 60_000

/**
 * Queries in flight at once. Each costs a dial (Noise handshake) when not connected; 16 crawls a 40-node swarm in
 * a few rounds without making the 2-core machine the bottleneck.
 */
export const CRAWL_CONCURRENCY = 16

// ---- reliability and security limits (gossipsub hardening, API timeouts) ----

/**
 * Largest gossipsub RPC frame read from a peer, in bytes, at the default message size. A frame carries one or a
 * few messages plus control entries; a peer sending a bigger frame is cut off before it is buffered. The node
 * raises it to fit 4 messages of its own `--max-message-size` when that is larger (see `gossipsubRpcLimit`).
 */
export const GOSSIPSUB_MAX_RPC_BYTES = 1024 * 1024

/** Entries per decoded RPC: gossipsub's defaults (5000) let one 1 MiB frame allocate tens of thousands of objects. */
export const GOSSIPSUB_DECODE_LIMITS = {
  maxSubscriptions: 1000,
  maxMessages: 256,
  maxIhaveMessageIDs: 5000,
  maxIwantMessageIDs: 5000,
  maxIdontwantMessageIDs: 512,
  maxControlMessages: 1000,
  maxPeerInfos: 16
}

/** Gossipsub streams a peer may open per connection: it needs one; a reconnect race may briefly need two. */
export const GOSSIPSUB_MAX_INBOUND_STREAMS = 4

/**
 * Peer-score weight of invalid messages (P4, counted per topic, squared): 3 rejected messages score a peer
 * 3² x -10 = -90, below the graylist threshold, so it is pruned from the mesh and its messages are ignored.
 */
export const GOSSIPSUB_INVALID_MESSAGE_WEIGHT = -10

/** Per-second decay of the invalid-message counter: 0.99 forgives a burst of invalid messages in about 4 minutes. */
export const GOSSIPSUB_INVALID_MESSAGE_DECAY = 0.99

/**
 * Score thresholds (gossipsub's defaults, named): below 0 a peer leaves the mesh at the next heartbeat; below
 * gossip it gets no IHAVE; below publish no flood-published message; below graylist its RPCs are dropped unread.
 */
export const GOSSIPSUB_GOSSIP_THRESHOLD = -10
export const GOSSIPSUB_PUBLISH_THRESHOLD = -50
export const GOSSIPSUB_GRAYLIST_THRESHOLD = -80

/** How long the HTTP server waits for a request's headers: a client trickling them (slowloris) is cut off. */
export const API_HEADERS_TIMEOUT_MS = 10_000

/**
 * How long one whole request may take: no limit (0), because `POST /files` bodies may be gigabytes that take
 * minutes. A body that stalls is cut off by the idle timeout below, and the socket count is bounded.
 */
export const API_REQUEST_TIMEOUT_MS = 0

/** A connection on which nothing arrives for this long is closed (a stalled or trickling client). */
export const API_IDLE_TIMEOUT_MS = 30_000

/** How long an idle keep-alive socket stays open between requests. */
export const API_KEEP_ALIVE_TIMEOUT_MS = 5_000

/** Sockets the API serves at once; a flood of connections beyond it is refused rather than exhausting memory. */
export const API_MAX_SOCKETS = 1024
