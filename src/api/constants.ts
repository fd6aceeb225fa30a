/**
 * Limits of the HTTP API's long-lived streams (SSE and NDJSON): what one client that opens streams and never
 * reads them can hold.
 */

/**
 * Streams (message SSE/NDJSON and download progress) open at once across the API; past it, 429. Each holds at
 * most a replay batch and its socket's buffer while it waits for its reader, about 1 MiB at the largest
 * messages, so the cap keeps what readers can pin within a small share of a 256 MiB container.
 */
export const API_MAX_STREAMS = 32

/**
 * A stream whose socket stays full this long is cut: its reader stopped reading. Long enough for a browser tab
 * in the background or a slow link to catch up; the reader resumes by cursor (`Last-Event-ID`).
 */
export const API_STREAM_DRAIN_TIMEOUT_MS = 15_000
