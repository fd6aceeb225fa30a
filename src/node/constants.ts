/**
 * Limits and timeouts of the libp2p host (connections, DHT, gossipsub, liveness, discovery), each with the
 * reason for its value.
 */

/** Parallel requests per DHT lookup path: Kademlia's classic 3. */
export const DHT_ALPHA = 3

/** Disjoint paths per DHT lookup (S/Kademlia): 2 survive one bad peer on a path without flooding a small swarm. */
export const DHT_DISJOINT_PATHS = 2

/**
 * kad-dht's first lookup of the node's own id, this long after start: the node's way into the DHT, which in a
 * swarm of dozens meets most of it. (The library's 1 s default was set for the public network.)
 */
export const DHT_INITIAL_QUERY_SELF_MS = 500

/**
 * kad-dht's later lookups of the node's own id: every 10 minutes, as go-libp2p-kad-dht does, not kad-dht's 5. Each
 * one dials most of a swarm of dozens: in a settled 40-node swarm started at once, the nodes' self-lookups at the
 * fifth minute took them from 13 to 21 connections each and the swarm from 0.05 to 0.25-0.5 cores for a minute,
 * and topic messages sent in that minute cost about 1.7 times as much (docs/PERFORMANCE.md, "The DHT's upkeep").
 * Liveness and discovery keep the routing table between them (dead peers leave it, connected peers enter it).
 */
export const DHT_QUERY_SELF_MS = 10 * 60_000

/** Each node's self-lookup period is moved by up to this share either way, so that nodes started together drift apart. */
export const DHT_QUERY_SELF_JITTER = 0.2

/** Routing-table additions (each a ping of the new contact) in flight at once: a whole swarm's worth. */
export const DHT_TABLE_UPDATE_CONCURRENCY = 32

/**
 * Largest kad-dht message read from a peer. The library reads frames of any announced length and buffers the
 * partial frame meanwhile (3 MiB per stream, 32 streams per connection, measured 96 MB). The largest honest
 * message is an answer of 20 peers with their addresses, a few KiB.
 */
export const DHT_MAX_MESSAGE_BYTES = 64 * 1024

/** Inbound kad-dht streams per connection: a peer runs a few lookups at once (alpha 3), not the default 32. */
export const DHT_MAX_INBOUND_STREAMS = 8

/**
 * Provider records this node keeps for one remote peer. In a swarm smaller than k (20) every node keeps every
 * peer's records, one per shared file; a record costs about 720 bytes of memory, so one peer's cost 0.7 MiB.
 */
export const DHT_MAX_PROVIDER_RECORDS_PER_PEER = 1_024

/** Provider records kept for all remote peers together: about 11.5 MiB, whatever the number of peer ids. */
export const DHT_MAX_PROVIDER_RECORDS = 16_384

/**
 * Multihashes a provider record may be keyed by, with their digest length: gossipd's file ids are sha2-256
 * CIDs, and any other key (an identity hash holds its whole content) is refused before it is stored.
 */
export const DHT_PROVIDER_HASHES: ReadonlyMap<number, number> = new Map([[0x12, 32]])

/** Agent version announced through identify. */
export const AGENT_VERSION = 'gossipd/0.1.0'

/** Connections in the upgrade phase at once (Noise + Yamux handshakes); libp2p's default of 10 is too low for a swarm joining together. */
export const DEFAULT_MAX_INCOMING_PENDING = 100

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

/** Longest text a failed dial's reasons take in a log line or an outbox entry's `lastError` (node/dial-error.ts). */
export const DIAL_ERROR_MAX_CHARS = 1_000

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

/**
 * Longest wait between two random walks of a node whose walks keep finding nobody new: a swarm smaller than
 * DISCOVERY_TARGET_ROUTING_TABLE, whose tables can never fill. Each walk asks nearly every node of such a swarm, and
 * at one walk per node every 30 s the DHT requests were the largest item in the CPU profile of a quiet 20-node
 * swarm (getClosestPeersOffline and its peer-store reads, 9 % of its busy time). A newcomer needs no walk to be
 * found: it dials into the swarm, and every node it reaches adds it to its table.
 */
export const DISCOVERY_FRUITLESS_WALK_MAX_MS = 5 * 60_000

/** Routing table size below which the discovery loop keeps walking the DHT at the fast interval. */
export const DISCOVERY_TARGET_ROUTING_TABLE = 20

/** Timeout of one random-walk query. */
export const DISCOVERY_QUERY_TIMEOUT_MS = 10_000

