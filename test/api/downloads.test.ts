import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApi } from '../../src/api/server.js'
import type { DownloadStatus, FileEntry, GossipdNode } from '../../src/index.js'
import { TestNodes, waitFor } from '../helpers/nodes.js'

describe('downloads API', () => {
  const nodes = new TestNodes()
  let seeder: GossipdNode
  let getter: GossipdNode
  let seederApi: FastifyInstance
  let api: FastifyInstance

  beforeAll(async () => {
    // a capped seeder makes a download last long enough to watch
    seeder = await nodes.add({ minConnections: 0, uploadLimit: 2 * 1024 * 1024 })
    getter = await nodes.addJoining(seeder, { minConnections: 0 })
    seederApi = await buildApi(seeder)
    api = await buildApi(getter)
  })

  afterAll(async () => {
    await api?.close()
    await seederApi?.close()
    await nodes.cleanup()
  })

  async function share (size: number, name: string): Promise<FileEntry> {
    const res = await seederApi.inject({ method: 'POST', url: `/files?name=${name}`, payload: randomBytes(size), headers: { 'content-type': 'application/octet-stream' } })
    expect(res.statusCode).toBe(201)
    return res.json()
  }

  it('POST /files/{id}/download starts a job; GET /downloads/{job} follows it to completion', async () => {
    const file = await share(3 * 1024 * 1024, 'a.bin')
    const res = await api.inject({ method: 'POST', url: `/files/${file.id}/download`, payload: { from: [seeder.peerId.toString()] } })
    expect(res.statusCode).toBe(202)
    const job = res.json() as DownloadStatus
    expect(job).toMatchObject({ fileId: file.id, state: 'pending', from: [seeder.peerId.toString()] })
    // asking again while it runs answers the same job
    const again = await api.inject({ method: 'POST', url: `/files/${file.id}/download` })
    expect(again.json().id).toBe(job.id)
    const done = await waitFor(async () => {
      const s = (await api.inject(`/downloads/${job.id}`)).json() as DownloadStatus
      return s.state === 'completed' ? s : undefined
    }, 30_000, 'the download')
    expect(done).toMatchObject({ name: 'a.bin', size: file.size, bytesDone: file.size, chunksDone: file.chunks })
    expect(done?.providers[0]).toMatchObject({ peerId: seeder.peerId.toString(), chunks: file.chunks, failures: 0 })
    expect((await api.inject('/downloads')).json().downloads.map((d: DownloadStatus) => d.id)).toContain(job.id)
    expect((await api.inject(`/files/${file.id}`)).json()).toMatchObject({ hash: file.hash, origin: 'download' })
  })

  it('streams progress as Server-Sent Events until the job ends', async () => {
    const file = await share(4 * 1024 * 1024, 'sse.bin')
    const job = (await api.inject({ method: 'POST', url: `/files/${file.id}/download`, payload: { from: [seeder.peerId.toString()] } })).json() as DownloadStatus
    const url = await api.listen({ host: '127.0.0.1', port: 0 })
    const res = await fetch(`${url}/downloads/${job.id}`, { headers: { accept: 'text/event-stream' } })
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    const text = await res.text()
    const events = text.split('\n\n').filter(e => e.startsWith('event: progress')).map(e => JSON.parse(e.split('\ndata: ')[1]) as DownloadStatus)
    expect(events.length).toBeGreaterThan(2)
    expect(events.at(-1)).toMatchObject({ state: 'completed', bytesDone: file.size })
    const done = events.map(e => e.bytesDone)
    expect(done).toEqual([...done].sort((a, b) => a - b))
  })

  it('DELETE /downloads/{job} cancels a running job', async () => {
    const file = await share(6 * 1024 * 1024, 'cancel.bin')
    const job = (await api.inject({ method: 'POST', url: `/files/${file.id}/download`, payload: { from: [seeder.peerId.toString()] } })).json() as DownloadStatus
    await waitFor(async () => ((await api.inject(`/downloads/${job.id}`)).json() as DownloadStatus).chunksDone > 0, 20_000, 'some progress')
    const res = await api.inject({ method: 'DELETE', url: `/downloads/${job.id}` })
    expect(res.statusCode).toBe(200)
    expect(res.json().state).toBe('cancelled')
    expect((await api.inject(`/downloads/${job.id}`)).statusCode).toBe(404)
    expect((await api.inject(`/files/${file.id}`)).statusCode).toBe(404)
  })

  it('refuses bad ids and peers with 400, unknown jobs with 404', async () => {
    expect((await api.inject({ method: 'POST', url: '/files/nope/download' })).statusCode).toBe(400)
    const file = await share(10, 'tiny.bin')
    const bad = await api.inject({ method: 'POST', url: `/files/${file.id}/download`, payload: { from: ['not-a-peer'] } })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.code).toBe('invalid-peer-id')
    expect((await api.inject('/downloads/does-not-exist')).statusCode).toBe(404)
  })
})
