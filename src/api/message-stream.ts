/**
 * Message history over HTTP, shared by the topic and inbox routes: a JSON page by cursor, or, by `Accept`, a
 * live stream as Server-Sent Events (`id:` = sequence number, resumed with `Last-Event-ID`) or NDJSON.
 *
 * The node never waits for a stream reader: messages queue per reader (bounded, see `LiveFeed`), and a reader
 * that stops draining its socket falls behind until it is cut off with an `error` event. It resumes by cursor.
 * A replay is read from the store one small batch at a time, the next only once the socket took the last; a
 * socket that stays full for the drain timeout is closed, and the API serves a bounded number of streams.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { HISTORY_PAGE_DEFAULT, SSE_KEEPALIVE_MS } from './constants.js'
import { InvalidRequestError } from '../errors.js'
import { messageView, type Encoding, type MessageView } from '../messaging/body.js'
import type { StoredMessage } from '../messaging/history.js'
import type { LiveReader } from '../messaging/live.js'
import type { StreamSlots } from './stream-slots.js'

export type StreamFormat = 'sse' | 'ndjson'

/**
 * Live streams never end by themselves, and the server's close would wait for them: a plugin that serves
 * streams calls this once, and its open streams end when the API closes.
 */
export function endStreamsOnClose (app: FastifyInstance): Set<LiveReader<StoredMessage>> {
  const open = new Set<LiveReader<StoredMessage>>()
  app.addHook('preClose', async () => {
    for (const r of open) r.close()
  })
  return open
}

export interface HistorySource {
  page(opts: { after?: number, limit: number }): StoredMessage[]
  lastSeq(): number
  stream(opts: { after?: number }): LiveReader<StoredMessage>
  /** Open streams, ended when the API closes (see `endStreamsOnClose`). */
  open: Set<LiveReader<StoredMessage>>
  /** The API's stream slots: a stream takes one or is refused with 429. */
  slots: StreamSlots
  /** Show the channel as `topic` in each message. */
  channelAs?: 'topic'
}

export interface HistoryQueryValues {
  after?: number
  limit?: number
  encoding?: 'base64'
}

/** Which stream the client asked for in `Accept`, if any. */
export function streamFormat (req: FastifyRequest): StreamFormat | undefined {
  const accept = req.headers.accept ?? ''
  if (accept.includes('text/event-stream')) return 'sse'
  if (accept.includes('application/x-ndjson')) return 'ndjson'
  return undefined
}

function resumeCursor (req: FastifyRequest, after: number | undefined): number | undefined {
  const header = req.headers['last-event-id']
  if (header == null || header === '') return after
  const value = Array.isArray(header) ? header[0] : header
  if (!/^\d+$/.test(value)) throw new InvalidRequestError(`Last-Event-ID must be a sequence number, got "${value}"`)
  return Number(value)
}

export interface HistoryPage {
  messages: MessageView[]
  next: number
  lastSeq: number
}

/** Answer a history request: a page as JSON, or (answered here, nothing returned) a live stream when `Accept` asks for one. */
export async function serveHistory (req: FastifyRequest, reply: FastifyReply, source: HistorySource, query: HistoryQueryValues): Promise<HistoryPage | undefined> {
  const encoding: Encoding | undefined = query.encoding
  const format = streamFormat(req)
  if (format == null) {
    const messages = source.page({ after: query.after, limit: query.limit ?? HISTORY_PAGE_DEFAULT })
    return {
      messages: messages.map(m => messageView(m, { channelAs: source.channelAs, encoding })),
      next: messages.at(-1)?.seq ?? query.after ?? 0,
      lastSeq: source.lastSeq()
    }
  }
  const after = resumeCursor(req, query.after)
  const release = source.slots.take()
  let reader: LiveReader<StoredMessage> | undefined
  try {
    reader = source.stream({ after })
    source.open.add(reader)
    await pipeStream(req, reply, reader, format, m => JSON.stringify(messageView(m, { channelAs: source.channelAs, encoding })), source.slots.drainTimeoutMs)
  } finally {
    if (reader != null) source.open.delete(reader)
    release()
  }
  return undefined
}

async function pipeStream (req: FastifyRequest, reply: FastifyReply, reader: LiveReader<StoredMessage>, format: StreamFormat, render: (m: StoredMessage) => string, drainTimeoutMs: number): Promise<void> {
  reply.hijack()
  const res = reply.raw
  // a stream is quiet for long stretches: the server's idle-socket timeout must not cut it
  req.raw.socket.setTimeout(0)
  res.writeHead(200, {
    'content-type': format === 'sse' ? 'text/event-stream; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no'
  })
  res.flushHeaders()
  let closed = false
  const onClose = (): void => {
    closed = true
    reader.close()
  }
  res.on('close', onClose)
  // a write racing the client's disconnect fails on the response; the close handler already ends the stream
  res.on('error', onClose)
  const keepalive = format === 'sse' ? setInterval(() => { if (!closed) res.write(': keepalive\n\n') }, SSE_KEEPALIVE_MS) : undefined
  // a reader cut off while its socket is still full will never drain, nor one that has not drained for the
  // timeout: drop the connection
  const write = async (chunk: string): Promise<void> => {
    if (res.write(chunk) || closed) return
    let timer: ReturnType<typeof setTimeout> | undefined
    const drained = await Promise.race([
      new Promise<boolean>(resolve => {
        const done = (): void => { res.off('drain', done); res.off('close', done); resolve(true) }
        res.once('drain', done)
        res.once('close', done)
      }),
      new Promise<boolean>(resolve => { timer = setTimeout(() => { resolve(false) }, drainTimeoutMs) }),
      reader.done.then(() => false)
    ])
    clearTimeout(timer)
    if (!drained && !closed) {
      closed = true
      res.destroy()
    }
  }
  try {
    if (format === 'sse') await write('retry: 2000\n\n')
    for await (const m of reader) {
      if (closed) break
      await write(format === 'sse' ? `id: ${m.seq}\nevent: message\ndata: ${render(m)}\n\n` : `${render(m)}\n`)
    }
  } catch (err) {
    const e = err as Error & { code?: string }
    const body = JSON.stringify({ error: { code: e.code ?? 'internal', message: e.message } })
    if (!closed) res.write(format === 'sse' ? `event: error\ndata: ${body}\n\n` : `${body}\n`)
  } finally {
    clearInterval(keepalive)
    res.off('close', onClose)
    res.off('error', onClose)
    reader.close()
    if (!closed) res.end()
  }
}
