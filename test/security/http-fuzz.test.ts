/**
 * Hostile HTTP input: property-based requests against every route of `/openapi.json` through `app.inject`
 * (10,000 in all), then slow clients against a real listening server. Nothing may answer 5xx; every error is
 * JSON naming what was wrong; the node keeps serving.
 */
import { connect as tcpConnect, type Socket } from 'node:net'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApi } from '../../src/api/server.js'
import { API_HEADERS_TIMEOUT_MS } from '../../src/api/constants.js'
import type { GossipdNode } from '../../src/index.js'
import { hostileRequest, routesOf, type HostileRequest, type RouteSpec } from '../helpers/hostile-http.js'
import { TestNodes, waitFor } from '../helpers/nodes.js'

/** Requests sent through `app.inject` over all routes. */
const TOTAL_REQUESTS = 10_000

/** Fixed, so a failure reproduces; `FUZZ_SEED=n npx vitest run test/security/http-fuzz.test.ts` explores others. */
const SEED = Number(process.env.FUZZ_SEED ?? 7)

describe('hostile HTTP input', () => {
  const nodes = new TestNodes()
  let node: GossipdNode
  let api: FastifyInstance
  let routes: RouteSpec[]
  let sent = 0
  const statuses = new Map<number, number>()

  beforeAll(async () => {
    node = await nodes.add({ minConnections: 0, nick: 'fuzz' })
    // a peer, so /ready, /search and /swarm do their real work (a lonely node answers /ready with 503 by design)
    const peer = await nodes.addJoining(node, { minConnections: 0 })
    await waitFor(() => node.libp2p.getConnections(peer.peerId).length > 0, 10_000, 'a peer')
    api = await buildApi(node)
    routes = routesOf((await api.inject('/openapi.json')).json())
    // routes hidden from the document are fuzzed too
    routes.push({ method: 'GET', path: '/', query: [], hasBody: false }, { method: 'GET', path: '/ui/{file}', query: [], hasBody: false })
  })

  afterAll(async () => {
    await api?.close()
    await nodes.cleanup()
  })

  /** Send one request; throws a short description of what was wrong with the answer. */
  async function send (req: HostileRequest): Promise<void> {
    const res = await api.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, payload: req.payload })
    sent++
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
    const what = `${req.method} ${req.url.slice(0, 200)} (${JSON.stringify(req.headers).slice(0, 200)}, body ${String(req.payload ?? '').slice(0, 100)})`
    if (res.statusCode >= 500) throw new Error(`${what} answered ${res.statusCode}: ${res.body.slice(0, 300)}`)
    if (res.statusCode < 400) return
    let error: { code?: unknown, message?: unknown } | undefined
    try {
      error = (JSON.parse(res.body) as { error?: typeof error }).error
    } catch { // not JSON: reported below
    }
    if (typeof error?.code !== 'string' || !/^[a-z-]+$/.test(error.code) || typeof error.message !== 'string' || error.message === '') {
      throw new Error(`${what} answered ${res.statusCode} without a clear error: ${res.body.slice(0, 300)}`)
    }
    if (/\n\s+at .*:\d+:\d+/.test(res.body)) throw new Error(`${what} leaked a stack trace`)
  }

  /** Run a property; on failure report the (shrunk) counterexample's own short message, not its whole value. */
  async function check (route: RouteSpec, numRuns: number, seed: number): Promise<void> {
    const details = await fc.check(fc.asyncProperty(hostileRequest(route), send), { numRuns, seed, endOnFailure: true })
    if (details.failed) throw new Error(`${route.method} ${route.path}: ${(details.errorInstance as Error)?.message ?? 'failed'}`)
  }

  it('answers every hostile request to every route with a clear 4xx (or a success), never 5xx', async () => {
    expect(routes.length).toBeGreaterThan(25)
    const perRoute = Math.ceil(TOTAL_REQUESTS / routes.length)
    for (const route of routes) {
      await check(route, perRoute, SEED + routes.indexOf(route))
    }
    expect(sent).toBeGreaterThanOrEqual(TOTAL_REQUESTS)
    const count = (lo: number, hi: number): number => [...statuses].filter(([s]) => s >= lo && s < hi).reduce((n, [, c]) => n + c, 0)
    expect(count(500, 600)).toBe(0)
    // the inputs are hostile: most of them must be refused
    expect(count(400, 500)).toBeGreaterThan(sent / 2)
  }, 600_000)

  it('keeps serving after the storm', async () => {
    expect((await api.inject('/health')).statusCode).toBe(200)
    const id = await api.inject('/id')
    expect(id.statusCode).toBe(200)
    expect(id.json().peerId).toBe(node.peerId.toString())
    expect(node.isStarted).toBe(true)
  })

  it('refuses bodies over the limit, deep nesting and invalid UTF-8 with 4xx', async () => {
    const huge = await api.inject({ method: 'POST', url: '/direct', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ to: 'x', data: 'y'.repeat(2 * 1024 * 1024) }) })
    expect(huge.statusCode).toBe(413)
    expect(huge.json().error.code).toBe('body-too-large')
    const nested = await api.inject({ method: 'POST', url: '/peers', headers: { 'content-type': 'application/json' }, payload: '['.repeat(100_000) + ']'.repeat(100_000) })
    expect(nested.statusCode).toBe(400)
    const badUtf8 = await api.inject({ method: 'POST', url: '/direct', headers: { 'content-type': 'application/json' }, payload: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) })
    expect(badUtf8.statusCode).toBe(400)
    const badPercent = await api.inject({ method: 'GET', url: '/topics/%ff%fe/peers' })
    expect(badPercent.statusCode).toBeGreaterThanOrEqual(400)
    expect(badPercent.statusCode).toBeLessThan(500)
  })
})

