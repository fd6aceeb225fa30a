/**
 * Protocol ids, limits and timeouts of messaging (topic history, catch-up, direct messages, outbox), each with
 * the reason for its value.
 */

/**
 * A channel of the message log drops its oldest messages in batches of up to this many: it may hold up to 1 % of
 * its limit more, at most this many, between two trims (src/messaging/history.ts).
 */
export const HISTORY_TRIM_BATCH = 100

/**
 * Messages queued for one live stream reader (SSE or NDJSON) before it counts as too slow and is dropped.
 * The node never waits for a reader; a reader that falls this far behind resumes from the history instead.
 */
export const LIVE_QUEUE_LIMIT = 1024

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

/** First outbox retry delay; doubled after each failed attempt up to the maximum below. */
export const OUTBOX_RETRY_MIN_MS = 1_000

/** Longest wait between retries: a peer that comes back is tried within half a minute even without a connect event. */
export const OUTBOX_RETRY_MAX_MS = 30_000

/**
 * The receiver remembers a direct message id for this many outbox TTLs, so a retry of a message whose ack was
 * lost is acknowledged again and never shown twice, whatever TTL the sender uses (up to twice ours).
 */
export const DM_SEEN_TTL_FACTOR = 2
