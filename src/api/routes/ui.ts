/**
 * The dashboard at `/ui`: the static files `npm run build` bundles into `dist/ui` (no CDN, nothing fetched at run
 * time). The files hold no data, so they are served without a token; every data call the page makes sends one.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { packageRoot } from '../../package-root.js'
import type { RouteOptions } from '../route-options.js'

/** `dist/ui` of this package, found from here both in src/ (tests) and in dist/src/ (built). */
export function uiDirectory (): string | undefined {
  const root = packageRoot()
  if (root == null) return undefined
  const ui = join(root, 'dist', 'ui')
  return existsSync(join(ui, 'index.html')) ? ui : undefined
}

/** The page may talk to this API only, load nothing from elsewhere, and never be framed by another site. */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

const ui: FastifyPluginAsyncTypebox<RouteOptions> = async (app) => {
  const root = uiDirectory()
  if (root == null) {
    app.get('/ui', { schema: { hide: true } }, async (_req, reply) => reply.code(503).send({
      error: { code: 'ui-not-built', message: 'the dashboard is not built: run `npm run build`' }
    }))
    return
  }
  app.get('/ui', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/ui/'))
  await app.register(fastifyStatic, {
    root,
    prefix: '/ui/',
    index: 'index.html',
    dotfiles: 'deny',
    setHeaders: (res, path) => {
      res.header('content-security-policy', CSP)
      res.header('x-content-type-options', 'nosniff')
      // bundled assets carry a content hash in their names; the page itself must always be fresh
      res.header('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache')
    }
  })
}

export default ui
