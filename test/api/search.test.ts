import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApi } from '../../src/api/server.js'
import type { GossipdNode } from '../../src/index.js'
import { TestNodes, waitFor } from '../helpers/nodes.js'

async function * bytes (text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text)
}

describe('search and peer index API', () => {
  const nodes = new TestNodes()
  let a: GossipdNode
  let b: GossipdNode
  let c: GossipdNode
  let api: FastifyInstance

  beforeAll(async () => {
    a = await nodes.add({ minConnections: 0 })
    b = await nodes.addJoining(a, { minConnections: 0 })
    c = await nodes.addJoining(a, { minConnections: 0 })
    await b.peers.connect(c.libp2p.getMultiaddrs()[0].toString())
    api = await buildApi(b)
    await waitFor(() => b.libp2p.getConnections(a.peerId).length > 0 && b.libp2p.getConnections(c.peerId).length > 0, 10_000, 'connections')
  })

  afterAll(async () => {
    await api?.close()
    await nodes.cleanup()
  })

  it('GET /peers/{peerId}/files lists another peer\'s files', async () => {
    const f = await a.files.add(bytes('photo'), 'Holiday photo.jpg')
    const res = await api.inject({ method: 'POST', url: `/peers/${a.peerId.toString()}/files` })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ peerId: a.peerId.toString(), files: [{ id: f.id, name: 'Holiday photo.jpg', size: 5 }] })
    expect((await api.inject({ method: 'POST', url: `/peers/${a.peerId.toString()}/files?q=nothing` })).json().files).toEqual([])
  })

  it('GET /search asks every connected peer and merges the answers by file id', async () => {
    const shared = await c.files.add(bytes('photo'), 'Holiday photo.jpg')
    const video = await c.files.add(bytes('video'), 'holiday video.mp4')
    await c.files.add(bytes('other'), 'taxes.pdf')
    const res = await api.inject('/search?q=HOLIDAY')
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.asked).toBe(2)
    expect(body.failed).toEqual([])
    const photo = body.results.find((r: { id: string }) => r.id === shared.id)
    expect(photo.peers.sort()).toEqual([a.peerId.toString(), c.peerId.toString()].sort())
    expect(body.results.map((r: { id: string }) => r.id)).toContain(video.id)
    expect(body.results.map((r: { name: string }) => r.name)).not.toContain('taxes.pdf')
  })

  it('answers 400 for a missing query or a bad peer id', async () => {
    expect((await api.inject('/search')).statusCode).toBe(400)
    expect((await api.inject({ method: 'POST', url: '/peers/xyz/files' })).statusCode).toBe(400)
  })
})
