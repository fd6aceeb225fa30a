/**
 * Issue 20, finding 1: a web page in the operator's browser must not use the tokenless loopback API, neither by
 * DNS rebinding (a foreign `Host`) nor by cross-site forms and subresources (`Origin`, `Sec-Fetch-Site`), and no
 * GET route may change state or dial. curl, which sends neither header, keeps working.
 */
import { once } from 'node:events'
import { connect } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { buildApi } from '../../src/api/server.js'
import type { GossipdNode } from '../../src/index.js'
import { routesOf } from '../helpers/hostile-http.js'
import { TestNodes } from '../helpers/nodes.js'

const FOREIGN_ORIGIN = 'http://evil.example'

describe('the API against web pages', () => {
  const nodes = new TestNodes()
  let node: GossipdNode
  let api: FastifyInstance

  beforeAll(async () => {
    node = await nodes.add({ minConnections: 0, apiHosts: ['gossipd.lan'] })
    api = await buildApi(node)
  })

  afterAll(async () => {
    await api?.close()
    await nodes.cleanup()
  })

  it('answers 421 to a Host that is not loopback, the bind address or a configured name (DNS rebinding)', async () => {
    for (const host of ['rebind.evil.example:8080', 'evil.example', '10.0.0.1:8080', 'localhost.evil.example', '127.0.0.1.nip.io:8080']) {
      const res = await api.inject({ url: '/id', headers: { host } })
      expect(res.statusCode, host).toBe(421)
      expect(res.json().error.code, host).toBe('misdirected-host')
      expect(res.body, host).not.toContain(node.peerId.toString())
    }
    for (const host of ['localhost:8080', 'LOCALHOST', '127.0.0.1:1234', '127.8.9.10', '[::1]:8080', 'gossipd.lan:80', 'localhost.']) {
      expect((await api.inject({ url: '/id', headers: { host } })).statusCode, host).toBe(200)
    }
  })

  it('checks the Host a socket sends, and answers a probe that sends none (HTTP/1.0)', async () => {
    const served = await buildApi(node)
    try {
      await served.listen({ host: '127.0.0.1', port: 0 })
      const { port } = served.server.address() as { port: number }
      const raw = async (request: string): Promise<string> => {
        const socket = connect(port, '127.0.0.1')
        await once(socket, 'connect')
        socket.end(request)
        let text = ''
        for await (const chunk of socket) text += String(chunk)
        return text.split('\r\n')[0]
      }
      expect(await raw('GET /id HTTP/1.1\r\nHost: rebind.evil.example\r\nConnection: close\r\n\r\n')).toMatch(/ 421 /)
      expect(await raw('GET /health HTTP/1.0\r\n\r\n')).toMatch(/ 200 /)
    } finally {
      await served.close()
    }
  })

  it('refuses state-changing requests from another origin or site with 403, forms included', async () => {
    await node.topics.subscribe('csrf')
    const before = node.topics.info('csrf').lastSeq
    const attempts = [
      { url: '/topics/csrf/messages', headers: { origin: FOREIGN_ORIGIN, 'content-type': 'text/plain' }, payload: 'planted' },
      { url: '/topics/csrf/messages', headers: { origin: 'null', 'content-type': 'text/plain' }, payload: 'planted' },
      { url: '/topics/csrf/messages', headers: { 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' }, payload: 'planted' },
      { url: '/files?name=planted.txt', headers: { origin: FOREIGN_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=b' },
      { url: '/files?name=planted.txt', headers: { origin: 'http://localhost:9999', 'content-type': 'multipart/form-data; boundary=x' }, payload: '--x--' }
    ]
    for (const a of attempts) {
      const res = await api.inject({ method: 'POST', ...a })
      expect(res.statusCode, JSON.stringify(a.headers)).toBe(403)
      expect(res.json().error.code).toBe('cross-origin')
    }
    const put = await api.inject({ method: 'PUT', url: '/topics/other', headers: { origin: FOREIGN_ORIGIN } })
    expect(put.statusCode).toBe(403)
    expect(node.topics.info('csrf').lastSeq).toBe(before)
    expect(node.files.list()).toEqual([])
    expect(node.topics.list().map(t => t.topic)).not.toContain('other')
  })

  it('keeps curl (no Origin) and the same origin working', async () => {
    const curl = await api.inject({ method: 'PUT', url: '/topics/same', headers: { host: '127.0.0.1:8080' } })
    expect(curl.statusCode).toBe(200)
    const page = await api.inject({
      method: 'PUT',
      url: '/topics/same2',
      headers: { host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080', 'sec-fetch-site': 'same-origin' }
    })
    expect(page.statusCode).toBe(200)
  })

  it('lets another site link to the dashboard, but not load from the API as an image', async () => {
    const img = await api.inject({ url: '/id', headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' } })
    expect(img.statusCode).toBe(403)
    const link = await api.inject({ url: '/ui', headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' } })
    expect(link.statusCode).not.toBe(403)
  })

  it('crawls, looks up and asks peers (and so dials) only on POST, never on a GET', async () => {
    // every way to the network fails at once here, so a GET that takes one is seen, not waited for
    const refuse = (): Promise<never> => Promise.reject(new Error('no network in this test'))
    const dialing = [
      vi.spyOn(node.swarm, 'crawl').mockImplementation(refuse),
      vi.spyOn(node.dht, 'findPeer').mockImplementation(refuse),
      vi.spyOn(node.files, 'findProviders').mockImplementation(refuse),
      vi.spyOn(node.files, 'peerFiles').mockImplementation(refuse),
      vi.spyOn(node.libp2p, 'dial').mockImplementation(refuse),
      vi.spyOn(node.libp2p, 'dialProtocol').mockImplementation(refuse)
    ]
    const stranger = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'
    try {
      const doc = (await api.inject('/openapi.json')).json()
      const gets = routesOf(doc).filter(r => r.method === 'GET')
      expect(gets.length).toBeGreaterThan(15)
      const fileId = 'bagaaierasords4njcts6vs7qvdjfcimjrpklqgyfo4k5ocoacd3yfgx4j5hq'
      for (const route of gets) {
        const url = route.path.replace('{peerId}', stranger).replace('{id}', fileId).replace(/\{\w+\}/g, 'x') + (route.query.includes('q') ? '?q=x' : '')
        // a stream route would stay open: ask for the JSON page
        await api.inject({ url, headers: { accept: 'application/json' } })
      }
      for (const spy of dialing) expect(spy.mock.calls, spy.getMockName()).toEqual([])
      expect((await api.inject('/swarm?depth=0')).statusCode).toBe(404)
    } finally {
      for (const spy of dialing) spy.mockRestore()
    }
    const crawl = vi.spyOn(node.swarm, 'crawl')
    const lookup = vi.spyOn(node.dht, 'findPeer')
    try {
      expect((await api.inject({ method: 'POST', url: '/swarm?depth=0' })).statusCode).toBe(200)
      expect(crawl).toHaveBeenCalledTimes(1)
      await api.inject({ method: 'POST', url: `/dht/peers/${stranger}?timeoutMs=100` })
      expect(lookup).toHaveBeenCalledTimes(1)
    } finally {
      crawl.mockRestore()
      lookup.mockRestore()
    }
  })
})
