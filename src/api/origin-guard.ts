/**
 * Web pages in the operator's browser must not use the API. Two checks run before anything else:
 *
 * - Host: a page that rebinds its own DNS name to 127.0.0.1 reaches the API with its own name in `Host`. Only
 *   loopback names, the `--api` host and the `--api-hosts` names are answered; others get 421. A wildcard bind
 *   (0.0.0.0, ::) answers every name, as it cannot know them: the config requires a token there, and a
 *   rebinding page cannot send it.
 * - Origin: a browser names the page's origin in `Origin` on every state-changing request (forms included, whose
 *   text/plain and urlencoded bodies need no CORS preflight) and says `cross-site` in `Sec-Fetch-Site`. Such a
 *   request from another origin gets 403. curl and other programs send neither header and pass.
 *
 * Reads need no Origin check: the browser does not let a page of another origin see the answer, and no GET route
 * changes state. Browsers that send `Sec-Fetch-Site` also keep other sites from firing GETs at all (an `<img>`
 * or `<script>`); a link to the dashboard, a top-level navigation, still opens it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { isLoopbackHost, parseHostPort } from '../config.js'
import { CrossOriginError, MisdirectedHostError } from './errors.js'

export interface OriginGuardOptions {
  /** The `--api` bind, `host:port`. */
  bind: string
  /** Further names (or addresses) the API answers to, e.g. a reverse proxy's. */
  hosts?: string[]
}

/** Methods that never change state; every other method is checked for its origin. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]'])

/** The name part of a `Host` header: brackets kept off IPv6, the port dropped, lower case. */
export function hostName (header: string): string {
  const m = /^\[([^\]]*)\](?::\d*)?$/.exec(header) ?? /^([^:]*)(?::\d*)?$/.exec(header)
  return (m?.[1] ?? header).toLowerCase().replace(/\.$/, '')
}

export function registerOriginGuard (app: FastifyInstance, options: OriginGuardOptions): void {
  const bindHost = parseHostPort(options.bind).host.toLowerCase()
  const anyHost = WILDCARD_HOSTS.has(bindHost)
  const allowed = new Set([bindHost, ...(options.hosts ?? []).map(h => hostName(h))])

  app.addHook('onRequest', async (req: FastifyRequest) => {
    const host = req.headers.host ?? ''
    const name = hostName(host)
    // no Host at all (an HTTP/1.0 probe) is no browser's: browsers always name the host they think they reach
    if (!anyHost && host !== '' && !isLoopbackHost(name) && !allowed.has(name)) throw new MisdirectedHostError(host)
    const crossSite = req.headers['sec-fetch-site'] === 'cross-site'
    // another site may link to the dashboard (a navigation), but not load from the API as an image or script
    if (crossSite && !(req.method === 'GET' && req.headers['sec-fetch-mode'] === 'navigate')) {
      throw new CrossOriginError('Sec-Fetch-Site is cross-site')
    }
    if (SAFE_METHODS.has(req.method)) return
    const origin = req.headers.origin
    // a TLS-terminating proxy in front keeps the Host but the page's origin is https
    if (origin != null && origin !== `http://${host}` && origin !== `https://${host}`) {
      throw new CrossOriginError(`Origin ${origin.slice(0, 100)} is not this API's (http://${host.slice(0, 100)})`)
    }
  })
}