/**
 * Backoff of a peer the discovery loop failed to dial (node/dial-backoff.ts): skipped for 2 s after a failure,
 * twice as long after each one in a row, up to 30 s. Behind a NAT a node otherwise dialed the unreachable private
 * addresses of other sites' nodes every round, 1-3 s each. Not longer: a partition's two sides find each other
 * again through these dials (test/resilience/partition.test.ts, back within 10 s of the heal).
 */
export const DISCOVERY_BACKOFF_BASE_MS = 2_000
export const DISCOVERY_BACKOFF_MAX_MS = 30_000
/** Peers whose backoff is remembered; past it, the one that failed longest ago is forgotten. */
export const DISCOVERY_BACKOFF_MAX_PEERS = 1_024

/** Timeout of a dial the discovery loop makes to reach the minimum number of connections. */
export const DISCOVERY_DIAL_TIMEOUT_MS = 10_000

/** Default timeout of a connect request made through the API. */
export const CONNECT_TIMEOUT_MS = 10_000

/** Default per-connection inbound stream limit for custom protocols registered through `node.handle`. */
export const DEFAULT_MAX_INBOUND_STREAMS = 32

/** Default per-connection outbound stream limit for custom protocols. */
export const DEFAULT_MAX_OUTBOUND_STREAMS = 32

/** File in the data directory holding the node's private key. */
export const IDENTITY_FILE = 'identity.key'

/**
 * Gossipsub mesh degree: 4 (the spec's 6, kept within 3..6). Every node forwards each message to its mesh peers,
 * and with flood publish most of them have it already from the publisher, so each mesh peer is one more copy to
 * send, receive, decrypt and drop: frames, not message handling, are what a message costs. In a 40-node swarm
 * at 3 msg/s (`node bench/message-cost.js`, 2026-12-05) CPU per node per message was 4.13 ms at D = 6 (Dhi 12),
 * 3.98 at Dhi 8, 3.09 at D = 4 (3..6), and 2.95 with the heartbeat and lazy gossip below; 7.17 / 7.30 at D = 8
 * (2026-11-22). Four mesh peers and the publisher's flood still reach a swarm of dozens in two or three hops,
 * and gossip (IHAVE) and history catch-up repair what a mesh path loses.
 */
export const GOSSIPSUB_D = 4

/** Fewest mesh peers before the heartbeat grafts more. */
export const GOSSIPSUB_DLO = 3

/** Most mesh peers before the heartbeat prunes some: grafts from others are refused beyond it. */
export const GOSSIPSUB_DHI = 6

/**
 * Gossipsub heartbeat: 1 s, the spec's default. Each heartbeat sends IHAVE to `lazyGossipPeers` peers while
 * messages flow, so 700 ms (used before to repair meshes a little faster after a join) sent 40 % more gossip
 * frames; with the lower Dlazy, 3.36 against 4.13 ms of CPU per node per message (above).
 */
export const GOSSIPSUB_HEARTBEAT_MS = 1_000

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

/**
 * Longest topic name, in UTF-8 bytes, this node subscribes to or accepts from a peer (in a subscription or a
 * message). The API allows 256 characters, up to 1024 bytes in UTF-8; gossipsub bounds no name, and a peer's
 * 200 KB names were kept per message.
 */
export const TOPIC_MAX_BYTES = 1024

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

/**
 * Peers a node may hold over its connection budget before it trims (node/connection-budget.ts): a DHT lookup or a
 * joining peer briefly adds a few, and closing one connection each time would only have it dialed again.
 */
export const CONNECTION_BUDGET_SLACK = 4

/**
 * A connection younger than this is not trimmed: long enough for a joining node's DHT lookups and history
 * catch-ups to finish over it, and for gossipsub's heartbeat to graft it into a mesh if it belongs there.
 */
export const CONNECTION_BUDGET_GRACE_MS = 30_000

/** How often the connection count is checked against the budget: a count of connections, no traffic. */
export const CONNECTION_BUDGET_INTERVAL_MS = 10_000

/** How long a trimmed connection may take to close gracefully before it is aborted (libp2p's pruner waits 1 s). */
export const CONNECTION_CLOSE_TIMEOUT_MS = 1_000

/** Tag value gossipsub gives a mesh peer in the peer store, per topic (its `tagMeshPeers`): such peers are never trimmed. */
export const GOSSIPSUB_MESH_TAG_VALUE = 100

/**
 * The peer-store tag kad-dht (`@libp2p/kad-dht`'s KEEP_ALIVE_TAG) puts on its 20 closest peers, which has libp2p
 * redial them whenever their connection closes (node/dht-keep-alive.ts removes it).
 */
export const DHT_KEEP_ALIVE_TAG = 'keep-alive-kad-dht'

