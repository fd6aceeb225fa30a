import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { uiDirectory } from '../../src/api/routes/ui.js'
import { buildApi } from '../../src/api/server.js'
import type { GossipdNode } from '../../src/index.js'
import { TestNodes, waitFor } from '../helpers/nodes.js'

describe('POST /swarm and /ui', () => {
  const nodes = new TestNodes()
  let a: GossipdNode
  let api: FastifyInstance
  let locked: FastifyInstance
  const TOKEN = 'swarm-test-token'

  beforeAll(async () => {
    a = await nodes.add({ nick: 'a' })
    const b = await nodes.addJoining(a, { nick: 'b' })
    const c = await nodes.addJoining(b, { nick: 'c' })
    await waitFor(() => a.peers.isConnected(b.peerId) && b.peers.isConnected(c.peerId), 15_000, 'the swarm to connect')
    // the crawl dials c, named by b's report alone, once a knows it otherwise: connected, or from the DHT
    await waitFor(async () => a.peers.isConnected(c.peerId) || ((await a.libp2p.peerStore.get(c.peerId).catch(() => undefined))?.addresses.length ?? 0) > 0, 15_000, 'a to know c')
    api = await buildApi(a)
    locked = await buildApi(a, { token: TOKEN })
  })

  afterAll(async () => {
    await api?.close()
    await locked?.close()
    await nodes.cleanup()
  })

  it('answers the crawled nodes and links', async () => {
    const res = await api.inject({ method: 'POST', url: '/swarm' })
    expect(res.statusCode).toBe(200)
    const g = res.json()
    expect(g.origin).toBe(a.peerId.toString())
    expect(g.complete).toBe(true)
    expect(g.limits).toMatchObject({ depth: 6, maxPeers: 200, timeoutMs: 5000 })
    expect(g.nodes.map((n: { nick: string }) => n.nick).sort()).toEqual(['a', 'b', 'c'])
    expect(g.edges.length).toBeGreaterThanOrEqual(2)
    for (const e of g.edges) expect(g.nodes.some((n: { id: string }) => n.id === e.source) && g.nodes.some((n: { id: string }) => n.id === e.target)).toBe(true)
  })

  it('honours the limits in the query', async () => {
    const g = (await api.inject({ method: 'POST', url: '/swarm?depth=0' })).json()
    expect(g.limits.depth).toBe(0)
    expect(g.nodes.filter((n: { reached: boolean }) => n.reached).map((n: { id: string }) => n.id)).toEqual([a.peerId.toString()])
    expect(g.stoppedBy).toEqual(['depth'])
    const one = (await api.inject({ method: 'POST', url: '/swarm?maxPeers=1' })).json()
    expect(one.stoppedBy).toEqual(['maxPeers'])
  })

  it('refuses bad limits with a 400 naming the problem', async () => {
    for (const q of ['depth=-1', 'depth=100', 'maxPeers=0', 'maxPeers=5000', 'timeoutMs=5', 'timeoutMs=abc', 'colour=blue']) {
      const res = await api.inject({ method: 'POST', url: `/swarm?${q}` })
      expect(res.statusCode, q).toBe(400)
      expect(res.json().error.code, q).toBe('invalid-request')
    }
  })

  it('serves the dashboard under /ui', async () => {
    const redirect = await api.inject('/ui')
    const page = await api.inject('/ui/')
    if (uiDirectory() == null) {
      // not built (npm run build builds it): a clear answer, not a bare 404
      expect(redirect.statusCode).toBe(503)
      expect(redirect.json().error.code).toBe('ui-not-built')
      return
    }
    expect(redirect.statusCode).toBe(302)
    expect(redirect.headers.location).toBe('/ui/')
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/text\/html/)
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/)
    expect(page.body).toMatch(/<script type="module" crossorigin src="\/ui\/assets\/[^"]+\.js">/)
    // no CDN: every script and stylesheet comes from this node
    expect(page.body).not.toMatch(/(src|href)="https?:/)
    const asset = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(page.body)![1]
    const js = await api.inject(asset)
    expect(js.statusCode).toBe(200)
    expect(js.headers['cache-control']).toMatch(/immutable/)
  })

  it('with a token: the page loads without it, the data needs it, and no path trick gets data without it', async () => {
    if (uiDirectory() != null) expect((await locked.inject('/ui/')).statusCode).toBe(200)
    expect((await locked.inject({ method: 'POST', url: '/swarm' })).statusCode).toBe(401)
    expect((await locked.inject({ method: 'POST', url: '/swarm?depth=0', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200)
    for (const url of ['/ui/../id', '/ui/%2e%2e/id', '/ui/..%2fid', '/ui/assets/../../id']) {
      const res = await locked.inject(url)
      expect(res.statusCode, url).not.toBe(200)
      expect(res.body, url).not.toContain(a.peerId.toString())
    }
  })
})
