import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalSwarm } from '../../src/swarm/local-swarm.js'
import type { DownloadStatus, FileEntry } from '../../src/files/index.js'

const MiB = 1024 * 1024
const SIZE = 512 * MiB
const MAX_GROWTH = 64 * 1000 * 1000

/** Resident set size of a process, in bytes. */
function rss (pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (m == null) throw new Error(`no VmRSS for ${pid}`)
  return Number(m[1]) * 1024
}

async function * randomPieces (size: number): AsyncGenerator<Uint8Array> {
  for (let off = 0; off < size; off += MiB) yield randomBytes(Math.min(MiB, size - off))
}

describe('memory during a large transfer', () => {
  let dir: string
  let swarm: LocalSwarm

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'files-rss-'))
    swarm = new LocalSwarm({ nodes: 2, dir, logLevel: 'warn' })
    await swarm.start()
  }, 60_000)

  afterAll(async () => {
    await swarm?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('a 512 MiB download grows the receiving process by less than 64 MB', async () => {
    const [sender, receiver] = swarm.nodes
    const up = await fetch(`${sender.apiUrl}/files?name=half-a-gig.bin`, {
      method: 'POST',
      body: Readable.toWeb(Readable.from(randomPieces(SIZE))) as ReadableStream,
      headers: { 'content-type': 'application/octet-stream' },
      duplex: 'half'
    } as RequestInit)
    expect(up.status).toBe(201)
    const file = await up.json() as FileEntry
    expect(file.size).toBe(SIZE)

    const pid = receiver.pid as number
    let baseline = 0
    for (let i = 0; i < 10; i++) {
      baseline = Math.max(baseline, rss(pid))
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    const started = Date.now()
    const job = await (await fetch(`${receiver.apiUrl}/files/${file.id}/download`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: [sender.peerId] })
    })).json() as DownloadStatus
    let peak = baseline
    let status = job
    while (status.state === 'pending' || status.state === 'running') {
      peak = Math.max(peak, rss(pid))
      await new Promise(resolve => setTimeout(resolve, 100))
      status = await (await fetch(`${receiver.apiUrl}/downloads/${job.id}`)).json() as DownloadStatus
    }
    const seconds = (Date.now() - started) / 1000
    console.log(`512 MiB in ${seconds.toFixed(1)} s (${(SIZE / 1e6 / seconds).toFixed(1)} MB/s); receiver RSS ${(baseline / 1e6).toFixed(0)} MB -> peak ${(peak / 1e6).toFixed(0)} MB (+${((peak - baseline) / 1e6).toFixed(1)} MB)`)
    expect(status.state).toBe('completed')
    const stored = await (await fetch(`${receiver.apiUrl}/files/${file.id}`)).json() as FileEntry
    expect(stored.hash).toBe(file.hash)
    expect(peak - baseline).toBeLessThan(MAX_GROWTH)
  }, 300_000)
})