describe('slow clients (slowloris)', () => {
  const nodes = new TestNodes()
  let api: FastifyInstance
  let port: number

  beforeAll(async () => {
    api = await buildApi(await nodes.add({ minConnections: 0 }))
    await api.listen({ host: '127.0.0.1', port: 0 })
    port = (api.server.address() as { port: number }).port
  })

  afterAll(async () => {
    await api?.close()
    await nodes.cleanup()
  })

  it('cuts off sockets trickling headers a byte a second, while serving other clients', async () => {
    const SLOW = 20
    const started = Date.now()
    const closedAfter: number[] = []
    const sockets: Socket[] = []
    const timers: Array<ReturnType<typeof setInterval>> = []
    const allClosed = Promise.all(Array.from({ length: SLOW }, async () => new Promise<void>(resolve => {
      const s = tcpConnect(port, '127.0.0.1')
      sockets.push(s)
      s.on('error', () => {})
      s.on('close', () => { closedAfter.push(Date.now() - started); resolve() })
      s.once('connect', () => {
        s.write('GET /health HTTP/1.1\r\nHost: x\r\n')
        const header = 'X-Slow: ' + 'a'.repeat(1000)
        let i = 0
        timers.push(setInterval(() => { if (!s.destroyed) s.write(header[i++ % header.length]) }, 1_000))
      })
    })))
    // meanwhile, well-behaved clients are served promptly
    const served: number[] = []
    const deadline = Date.now() + API_HEADERS_TIMEOUT_MS + 3_000
    while (Date.now() < deadline && closedAfter.length < SLOW) {
      const t = performance.now()
      const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(5_000) })
      expect(res.status).toBe(200)
      served.push(performance.now() - t)
      await new Promise(resolve => setTimeout(resolve, 500))
    }
    await Promise.race([allClosed, new Promise(resolve => setTimeout(resolve, 10_000))])
    for (const t of timers) clearInterval(t)
    for (const s of sockets) s.destroy()
    expect(closedAfter.length).toBe(SLOW)
    // cut at the headers timeout (checked every second), long before a byte-a-second client would finish
    expect(Math.max(...closedAfter)).toBeLessThan(API_HEADERS_TIMEOUT_MS + 4_000)
    expect(served.length).toBeGreaterThan(5)
    expect(Math.max(...served)).toBeLessThan(2_000)
  }, 60_000)
})
