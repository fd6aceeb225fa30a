import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalSwarm, type SwarmNode } from '../../src/swarm/local-swarm.js'
import type { DownloadStatus, FileEntry } from '../../src/files/index.js'

const MiB = 1024 * 1024
const DOWNLOADERS = 10

async function call<T> (node: SwarmNode, path: string, init?: RequestInit): Promise<T> {
  let res: Response | undefined
  // on a machine this loaded a reused keep-alive socket is sometimes reset: a GET is safe to repeat
  for (let attempt = 0; res == null; attempt++) {
    try {
      res = await fetch(`${node.apiUrl}${path}`, { ...init, signal: AbortSignal.timeout(60_000) })
    } catch (err) {
      if ((init?.method ?? 'GET') !== 'GET' || attempt >= 3) throw new Error(`${node.name} (pid ${node.pid}): ${(err as Error).message}: ${String((err as Error).cause)}`, { cause: err })
      await new Promise(resolve => setTimeout(resolve, 500))
    }
  }
  const text = await res.text()
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${node.name}${path}: ${res.status} ${text}`)
  return JSON.parse(text) as T
}

describe('file swarming', () => {
  let dir: string
  let swarm: LocalSwarm

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'files-swarm-'))
    // every node caps its uploads, so the seeder alone could not serve ten copies quickly: peers must share
    swarm = new LocalSwarm({ nodes: DOWNLOADERS + 1, dir, logLevel: 'warn', extraArgs: ['--upload-limit', String(4 * MiB)] })
    await swarm.start()
  }, 120_000)

  afterAll(async () => {
    await swarm?.stop()
    if (process.env.FILES_KEEP_SWARM == null) await rm(dir, { recursive: true, force: true })
  })

  it(`${DOWNLOADERS} nodes download one file at once from the seeder and from each other, and all verify`, async () => {
    const [seeder, ...downloaders] = swarm.nodes
    const data = randomBytes(24 * MiB)
    const file = await call<FileEntry>(seeder, '/files?name=swarm.bin', { method: 'POST', body: data, headers: { 'content-type': 'application/octet-stream' } })
    const hash = createHash('sha256').update(data).digest('hex')
    expect(file.hash).toBe(hash)

    const jobs = await Promise.all(downloaders.map(async n => call<DownloadStatus>(n, `/files/${file.id}/download`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: [seeder.peerId] })
    })))
    const deadline = Date.now() + 150_000
    let statuses: DownloadStatus[] = []
    while (Date.now() < deadline) {
      statuses = await Promise.all(downloaders.map(async (n, i) => call<DownloadStatus>(n, `/downloads/${jobs[i].id}`)))
      if (statuses.every(s => s.state !== 'pending' && s.state !== 'running')) break
      await new Promise(resolve => setTimeout(resolve, 500))
    }
    if (statuses.some(s => s.state !== 'completed')) {
      console.log(JSON.stringify(statuses.map(s => ({ state: s.state, done: s.chunksDone, error: s.error, providers: s.providers.map(p => [p.peerId.slice(-4), p.chunks, p.failures, p.state]) }))))
    }
    expect(statuses.map(s => s.state)).toEqual(downloaders.map(() => 'completed'))

    for (const n of downloaders) {
      expect(swarm.isRunning(n.index)).toBe(true)
      const res = await fetch(`${n.apiUrl}/files/${file.id}/content`)
      expect(createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex')).toBe(hash)
    }
    // chunks came from peers other than the seeder
    const fromPeers = statuses.flatMap(s => s.providers).filter(p => p.peerId !== seeder.peerId).reduce((n, p) => n + p.chunks, 0)
    const fromSeeder = statuses.flatMap(s => s.providers).filter(p => p.peerId === seeder.peerId).reduce((n, p) => n + p.chunks, 0)
    expect(fromPeers + fromSeeder).toBe(file.chunks * DOWNLOADERS)
    expect(fromPeers).toBeGreaterThan(0)
    console.log(`swarm download: ${fromSeeder} chunks from the seeder, ${fromPeers} from other downloaders`)
  }, 200_000)
})
