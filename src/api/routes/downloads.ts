import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { SSE_KEEPALIVE_MS } from '../constants.js'
import type { DownloadStatus, FileSharing } from '../../files/index.js'
import type { RouteOptions } from '../route-options.js'
import type { StreamSlots } from '../stream-slots.js'
import { errorResponses } from '../schemas/common.js'
import { DownloadStatusSchema, DownloadsResponse, JobParam } from '../schemas/files.js'

function isFinished (s: DownloadStatus): boolean {
  return s.state === 'completed' || s.state === 'failed' || s.state === 'cancelled'
}

/**
 * A job's progress as Server-Sent Events: the current status at once, then `progress` events as chunks land,
 * ending after the event that reports a final state.
 */
function streamProgress (files: FileSharing, jobId: string, req: FastifyRequest, reply: FastifyReply, open: Set<() => void>, slots: StreamSlots): void {
  const first = files.downloads.get(jobId)
  const release = slots.take()
  reply.hijack()
  const res = reply.raw
  req.raw.socket.setTimeout(0)
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' })
  const send = (s: DownloadStatus): void => {
    // progress events are snapshots: a reader too slow to drain skips some, and the next one is complete anyway
    if (res.writableNeedDrain) return
    res.write(`event: progress\ndata: ${JSON.stringify(s)}\n\n`)
    if (isFinished(s)) end()
  }
  const onProgress = (s: DownloadStatus): void => { if (s.id === jobId) send(s) }
  const keepalive = setInterval(() => { res.write(': keepalive\n\n') }, SSE_KEEPALIVE_MS)
  let ended = false
  function end (): void {
    if (ended) return
    ended = true
    clearInterval(keepalive)
    release()
    files.downloads.off('progress', onProgress)
    open.delete(end)
    res.end()
  }
  open.add(end)
  res.on('close', end)
  files.downloads.on('progress', onProgress)
  send(first)
}

/** Download jobs: list, status (JSON or SSE), cancel. */
const downloads: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { node, streams }) => {
  const open = new Set<() => void>()
  app.addHook('preClose', async () => { for (const end of [...open]) end() })

  app.get('/downloads', {
    schema: { summary: 'Download jobs, running and finished', tags: ['files'], response: { 200: DownloadsResponse } }
  }, async () => ({ downloads: node.files.downloads.list() }))

  app.get('/downloads/:job', {
    schema: {
      summary: 'A job: bytes done, rate, providers used, state. With `Accept: text/event-stream`, live progress events',
      tags: ['files'],
      params: JobParam,
      response: { 200: DownloadStatusSchema, ...errorResponses }
    }
  }, async (req, reply) => {
    const status = node.files.downloads.get(req.params.job)
    if ((req.headers.accept ?? '').includes('text/event-stream')) {
      streamProgress(node.files, req.params.job, req, reply, open, streams)
      return reply
    }
    return status
  })

  app.delete('/downloads/:job', {
    schema: {
      summary: 'Cancel a running job (its partial data is deleted) or forget a finished one',
      tags: ['files'],
      params: JobParam,
      response: { 200: DownloadStatusSchema, ...errorResponses }
    }
  }, async (req) => node.files.downloads.remove(req.params.job))
}

export default downloads
