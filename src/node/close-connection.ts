/**
 * Closing a connection the node chose to close (the connection budget trimming it, liveness ending its own
 * reachability probe): gracefully, so the peer's streams end cleanly, but within `CONNECTION_CLOSE_TIMEOUT_MS`,
 * after which it is aborted. A busy or stalled peer cannot hold the close open.
 */
import type { Connection } from '@libp2p/interface'
import { CONNECTION_CLOSE_TIMEOUT_MS } from './constants.js'
import { withDeadline } from './deadline.js'

export async function closeConnection (conn: Connection): Promise<void> {
  // cleared once the close is over: most closes take milliseconds, and every trimmed connection comes here
  await withDeadline(CONNECTION_CLOSE_TIMEOUT_MS, async signal => conn.close({ signal })).catch(err => { conn.abort(err as Error) })
}
