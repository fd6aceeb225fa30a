/**
 * `/gossipd/index/1.0.0`: one request, one answer. The client asks for a peer's shared files, optionally only
 * those whose name contains a substring; the server answers with their ids, names and sizes.
 */
import type { Stream } from '@libp2p/interface'
import {
  FILES_INDEX_MAX_BYTES, FILES_INDEX_MAX_ENTRIES, FILES_INDEX_TIMEOUT_MS, FILES_MAX_REQUEST_BYTES
} from './constants.js'
import { FileTransferError } from '../errors.js'
import { withDeadline } from '../node/deadline.js'
import type { FileEntry } from './store.js'
import { decodeJson, encodeJson, framed, readResponse, writeError, writeOk } from './wire.js'

export interface IndexEntry {
  id: string
  name: string
  size: number
}

export interface IndexRequest {
  type: 'list'
  /** Case-insensitive substring of the name; absent lists everything. */
  q?: string
}

export function matches (name: string, q: string | undefined): boolean {
  return q == null || q === '' || name.toLocaleLowerCase().includes(q.toLocaleLowerCase())
}

export async function serveIndex (stream: Stream, list: () => FileEntry[]): Promise<void> {
  const lp = framed(stream, FILES_MAX_REQUEST_BYTES)
  // cleared once the answer is sent, as a files request's is (node/deadline.ts)
  await withDeadline(FILES_INDEX_TIMEOUT_MS, async signal => {
    const req = decodeJson((await lp.read({ signal })).subarray(), 'index request') as Partial<IndexRequest> | null
    if (req?.type !== 'list' || (req.q != null && typeof req.q !== 'string')) {
      await writeError(lp, 'bad-request', 'expected {"type":"list","q"?: string}', signal)
    } else {
      const files = list().filter(f => matches(f.name, req.q)).slice(0, FILES_INDEX_MAX_ENTRIES)
        .map(f => ({ id: f.id, name: f.name, size: f.size }))
      await writeOk(lp, encodeJson({ files }), {}, signal)
    }
    await stream.close({ signal })
  })
}

export async function requestIndex (stream: Stream, q: string | undefined, signal: AbortSignal): Promise<IndexEntry[]> {
  const lp = framed(stream, FILES_INDEX_MAX_BYTES)
  try {
    await lp.write(encodeJson({ type: 'list', ...(q != null ? { q } : {}) } satisfies IndexRequest), { signal })
    const body = decodeJson((await readResponse(lp, signal)).subarray(), 'index') as { files?: unknown }
    if (!Array.isArray(body?.files)) throw new FileTransferError('index answer has no "files" list')
    return body.files.filter((f): f is IndexEntry => {
      const e = f as Partial<IndexEntry>
      return typeof e?.id === 'string' && typeof e.name === 'string' && Number.isSafeInteger(e.size)
    }).slice(0, FILES_INDEX_MAX_ENTRIES)
  } finally {
    await stream.close({ signal }).catch(() => { stream.abort(new Error('index stream not closed cleanly')) })
  }
}
