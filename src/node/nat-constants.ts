/**
 * Limits and timings of NAT traversal: reachability probes, circuit relay v2 (client and server) and hole punching.
 */

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

/** How long a reservation lasts before the client renews it: go-libp2p's 1 hour. */
export const RELAY_RESERVATION_TTL_MS = 60 * 60_000

/** Dial-back verdicts kept per node: the latest answers decide, older ones describe a network we may have left. */
export const REACHABILITY_MAX_RESULTS = 16

/** Failed dial-backs, from distinct peers, with no success among them, before a node calls itself private. */
export const REACHABILITY_PRIVATE_AFTER_FAILURES = 2

/**
 * Time between reachability probes while undecided: short, so a node behind a router finds relays within
 * seconds of starting. Once decided, probes run at REACHABILITY_RECHECK_MS.
 */
export const REACHABILITY_PROBE_MS = 5_000

/** Time between probes once decided: a moved laptop or a changed router is noticed within minutes. */
export const REACHABILITY_RECHECK_MS = 5 * 60_000

/** Peers asked for a dial-back per probe round. */
export const REACHABILITY_PEERS_PER_ROUND = 3

/** Time to connect to a known AutoNAT peer when too few are connected: a reachable one answers in a second. */
export const REACHABILITY_VERIFIER_DIAL_MS = 5_000

/** Peers of the peer store looked at for known AutoNAT servers: a bounded scan. */
export const REACHABILITY_KNOWN_VERIFIERS_SCAN = 64

/** Time one dial-back request may take: the remote's dial plus a round trip. */
export const REACHABILITY_DIALBACK_TIMEOUT_MS = 15_000

/**
 * Largest AutoNAT frame we read: a dial response is a status, a short text and one address. Larger frames are
 * a protocol violation and abort the stream.
 */
export const AUTONAT_MAX_MESSAGE_BYTES = 4096

/** Addresses one dial-back request may name; the rest are ignored. */
export const AUTONAT_MAX_ADDRS = 8

/** Dial-backs this node runs at once for other peers: each is a TCP dial that may wait out a dropped SYN. */
export const AUTONAT_MAX_CONCURRENT_DIALBACKS = 8

/** One dial-back request per peer per this many ms: a probe round asks each peer once, every few seconds at most. */
export const AUTONAT_PER_PEER_INTERVAL_MS = 2_000

/** AutoNAT streams per connection and direction: a request and the previous one still closing. */
export const AUTONAT_MAX_STREAMS = 2

/** Peers whose last request time is remembered for the limit above; the oldest are forgotten first. */
export const AUTONAT_TRACKED_PEERS = 1024

/** How long a dial-back dial may take: below the asker's REACHABILITY_DIALBACK_TIMEOUT_MS, so the answer arrives. */
export const AUTONAT_DIALBACK_DIAL_MS = 8_000

/** The AutoNAT v1 protocol id (libp2p spec), served by node/autonat-server.ts and spoken by the probe. */
export const AUTONAT_PROTOCOL = '/libp2p/autonat/1.0.0'

/**
 * Addresses taken from one peer's identify or DCUtR message. Both are lists a remote peer writes; a bounded
 * list keeps a hostile peer from making this node dial hundreds of addresses for it.
 */
export const MAX_PEER_ADDRESSES = 16

/** DCUtR hole-punch attempts before a connection stays relayed: the spec's 3. */
export const DCUTR_RETRIES = 3

/** Inbound DCUtR streams per connection: one hole punch at a time per peer. */
export const DCUTR_MAX_STREAMS = 1