/** Protocols whose streams come and go with a connection (identify, identify push, ping): no work to finish when it closes. */
export const PASSING_PROTOCOLS = ['/ipfs/id/1.0.0', '/ipfs/id/push/1.0.0', '/ipfs/ping/1.0.0']

/**
 * Sampling interval of the event-loop lag histogram in `/metrics` (prom-client's default is 10 ms). The histogram
 * runs a timer that wakes the process at this interval even when it has nothing to do: at 10 ms that cost an idle
 * process 1.3-1.9 ms of CPU per second on the loaded 2-core machine (a bare `node` with and without it, 10 s each),
 * a third of an idle node's whole target. Lag of 100 ms and more, what an operator looks for, still shows.
 */
export const METRICS_EVENT_LOOP_RESOLUTION_MS = 100

/**
 * Resolution of the event-loop delay liveness reads during a ping round (node/liveness.ts); the histogram runs only
 * while a round waits for its answers. It tells a loop late by a second or more, so 50 ms is plenty.
 */
export const LIVENESS_LOOP_RESOLUTION_MS = 50

/**
 * Longest time a connected peer goes without a ping. Between those, liveness pings a peer only when this node
 * sent it data and read nothing back since the last round: a busy connection proves itself by what it carries,
 * and an idle one is watched by the kernel's TCP keep-alive (TCP_KEEP_ALIVE_IDLE_MS). This refresh keeps the
 * latency of `GET /peers` at most a minute old, and finds a hung peer that nobody sends anything.
 */
export const LIVENESS_REFRESH_MS = 60_000

/**
 * Idle time after which the kernel starts TCP keep-alive probes on a connection. Node's libuv then probes every
 * second and gives up after 10 unanswered probes, so a peer cut off silently (a partition, a vanished host) is
 * found on an idle connection within about 20 s, on both ends, by the kernel alone: no timer, frame or wake-up in
 * the node (measured: a 2 s idle time timed out at 12.3 s on both ends of a socket pair whose packets were dropped).
 * Liveness pings (`--ping-interval`) cover what the kernel cannot: a hung peer whose kernel still answers, and a
 * connection with data in flight, which TCP retransmits instead of probing.
 */
export const TCP_KEEP_ALIVE_IDLE_MS = 10_000

/**
 * Yamux's own keep-alive pings (every 30 s by default) stay off: liveness pings every connection over Yamux every
 * `--ping-interval` already, which keeps it alive and notices a dead peer; the second ping was 3.4 % of an idle
 * node's CPU profile, plus the answers its peers sent.
 */
export const YAMUX_KEEP_ALIVE = false

// NAT traversal: reachability probes, the AutoNAT server, hole punching, relay reservations

/** How long a reservation lasts before the client renews it: go-libp2p's 1 hour. */
export const RELAY_RESERVATION_TTL_MS = 60 * 60_000

/**
 * How long one search for a relay walks the DHT (node/relay-search.ts). In the NAT drill a private node that knew
 * only the bootstrap found and reserved the second relay 16-19 s after start, dial-backs included.
 */
export const RELAY_SEARCH_MS = 20_000

/** Pause after a search that found too few relays; doubled after each one, up to the maximum below. */
export const RELAY_SEARCH_MIN_PAUSE_MS = 60_000

/** Longest pause between searches of a node that stays short of relays (one relay in the swarm, or none). */
export const RELAY_SEARCH_MAX_PAUSE_MS = 10 * 60_000

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

/**
 * Dial-backs this node runs at once for other peers. Each one to a node behind a NAT waits out a dropped SYN
 * (AUTONAT_DIALBACK_DIAL_MS) and costs a socket and a timer; a public node that a site of a dozen private nodes
 * asks at once must not refuse most of them as busy, or their reachability takes minutes to settle.
 */
export const AUTONAT_MAX_CONCURRENT_DIALBACKS = 32

/** One dial-back request per peer per this many ms: a probe round asks each peer once, every few seconds at most. */
export const AUTONAT_PER_PEER_INTERVAL_MS = 2_000

/** AutoNAT streams per connection and direction: a request and the previous one still closing. */
export const AUTONAT_MAX_STREAMS = 2

/** Peers whose last request time is remembered for the limit above; the oldest are forgotten first. */
export const AUTONAT_TRACKED_PEERS = 1024

/**
 * How long a dial-back dial may take: a reachable node answers a TCP SYN and a Noise handshake in a few hundred
 * ms even across continents; well below the asker's REACHABILITY_DIALBACK_TIMEOUT_MS, so the answer arrives.
 */
export const AUTONAT_DIALBACK_DIAL_MS = 5_000

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
