/**
 * The API's one error handler: every failure becomes `{"error": {"code", "message"}}`. Client errors say what
 * was wrong; server errors say nothing of the internals (the log has the stack).
 */
import type { FastifyError, FastifyInstance } from 'fastify'
import { GossipdError } from '../errors.js'

export class UnauthorizedError extends GossipdError {
  static override name = 'UnauthorizedError'
  override name = 'UnauthorizedError'
  readonly code = 'unauthorized'
  readonly status = 401
  constructor () {
    super('missing or wrong bearer token: send "Authorization: Bearer <token>"')
  }
}

/** Fastify's own error codes, by the code clients see. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid-request',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid-request',
  FST_ERR_VALIDATION: 'invalid-request'
}

export function registerErrorHandler (app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | GossipdError | Error, req, reply) => {
    if (err instanceof GossipdError) {
      if (err.status >= 500) req.log.warn({ err }, 'request failed')
      return reply.code(err.status).send({ error: { code: err.code, message: err.message } })
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
