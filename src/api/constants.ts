/**
 * Limits and timeouts of the HTTP API, each with the reason for its value.
 */

/** Default timeout of a findPeer lookup made through the API. */
export const FIND_PEER_TIMEOUT_MS = 15_000

/** Largest JSON request body the API accepts; bigger bodies answer 413. */
export const API_BODY_LIMIT = 1024 * 1024

/** Largest page of history one request returns. */
export const HISTORY_PAGE_MAX = 1000

/** Default page size of a history request. */
export const HISTORY_PAGE_DEFAULT = 100

/** Interval of SSE comment lines, so proxies and clients see a quiet stream is still alive. */
export const SSE_KEEPALIVE_MS = 15_000

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

/**
 * Streams (message SSE/NDJSON and download progress) open at once across the API; past it, 429. A stream whose
 * reader stopped holds at most a replay batch (1 MiB at the largest messages) or its live queue (2 MiB,
 * `LIVE_QUEUE_MAX_BYTES`) and its socket's buffer, so 32 keep what readers can pin under 100 MiB.
 */
export const API_MAX_STREAMS = 32

/**
 * A stream whose socket stays full this long is cut: its reader stopped reading. Long enough for a browser tab
 * in the background or a slow link to catch up; the reader resumes by cursor (`Last-Event-ID`).
 */
export const API_STREAM_DRAIN_TIMEOUT_MS = 15_000
