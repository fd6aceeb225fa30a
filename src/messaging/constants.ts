/**
 * Protocol ids, limits and timeouts of messaging (topic history, catch-up, direct messages, outbox), each with
 * the reason for its value.
 */
import { DEFAULT_DM_RATE } from '../constants.js'

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

/**
 * Bytes of message bodies queued for one live stream reader: 1,024 messages of 64 KiB would be 64 MiB for one
 * stalled reader, 2 GiB for the API's 32 streams. 2 MiB per reader keeps all streams within 64 MiB of a 256 MiB
 * container, and still holds a burst of a thousand chat-sized messages.
 */
export const LIVE_QUEUE_MAX_BYTES = 2 * 1024 * 1024

/**
 * Messages a stream's replay reads from the store at a time; the next batch is read once the reader's socket
 * took these. At the largest messages (64 KiB) a batch is 1 MiB: what one reader that stops reading can pin.
 */
export const REPLAY_BATCH = 16

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

/**
 * Bytes of messages one history answer carries at most: a hundred messages of a few KiB, or sixteen of the
 * largest (64 KiB). An answer cut short says so (`truncated`) and the asker asks again for the rest.
 */
export const HISTORY_MAX_ANSWER_BYTES = 1024 * 1024

/** Bytes a message takes on the wire beside its body and topic (author, seqno, signature, key, field tags). */
export const HISTORY_MESSAGE_WIRE_BYTES = 192

/**
 * History requests one peer may make per second on average, and at once. An honest node asks a peer at most once
 * per topic every 2 s while it joins (every 30 s after), so a burst covers a few dozen topics at once.
 */
export const HISTORY_RATE_PER_SECOND = 4
export const HISTORY_RATE_BURST = 32

/** Peers whose history request rate is tracked at once; the one idle longest is forgotten beyond it. */
export const HISTORY_RATE_PEERS = 1024

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
 * Undelivered direct messages queued for one peer. A peer offline for a day at a message a minute queues 1,440;
 * 1,000 keeps an API client that loops on one peer id from filling the disk while leaving a day of chat.
 */
export const OUTBOX_MAX_PER_PEER = 1_000

/** Undelivered direct messages queued in all: 10,000 at the largest body (64 KiB) is 640 MiB of disk at most. */
export const OUTBOX_MAX_QUEUED = 10_000

/**
 * The receiver remembers a direct message id for this many outbox TTLs, so a retry of a message whose ack was
 * lost is acknowledged again and never shown twice, whatever TTL the sender uses (up to twice ours).
 */
export const DM_SEEN_TTL_FACTOR = 2

/**
 * How often remembered direct-message ids past their time are deleted. Their lifetime is days (twice the outbox
 * TTL), so a minute late costs nothing, where pruning on the outbox's 1 s tick ran a statement every second.
 */
export const DM_SEEN_PRUNE_MS = 60_000

/**
 * Dedupe pairs kept per sender: only messages still in a sender's outbox are ever retried, far fewer than this
 * from one peer to another; a flooding sender (1,150 messages/s were measured) would otherwise add a row per
 * message for 48 h. About 100 bytes of disk each.
 */
export const DM_SEEN_MAX_PER_SENDER = 10_000

/** Fresh dedupe pairs from one sender between two trims of its rows to the cap. */
export const DM_SEEN_TRIM_EVERY = 100

/** Direct messages one peer may send per second on average: `--dm-rate` (DEFAULT_DM_RATE) sets it. */
export const DM_RATE_PER_SECOND = DEFAULT_DM_RATE

/**
 * Direct messages one peer may send at once: a sender flushing its outbox after a reconnect sends its queue one
 * after another, and what is refused it retries with backoff (the nack `rate-limited` is not final).
 */
export const DM_RATE_BURST = 100

/** Peers whose direct-message rate is tracked at once; the one idle longest is forgotten beyond it. */
export const DM_RATE_PEERS = 4096

/** Characters of a received body shown in the debug log; bodies are never logged above debug. */
export const DM_LOG_BODY_CHARS = 64

/**
 * Oldest send time a received direct message keeps (the sender chooses it): a message retried for its whole
 * outbox TTL (24 h by default) is days old at most; older claims are clamped to this, so a sender cannot file a
 * message decades back (or at 1e300) in the receiver's inbox.
 */
export const DM_MAX_SENT_AGE_MS = 30 * 24 * 60 * 60 * 1000

/** How far ahead of the receiver's clock a sender's send time may be (clock skew); later claims are clamped. */
export const DM_MAX_CLOCK_SKEW_MS = 10 * 60 * 1000
