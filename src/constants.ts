/**
 * Defaults of the settings (src/config.ts reads them), each with the reason for its value. Protocol ids, limits
 * and timeouts of one layer live in that folder's own constants.ts.
 */

/** The project's own Kademlia protocol, so gossipd nodes never join (or pollute) the public IPFS DHT. */
export const DHT_PROTOCOL = '/gossipd/kad/1.0.0'

/** Default libp2p listen address: all interfaces, the port a compose file maps. */
export const DEFAULT_LISTEN = '/ip4/0.0.0.0/tcp/4001'

/** Default API bind: loopback, so a fresh node exposes nothing to the network. */
export const DEFAULT_API = '127.0.0.1:8080'

/**
 * Connections a node tries to keep open. Gossipsub wants D=6 mesh peers per topic plus a few spare for
 * gossip, so 8 lets meshes form without every node connecting to everyone.
 */
export const DEFAULT_MIN_CONNECTIONS = 8

/**
 * Peers a node keeps connected (node/connection-budget.ts): the gossip mesh (D = 6, up to 12 when peers graft
 * onto it) and a few lazy and DHT peers. In a 40-node swarm nodes had kept 27-39 connections each, every one
 * costing pings, identify, gossipsub control and flood-published copies. Measured in docs/PERFORMANCE.md.
 */
export const DEFAULT_CONNECTION_BUDGET = 14

/**
 * Peers that receive gossipsub's IHAVE gossip each heartbeat while messages are in the gossip window (Dlazy): each
 * is one frame a heartbeat, sent and received, whether it names one message id or many. 3 (gossipsub's default is
 * 6) halves those frames; each message id is still advertised by every node that holds it, for
 * `GOSSIPSUB_MCACHE_GOSSIP` heartbeats. 0 sends none: a message then reaches a node through flood publishing and the
 * mesh, and one they missed through history catch-up. In a 40-node swarm at 3 msg/s that cost a tenth to a quarter
 * less CPU per node per message at the median, in two sittings (docs/PERFORMANCE.md, "Per message"); it is not the
 * default, since IHAVE is what delivers within a heartbeat to a node whose mesh is not whole or withholds messages
 * (test/security/withholding-mesh.test.ts).
 */
export const DEFAULT_LAZY_GOSSIP_PEERS = 3

/** Upper bound on open connections; above it libp2p prunes the least valuable ones. */
export const DEFAULT_MAX_CONNECTIONS = 100

/**
 * Inbound connections accepted per second from one IP. libp2p's default of 5 protects public nodes, but on
 * loopback or behind a NAT every peer of a swarm shares one address, and a swarm joining at once would be
 * refused. 200/s admits a swarm of dozens joining together.
 */
export const DEFAULT_INBOUND_CONNECTION_THRESHOLD = 200

/**
 * How often liveness checks each connected peer. A check pings a peer only when this node wrote to it and read
 * nothing back since the last one, or its latency is a minute old (node/liveness.ts); an idle connection is
 * watched by TCP keep-alive. A silent peer is found within about 20 s either way, as when every peer was pinged
 * every 10 s, which had been a third of an idle node's CPU.
 */
export const DEFAULT_PING_INTERVAL_MS = 10_000

/** Largest message body, topic or direct: bigger bodies answer 413 and never reach the wire. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024

/** Messages kept per topic (and in the direct inbox) before the oldest are dropped. */
export const DEFAULT_HISTORY_LIMIT = 10_000

/** How long an undelivered direct message stays in the outbox before it expires. */
export const DEFAULT_OUTBOX_TTL_MS = 24 * 60 * 60 * 1000

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

/** Default cap on one stored file (`--max-file-size`). */
export const DEFAULT_MAX_FILE_SIZE = 16 * 1024 * 1024 * 1024

/**
 * Default cap on the bytes of all stored files (`--max-storage`): 32 GiB, a few percent of a laptop's disk, and
 * room for two files of the largest default size. Stored files are on disk, not in memory.
 */
export const DEFAULT_MAX_STORAGE = 32 * 1024 * 1024 * 1024

/**
 * Default cap on stored files (`--max-files`). The whole index is listed to peers that ask and held while
 * answering, 10,000 rows of a few hundred bytes: a few MiB of a 256 MiB container.
 */
export const DEFAULT_MAX_FILES = 10_000

/**
 * Default cap on download jobs running at once (`--max-downloads`). Each holds streams to several providers and
 * chunk buffers (about 4 MiB at the default chunk size); 8 stay within a 256 MiB container's spare memory.
 */
export const DEFAULT_MAX_DOWNLOADS = 8

/**
 * Default cap on subscribed topics (`--max-topics`). Each costs gossipsub mesh state, heartbeat work and a
 * history channel; 256 is far past what a person follows.
 */
export const DEFAULT_MAX_TOPICS = 256

/**
 * Direct messages one peer may send per second on average (`--dm-rate`; 0: no limit). A person types one every
 * few seconds; a sender flushing its outbox after a reconnect is refused past the burst and retries with backoff.
 */
export const DEFAULT_DM_RATE = 20

/** Relays a private node keeps reservations on: one to survive the loss of the other, as the issue asks. */
export const DEFAULT_RELAY_RESERVATIONS = 2

/** Upper bound of `--relay-reservations`: each reservation is a kept-alive connection and a renewal every hour. */
export const MAX_RELAY_RESERVATIONS = 8

/** Reservations a relay holds at once: go-libp2p's default (128), enough for a neighbourhood of home nodes. */
export const DEFAULT_RELAY_MAX_RESERVATIONS = 128

/**
 * Relayed connections a relay carries at once. Relayed connections only carry small messages and hole-punch
 * coordination, so a few hundred cost little bandwidth; past this a relay answers RESOURCE_LIMIT_EXCEEDED.
 */
export const DEFAULT_RELAY_MAX_CIRCUITS = 256

/** How long one relayed connection may last: go-libp2p's 2 minutes; a later message opens a new one. */
export const DEFAULT_RELAY_CIRCUIT_DURATION_MS = 2 * 60_000

/**
 * Bytes forwarded per relayed connection in each direction: go-libp2p's 128 KiB. Enough for identify, the DHT,
 * DCUtR and dozens of direct messages; too little for a file, which waits for a direct connection.
 */
export const DEFAULT_RELAY_CIRCUIT_BYTES = 128 * 1024
