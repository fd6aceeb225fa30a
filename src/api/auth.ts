/**
 * Bearer-token auth. Tokens are compared through their SHA-256 digests with `timingSafeEqual`, so neither the
 * content nor the length of the expected token leaks through response timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { UnauthorizedError } from './errors.js'

/** Paths served without a token: liveness reveals nothing, and orchestrator probes cannot send secrets. */
const OPEN_PATHS = new Set(['/health'])

/** The dashboard's static files hold no data (its data calls carry the token); dot segments never pass open. */
const isOpenUiPath = (path: string): boolean => path === '/ui' || (path.startsWith('/ui/') && !path.includes('..') && !path.includes('%'))

const digest = (s: string): Buffer => createHash('sha256').update(s).digest()

export function tokenMatches (expected: string, header: string | undefined): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '')
  const given = m?.[1] ?? ''
  // compare even when the header is missing, so the work done does not depend on the input
  return timingSafeEqual(digest(expected), digest(given)) && m != null
}

export function registerAuth (app: FastifyInstance, token: string): void {
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const path = req.url.split('?')[0]
    if (OPEN_PATHS.has(path) || isOpenUiPath(path)) return
    if (!tokenMatches(token, req.headers.authorization)) {
      throw new UnauthorizedError()
    }
  })
}
