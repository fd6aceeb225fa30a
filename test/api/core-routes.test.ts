import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApi } from '../../src/api/server.js'
import type { GossipdNode } from '../../src/index.js'
import { TestNodes, waitFor } from '../helpers/nodes.js'

describe('core API routes', () => {
  const nodes = new TestNodes()
  let a: GossipdNode
  let b: GossipdNode
  let api: FastifyInstance
  let apiA: FastifyInstance

  beforeAll(async () => {
    a = await nodes.add({ nick: 'alice' })
    b = await nodes.addJoining(a)
    api = await buildApi(b)
    apiA = await buildApi(a)
    await waitFor(() => b.peers.isConnected(a.peerId), 10_000, 'b to connect to a')
  })

  afterAll(async () => {
    await api?.close()
    await apiA?.close()
    await nodes.cleanup()
  })

  it('GET / answers the seed check', async () => {
    const res = await apiA.inject({ method: 'GET', url: '/' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ message: `Node ${a.peerId.toString()} is running!`, nick: 'alice' })
  })

  it('GET /health, /ready and /id describe the node', async () => {
    expect((await api.inject('/health')).json()).toMatchObject({ status: 'ok' })
    const ready = await api.inject('/ready')
    expect(ready.statusCode).toBe(200)
    expect(ready.json().peers).toBeGreaterThanOrEqual(1)
    // counted without listing, the same peers as the list
    expect(ready.json().peers).toBe((await api.inject('/peers')).json().peers.length)
    const id = (await api.inject('/id')).json()
    expect(id.peerId).toBe(b.peerId.toString())
    expect(id.listen[0]).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)
    expect(id.protocols).toContain('/gossipd/kad/1.0.0')
    expect(id.agentVersion).toMatch(/^gossipd\//)
  })

  it('GET /ready answers 503 while a node has no peer', async () => {
    const lonely = await nodes.add()
    const lonelyApi = await buildApi(lonely)
    const res = await lonelyApi.inject('/ready')
    expect(res.statusCode).toBe(503)
    expect(res.json()).toMatchObject({ ready: false, peers: 0 })
    await lonelyApi.close()
  })

  it('GET /peers lists the connection with its details and latency once pinged', async () => {
    // a new peer is pinged as soon as it connects
    const peer = await waitFor(async () => {
      const res = await api.inject('/peers')
      expect(res.statusCode).toBe(200)
      const p = res.json().peers.find((p: { id: string }) => p.id === a.peerId.toString())
      return typeof p?.latencyMs === 'number' ? p : undefined
    }, 5000, 'a latency figure')
    expect(peer).toMatchObject({ direction: 'outbound', connections: 1 })
    expect(typeof peer.score).toBe('number')
    expect(peer.remoteAddr).toContain('/ip4/127.0.0.1/tcp/')
    expect(peer.protocols).toContain('/gossipd/kad/1.0.0')
    expect(peer.ageMs).toBeGreaterThanOrEqual(0)
  })

  it('POST /peers validates its body and names the bad field', async () => {
    const missing = await api.inject({ method: 'POST', url: '/peers', payload: {} })
    expect(missing.statusCode).toBe(400)
    expect(missing.json().error.message).toContain('multiaddr')
    const wrongType = await api.inject({ method: 'POST', url: '/peers', payload: { multiaddr: 5 } })
    expect(wrongType.statusCode).toBe(400)
    const bad = await api.inject({ method: 'POST', url: '/peers', payload: { multiaddr: '/ip4/nope' } })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.code).toBe('invalid-multiaddr')
    const notJson = await api.inject({ method: 'POST', url: '/peers', headers: { 'content-type': 'application/json' }, payload: '{"multiaddr":' })
    expect(notJson.statusCode).toBe(400)
    expect(notJson.json().error).toBeDefined()
  })

  it('POST /peers connects, DELETE /peers/{id} disconnects', async () => {
    const c = await nodes.add()
    const addr = c.libp2p.getMultiaddrs()[0].toString()
    const res = await api.inject({ method: 'POST', url: '/peers', payload: { multiaddr: addr } })
    expect(res.statusCode).toBe(200)
    expect(res.json().id).toBe(c.peerId.toString())
    expect(b.peers.isConnected(c.peerId)).toBe(true)
    const del = await api.inject({ method: 'DELETE', url: `/peers/${c.peerId.toString()}` })
    expect(del.statusCode).toBe(200)
    await waitFor(() => !b.peers.isConnected(c.peerId), 5000, 'the disconnect')
    // the node does not dial a peer back that it was told to drop
    await new Promise(resolve => setTimeout(resolve, 1500))
    expect(b.peers.isConnected(c.peerId)).toBe(false)
  })

  it('POST /peers to an address nobody listens on is a 502 naming it', async () => {
    const res = await api.inject({ method: 'POST', url: '/peers', payload: { multiaddr: '/ip4/127.0.0.1/tcp/1' } })
    expect(res.statusCode).toBe(502)
    expect(res.json().error).toMatchObject({ code: 'dial-failed' })
    expect(res.json().error.message).toContain('/ip4/127.0.0.1/tcp/1')
  })

  it('DELETE /peers/{id} answers 400 for a bad id and 404 for a peer not connected', async () => {
    expect((await api.inject({ method: 'DELETE', url: '/peers/not-a-peer' })).json().error.code).toBe('invalid-peer-id')
    const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const res = await api.inject({ method: 'DELETE', url: `/peers/${stranger}` })
    expect(res.statusCode).toBe(404)
    expect(res.json().error.code).toBe('peer-not-found')
  })

  it('GET /dht/routing-table shows the k-buckets', async () => {
    const rt = (await api.inject('/dht/routing-table')).json()
    expect(rt.size).toBeGreaterThanOrEqual(1)
    const ids = rt.buckets.flatMap((bk: { peers: Array<{ id: string }> }) => bk.peers.map(p => p.id))
    expect(ids).toContain(a.peerId.toString())
  })

  it('POST /dht/peers/{id} finds a peer and 404s for one nobody knows', async () => {
    const found = await api.inject({ method: 'POST', url: `/dht/peers/${a.peerId.toString()}` })
    expect(found.statusCode).toBe(200)
    expect(found.json().multiaddrs.length).toBeGreaterThan(0)
    expect(typeof found.json().ms).toBe('number')
    const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const missing = await api.inject({ method: 'POST', url: `/dht/peers/${stranger}?timeoutMs=2000` })
    expect(missing.statusCode).toBe(404)
    expect(missing.json().error).toMatchObject({ code: 'peer-not-found' })
    expect((await api.inject({ method: 'POST', url: '/dht/peers/xyz' })).statusCode).toBe(400)
    expect((await api.inject({ method: 'POST', url: `/dht/peers/${stranger}?timeoutMs=abc` })).statusCode).toBe(400)
  })

  it('GET /metrics is Prometheus text with the node gauges', async () => {
    const res = await api.inject('/metrics')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toContain('text/plain')
    expect(res.body).toMatch(/^gossipd_peers_connected \d+$/m)
    expect(res.body).toMatch(/^gossipd_dht_routing_table_size \d+$/m)
  })

  it('GET /openapi.json documents the routes', async () => {
    const doc = (await api.inject('/openapi.json')).json()
    expect(doc.openapi).toMatch(/^3\./)
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/', '/peers', '/peers/{peerId}', '/dht/routing-table', '/dht/peers/{peerId}']))
  })

  it('answers unknown routes, oversized bodies and wrong methods with JSON errors', async () => {
    const unknown = await api.inject('/nope')
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json().error.code).toBe('not-found')
    const huge = await api.inject({ method: 'POST', url: '/peers', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ multiaddr: 'x'.repeat(2 * 1024 * 1024) }) })
    expect(huge.statusCode).toBe(413)
    expect(huge.json().error.code).toBe('body-too-large')
    const noCors = await api.inject({ method: 'OPTIONS', url: '/peers', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } })
    expect(noCors.headers['access-control-allow-origin']).toBeUndefined()
  })
})

describe('API auth', () => {
  const nodes = new TestNodes()
  let api: FastifyInstance
  const token = 'correct-horse-battery-staple'

  beforeAll(async () => {
    api = await buildApi(await nodes.add(), { token })
  })

  afterAll(async () => {
    await api?.close()
    await nodes.cleanup()
  })

  it('answers 401 without a token or with a wrong one', async () => {
    expect((await api.inject('/id')).statusCode).toBe(401)
    const wrong = await api.inject({ url: '/id', headers: { authorization: 'Bearer correct-horse-battery-stapler' } })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.json().error.code).toBe('unauthorized')
    expect((await api.inject({ url: '/id', headers: { authorization: token } })).statusCode).toBe(401)
  })

  it('serves requests with the token, and /health without one', async () => {
    expect((await api.inject({ url: '/id', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200)
    expect((await api.inject('/health')).statusCode).toBe(200)
  })
})
