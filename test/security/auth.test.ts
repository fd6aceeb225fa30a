/**
 * API access: a node bound beyond loopback refuses to start without a token; every route but the open ones
 * answers 401 to a missing or wrong token; no CORS header is ever sent; the token comparison is timing-safe.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { tokenMatches } from '../../src/api/auth.js'
import { buildApi } from '../../src/api/server.js'
import { routesOf, type RouteSpec } from '../helpers/hostile-http.js'
import { TestNodes } from '../helpers/nodes.js'

// wrap timingSafeEqual so the test can see the comparison go through it, with digests of equal length
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>()
  return { ...crypto, timingSafeEqual: vi.fn(crypto.timingSafeEqual) }
})
const { timingSafeEqual } = await import('node:crypto')

const TOKEN = 'a-sufficiently-long-api-token-0123456789'
const OPEN = new Set(['/health'])

describe('API access control', () => {
  const nodes = new TestNodes()
  let api: FastifyInstance
  let routes: RouteSpec[]

  beforeAll(async () => {
    api = await buildApi(await nodes.add({ minConnections: 0 }), { token: TOKEN })
    routes = routesOf((await api.inject({ url: '/openapi.json', headers: { authorization: `Bearer ${TOKEN}` } })).json())
  })

  afterAll(async () => {
    await api?.close()
    await nodes.cleanup()
  })

  const concrete = (path: string): string => path.replace(/\{\w+\}/g, 'x')

  it('answers 401 on every route to a missing, malformed or wrong token', async () => {
    expect(routes.length).toBeGreaterThan(25)
    const authorization = fc.oneof(
      fc.constant(undefined),
      fc.string().map(s => `Bearer ${s}`),
      fc.constantFrom(TOKEN, `bearer ${TOKEN}`, `Bearer ${TOKEN} `, `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, `Bearer  ${TOKEN}`, 'Bearer ', ''),
      fc.string({ unit: 'binary', maxLength: 200 }).map(s => s.replace(/[^\x20-\x7e]/g, ''))
    )
    for (const route of routes.filter(r => !OPEN.has(r.path))) {
      await fc.assert(fc.asyncProperty(authorization, async (auth) => {
        const res = await api.inject({ method: route.method as 'GET', url: concrete(route.path), headers: auth != null ? { authorization: auth } : {} })
        if (res.statusCode !== 401) throw new Error(`${route.method} ${route.path} with ${JSON.stringify(auth)} answered ${res.statusCode}`)
        expect(res.json().error.code).toBe('unauthorized')
      }), { numRuns: 30, seed: 11 })
    }
  })

  it('serves the right token, and /health without one', async () => {
    expect((await api.inject({ url: '/id', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200)
    expect((await api.inject('/health')).statusCode).toBe(200)
  })

  it('sends no CORS header, to preflights or to cross-origin requests', async () => {
    for (const route of routes) {
      const url = concrete(route.path)
      const preflight = await api.inject({
        method: 'OPTIONS',
        url,
        headers: { origin: 'https://evil.example', 'access-control-request-method': route.method, 'access-control-request-headers': 'authorization' }
      })
      const real = await api.inject({ method: route.method as 'GET', url, headers: { origin: 'https://evil.example', authorization: `Bearer ${TOKEN}` }, payload: route.hasBody ? {} : undefined })
      for (const res of [preflight, real]) {
        const cors = Object.keys(res.headers).filter(h => h.startsWith('access-control-'))
        expect(cors, `${route.method} ${url}`).toEqual([])
      }
      expect(preflight.statusCode).toBeGreaterThanOrEqual(400)
    }
  })

  it('compares tokens through equal-length digests with timingSafeEqual, whatever the length given', () => {
    const spy = vi.mocked(timingSafeEqual)
    spy.mockClear()
    for (const given of [undefined, 'Bearer x', `Bearer ${TOKEN}`, `Bearer ${'y'.repeat(10_000)}`, 'garbage']) {
      expect(tokenMatches(TOKEN, given)).toBe(given === `Bearer ${TOKEN}`)
    }
    expect(spy).toHaveBeenCalledTimes(5)
    for (const [a, b] of spy.mock.calls) {
      expect((a as Buffer).byteLength).toBe(32)
      expect((b as Buffer).byteLength).toBe(32)
    }
  })
})

describe('API bind', () => {
  it('refuses to start on a non-loopback address without a token (exit 2)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'security-bind-'))
    try {
      const env = { ...process.env }
      delete env.GOSSIPD_API_TOKEN
      const child = spawn(process.execPath, ['bin/gossipd.js', 'start', '--api', '0.0.0.0:0', '--listen', '/ip4/127.0.0.1/tcp/0', '--data-dir', dir], { env, stdio: ['ignore', 'ignore', 'pipe'] })
      let stderr = ''
      child.stderr.on('data', (b: Buffer) => { stderr += b.toString() })
      const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
      expect(code).toBe(2)
      expect(stderr).toContain('token')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
