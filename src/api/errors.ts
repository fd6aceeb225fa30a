/**
 * The API's one error handler: every failure becomes `{"error": {"code", "message"}}`. Client errors say what
 * was wrong; server errors say nothing of the internals (the log has the stack).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { GossipdError, isGossipdError } from '../errors.js'

export class UnauthorizedError extends GossipdError {
  static override name = 'UnauthorizedError'
  readonly code = 'unauthorized'
  constructor () {
    super('missing or wrong bearer token: send "Authorization: Bearer <token>"')
  }
}

/** The request's Host is not a name this API answers to: the mark of DNS rebinding. */
export class MisdirectedHostError extends GossipdError {
  static override name = 'MisdirectedHostError'
  readonly code = 'misdirected-host'
  constructor (host: string) {
    super(`Host "${host.slice(0, 100)}" is not a name of this API: use localhost, a loopback address or the --api host (or add the name with --api-hosts)`)
  }
}

/** A state-changing request from a web page of another origin (CSRF). */
export class CrossOriginError extends GossipdError {
  static override name = 'CrossOriginError'
  readonly code = 'cross-origin'
  constructor (detail: string) {
    super(`cross-site request refused: ${detail}`)
  }
}

/** Every stream slot of the API is taken (`API_MAX_STREAMS`). */
export class TooManyStreamsError extends GossipdError {
  static override name = 'TooManyStreamsError'
  readonly code = 'too-many-streams'
  constructor (max: number) {
    super(`${max} streams are open already, the most this API serves at once; close one or retry later`)
  }
}

/**
 * The HTTP status of each error code (src/errors.ts), the one place domain errors meet HTTP. A code missing here
 * answers 500: a new error class must be given its status.
 */
export const ERROR_STATUS: Readonly<Record<string, number>> = {
  'invalid-config': 500,
  identity: 500,
  'invalid-request': 400,
  'invalid-peer-id': 400,
  'invalid-multiaddr': 400,
  'invalid-file-name': 400,
  'invalid-file-id': 400,
  unauthorized: 401,
  'cross-origin': 403,
  'peer-not-found': 404,
  'file-not-found': 404,
  'download-not-found': 404,
  'no-subscribers': 409,
  'not-connected': 409,
  'file-too-large': 413,
  'message-too-large': 413,
  'range-not-satisfiable': 416,
  'misdirected-host': 421,
  'message-rejected': 422,
  'too-many-streams': 429,
  'limit-reached': 429,
  // a peer refused this node's messages for coming too fast: the client is asked to slow down too
  'rate-limited': 429,
  'dial-failed': 502,
  'relayed-only': 502,
  'file-transfer': 502,
  'dm-protocol': 502,
  'history-protocol': 502,
  // a remote peer broke the DHT's limits while answering this node's lookup
  'dht-message-too-large': 502,
  'provider-record-refused': 502,
  'autonat-protocol': 502,
  'missing-message-id': 500,
  'not-started': 503,
  'storage-full': 507,
  'slow-reader': 503
}

/** The status an error answers with: its code's, or 500 for a code without one. */
export const statusOf = (err: GossipdError): number => ERROR_STATUS[err.code] ?? 500

/** Fastify's own error codes, by the code clients see. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid-request',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid-request',
  FST_ERR_VALIDATION: 'invalid-request'
}

/** Longest piece of a client's input quoted back in an error message. */
const QUOTE_MAX = 100

const quote = (s: string): string => s.length > QUOTE_MAX ? `${s.slice(0, QUOTE_MAX)}...` : s

/**
 * Errors the router raises before any route or hook runs (a path segment that is not valid percent-encoded
 * UTF-8, or one longer than the router takes): answered in the API's shape, quoting at most a little of the URL.
 */
export function frameworkErrors (err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const status = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : (err.statusCode ?? 400)
  const code = status === 414 ? 'uri-too-long' : status < 500 ? 'invalid-request' : 'internal'
  const what = status === 414 ? 'has a path segment longer than the API accepts' : 'is not a valid URL (bad percent-encoding or UTF-8)'
  void reply.code(status).send({ error: { code, message: `${req.method} ${quote(req.url)} ${what}` } })
}

export function registerErrorHandler (app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | GossipdError | Error, req, reply) => {
    if (isGossipdError(err)) {
      const status = statusOf(err)
      if (status >= 500) req.log.warn({ err }, 'request failed')
      return reply.code(status).send({ error: { code: err.code, message: err.message } })
    }
    const fe = err as FastifyError
    if (fe.validation != null) {
      return reply.code(400).send({ error: { code: 'invalid-request', message: fe.message } })
    }
    const status = fe.statusCode ?? 500
    if (status >= 400 && status < 500) {
      const code = FASTIFY_CODES[fe.code] ?? (status === 413 ? 'body-too-large' : status === 415 ? 'unsupported-media-type' : 'invalid-request')
      return reply.code(status).send({ error: { code, message: fe.message } })
    }
    req.log.error({ err }, 'internal error')
    return reply.code(500).send({ error: { code: 'internal', message: 'internal error; see the node\'s log' } })
  })

  app.setNotFoundHandler((req, reply) => {
    return reply.code(404).send({ error: { code: 'not-found', message: `no route ${req.method} ${req.url.split('?')[0]}` } })
  })
}

