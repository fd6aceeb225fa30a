/**
 * Protocol id, limits and timeouts of the swarm crawl (the peers protocol), each with the reason for its value.
 */

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

/**
 * New peers one report may add to a crawl. A node reports up to 100 connections; a hostile one can make all of
 * them up. Peers past this are left out of the graph (another report may still name them).
 */
export const CRAWL_MAX_NEW_PEERS_PER_REPORT = 32

/** Addresses one report may give for one peer; a gossipd node announces one or two. */
export const CRAWL_MAX_ADDRS_PER_REPORT = 4

/** Addresses the crawl keeps for one peer from all reports together. */
export const CRAWL_MAX_ADDRS_PER_PEER = 16

/**
 * Reporters that must name an address before the crawl dials it, when this node knows the peer from nowhere
 * else (no connection, nothing in its peer store from identify or the DHT): one peer alone cannot point the
 * crawl at addresses of its choosing.
 */
export const CRAWL_MIN_VOUCHERS = 2

/** Addresses tried per dial: what a peer announces, not a scan. */
export const CRAWL_MAX_DIAL_ADDRS = 3

/**
 * Peers a crawl dials (those it is not connected to): a 40-node swarm seen from a node with 8 connections needs
 * about 30. At most `CRAWL_MAX_DIALS` x `CRAWL_MAX_DIAL_ADDRS` connection attempts per crawl.
 */
export const CRAWL_MAX_DIALS = 48

/**
 * How long the crawl looks a peer up in the DHT when its peer store has no address for it and a single report
 * named it: a lookup in a swarm of dozens answers in tens of ms; a peer the DHT does not know is not dialed.
 */
export const CRAWL_FIND_PEER_TIMEOUT_MS = 1_000
