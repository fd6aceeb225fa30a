/**
 * The HTTP control API: a fastify app over a `GossipdNode`. Route schemas are the single source of request
 * validation, response shapes and `/openapi.json`.
 */
import swagger from '@fastify/swagger'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import {
  API_BODY_LIMIT, API_HEADERS_TIMEOUT_MS, API_IDLE_TIMEOUT_MS, API_KEEP_ALIVE_TIMEOUT_MS, API_MAX_SOCKETS,
  API_REQUEST_TIMEOUT_MS
} from './constants.js'
import type { Logger } from '../logger.js'
import type { GossipdNode } from '../gossipd.js'
export type { ApiRoute, RouteOptions } from './route-options.js'
import { registerAuth } from './auth.js'
import { frameworkErrors, registerErrorHandler } from './errors.js'
import { registerFiniteCheck } from './finite-numbers.js'
import { lazyCompilers } from './lazy-compilers.js'
import { registerOriginGuard } from './origin-guard.js'
import { StreamSlots, type StreamLimitsInit } from './stream-slots.js'
import dht from './routes/dht.js'
import metrics from './routes/metrics.js'
import peers from './routes/peers.js'
import root from './routes/root.js'
import peerFiles from './routes/peer-files.js'
import search from './routes/search.js'
import downloads from './routes/downloads.js'
import files from './routes/files.js'
import direct from './routes/direct.js'
import message from './routes/message.js'
import topics from './routes/topics.js'
import swarm from './routes/swarm.js'
import ui from './routes/ui.js'

export interface ApiOptions {
  /** Required bearer token; when absent the API is open (only allowed on loopback, checked by the config). */
  token?: string
  logger?: Logger
  /** Caps of the SSE/NDJSON streams (see `src/api/constants.ts`). */
  streams?: StreamLimitsInit
}

/** Route plugins of every feature; features add theirs here. */
export const ROUTES = [root, peers, dht, metrics, swarm, ui, topics, direct, message, files, downloads, search, peerFiles]

export async function buildApi (node: GossipdNode, options: ApiOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger?.child({ component: 'api' }) as FastifyBaseLogger | undefined,
    // per-request lines would drown a swarm's logs; errors are still logged by the error handler
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: API_BODY_LIMIT,
    // slow clients must not hold sockets open forever: headers must arrive within API_HEADERS_TIMEOUT_MS (a
    // slowloris client trickling them is cut off), a stalled body within API_IDLE_TIMEOUT_MS, and node checks
    // the deadlines every second, not every 30 s; whole requests are not timed, as large uploads take minutes
    requestTimeout: API_REQUEST_TIMEOUT_MS,
    connectionTimeout: API_IDLE_TIMEOUT_MS,
    keepAliveTimeout: API_KEEP_ALIVE_TIMEOUT_MS,
    http: { headersTimeout: API_HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 1_000 },
    // the schemas are this code's own, so ajv need not check each against the JSON Schema meta-schema, which it
    // compiles on a node's first request: a new node's first `GET /id` and `PUT /topics/{t}` cost 59 + 35 ms of
    // CPU with that check, 34-42 + 4-7 ms without (unknown keywords still fail: ajv's strict mode)
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false, validateSchema: false } },
    // a route's schemas compile on its first request, not all at start-up (lazy-compilers.ts)
    schemaController: { compilersFactory: lazyCompilers() },
    frameworkErrors
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.server.maxConnections = API_MAX_SOCKETS

  await app.register(swagger, {
    openapi: {
      info: { title: 'gossipd control API', version: '0.1.0', description: 'Drive a gossipd node: peers, DHT, topics, direct messages, files.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: options.token != null ? [{ bearer: [] }] : []
    }
  })
  registerErrorHandler(app)
  registerOriginGuard(app, { bind: node.config.api, hosts: node.config.apiHosts })
  registerFiniteCheck(app)
  if (options.token != null) {
    registerAuth(app, options.token)
  }
  const streams = new StreamSlots(options.streams)
  for (const route of ROUTES) {
    await app.register(route, { node, streams })
  }
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  await app.ready()
  return app
}
