import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { FILES_FIND_PROVIDERS_TIMEOUT_MS } from '../../files/constants.js'
import { FileTooLargeError, RangeNotSatisfiableError } from '../../errors.js'
import type { FileEntry } from '../../files/index.js'
import type { RouteOptions } from '../route-options.js'
import { ErrorBody, errorResponses } from '../schemas/common.js'
import {
  DownloadBody, DownloadStatusSchema, FileEntrySchema, FileIdParam, FilesResponse, ListQuery, ProvidersQuery, ProvidersResponse, UploadQuery
} from '../schemas/files.js'

/** Parse a single `bytes=` range against a size; undefined means "send it all" (absent or multi-range). */
export function parseRange (header: string | undefined, size: number): { start: number, end: number } | undefined {
  if (header == null) return undefined
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (m == null) {
    if (/^bytes=.*,/.test(header)) return undefined
    throw new RangeNotSatisfiableError(`unsupported Range "${header}"`)
  }
  let start: number
  let end: number
  if (m[1] === '') {
    if (m[2] === '') throw new RangeNotSatisfiableError(`unsupported Range "${header}"`)
    start = Math.max(0, size - Number(m[2]))
    end = size - 1
  } else {
    start = Number(m[1])
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
  }
  if (start > end || start >= size) throw new RangeNotSatisfiableError(`range ${header} is outside the file's ${size} bytes`)
  return { start, end }
}

/** RFC 6266 / 5987: an ASCII fallback plus the exact UTF-8 name. */
function contentDisposition (name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

/** The request body as a byte stream: the raw request, never buffered. */
async function * body (req: FastifyRequest): AsyncGenerator<Uint8Array> {
  for await (const chunk of req.raw) yield chunk as Uint8Array
}

/** Local files: upload (streamed), list, metadata, content with Range, delete; providers; start a download. */
const files: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { node }) => {
  const maxFileSize = node.config.maxFileSize

  // uploads in their own scope: every content type is taken as a raw stream, for this route only
  await app.register(async (scope) => {
    const upload = scope.withTypeProvider<TypeBoxTypeProvider>()
    upload.removeAllContentTypeParsers()
    upload.addContentTypeParser('*', (_req, payload, done) => { done(null, payload) })
    // an upload refused before its end (too large, bad name) leaves the client sending: answer, then hang up
    // rather than read gigabytes to keep the connection alive
    upload.addHook('onSend', async (req, reply) => {
      if (!req.raw.complete) reply.header('connection', 'close')
    })
    upload.addHook('onResponse', async (req) => {
      if (!req.raw.complete) req.raw.destroy()
    })
    upload.post('/files', {
      bodyLimit: maxFileSize,
      schema: {
        summary: 'Share a file: the raw request body is streamed to disk and hashed as it arrives',
        tags: ['files'],
        querystring: UploadQuery,
        response: { 201: FileEntrySchema, ...errorResponses }
      }
    }, async (req, reply) => {
      const length = Number(req.headers['content-length'])
      if (Number.isFinite(length) && length > maxFileSize) throw new FileTooLargeError(maxFileSize)
      const entry: FileEntry = await node.files.add(body(req), req.query.name)
      return reply.code(201).send(entry)
    })
  })

  app.get('/files', {
    schema: { summary: 'Files shared by this node (its index)', tags: ['files'], querystring: ListQuery, response: { 200: FilesResponse } }
  }, async (req) => ({ files: node.files.list(req.query.q) }))

  app.get('/files/:id', {
    schema: { summary: 'A file\'s metadata', tags: ['files'], params: FileIdParam, response: { 200: FileEntrySchema, ...errorResponses } }
  }, async (req) => node.files.get(req.params.id))

  app.get('/files/:id/content', {
    schema: {
      summary: 'A file\'s bytes; a single `Range: bytes=a-b` is answered with 206',
      tags: ['files'],
      params: FileIdParam,
      response: { 200: Type.Any({ description: 'the bytes' }), 206: Type.Any({ description: 'the requested range' }), ...errorResponses, 416: ErrorBody }
    }
  }, async (req, reply) => {
    const entry = node.files.get(req.params.id)
    const range = parseRange(req.headers.range, entry.size)
    reply.header('accept-ranges', 'bytes')
    reply.header('content-type', 'application/octet-stream')
    reply.header('content-disposition', contentDisposition(entry.name))
    reply.header('etag', `"${entry.id}"`)
    if (range == null) {
      reply.header('content-length', entry.size)
      return reply.send(node.files.read(entry.id))
    }
    reply.code(206)
    reply.header('content-range', `bytes ${range.start}-${range.end}/${entry.size}`)
    reply.header('content-length', range.end - range.start + 1)
    return reply.send(node.files.read(entry.id, range))
  })

  app.delete('/files/:id', {
    schema: { summary: 'Stop sharing a file and delete its bytes', tags: ['files'], params: FileIdParam, response: { 200: FileEntrySchema, ...errorResponses } }
  }, async (req) => node.files.delete(req.params.id))

  // a DHT lookup dials the peers it asks: a POST, as no GET may dial
  app.post('/files/:id/providers', {
    schema: {
      summary: 'Peers providing a file, according to the DHT (dials the peers it asks)',
      tags: ['files'],
      params: FileIdParam,
      querystring: ProvidersQuery,
      response: { 200: ProvidersResponse, ...errorResponses }
    }
  }, async (req) => ({
    id: req.params.id,
    providers: await node.files.findProviders(req.params.id, { signal: AbortSignal.timeout(req.query.timeoutMs ?? FILES_FIND_PROVIDERS_TIMEOUT_MS) })
  }))

  app.post('/files/:id/download', {
    schema: {
      summary: 'Start downloading a file from its providers (the DHT\'s and `from`); answers the job',
      tags: ['files'],
      params: FileIdParam,
      body: Type.Optional(Type.Union([DownloadBody, Type.Null()])),
      response: { 202: DownloadStatusSchema, ...errorResponses }
    }
  }, async (req, reply) => reply.code(202).send(node.files.download(req.params.id, { from: req.body?.from })))
}

export default files
