import type { FastifyInstance } from 'fastify'

/**
 * Take text/plain and application/octet-stream bodies as raw bytes (a Buffer), for the routes of one plugin:
 * a message body is bytes, and text must arrive byte for byte. Fastify scopes parsers to the plugin.
 */
export function registerRawBodies (app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain')
  app.addContentTypeParser(['text/plain', 'application/octet-stream'], { parseAs: 'buffer' }, (_req, body, done) => {
    done(null, body)
  })
}
