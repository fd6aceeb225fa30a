/**
 * The benchmark suite at a tiny size: every program runs, writes well-formed results and draws its curves.
 * Numbers are not checked against targets here (a benchmark is a program that prints numbers, not a test that
 * fails on a slow machine); what is checked is that each result holds real measurements.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const RUN = join(import.meta.dirname, '..', '..', 'bench', 'run.js')

let dir: string
let output = ''
let code: number | null = null

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bench-smoke-'))
  code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [RUN, '--smoke'], { env: { ...process.env, BENCH_RESULTS_DIR: dir }, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.on('data', (d: Buffer) => { output += d.toString() })
    child.stderr.on('data', (d: Buffer) => { output += d.toString() })
    child.once('exit', resolve)
  })
}, 300_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function result (name: string): Promise<any> {
  return JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8'))
}

const positive = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x > 0

describe('npm run bench --smoke', () => {
  it('exits 0 and prints the summary table', () => {
    expect(code, output).toBe(0)
    expect(output).toMatch(/summary \(load at start/)
  })

  it('writes one result per benchmark, each with the machine, its load and table rows', async () => {
    const files = await readdir(dir)
    for (const name of ['transfer', 'http-publish', 'distribution', 'gossip', 'memory', 'dht', 'join', 'summary-smoke']) {
      expect(files).toContain(`${name}.json`)
    }
    for (const name of ['transfer', 'http-publish', 'distribution', 'gossip', 'memory', 'dht', 'join']) {
      const r = await result(name)
      expect(r.machine.cpus).toBeGreaterThan(0)
      expect(r.load.before).toHaveLength(3)
      expect(r.rows.length).toBeGreaterThan(0)
      for (const row of r.rows) expect(typeof row.metric).toBe('string')
    }
  })

  it('transfer measures the cipher, the plain stream and gossipd', async () => {
    const r = await result('transfer')
    expect(positive(r.mbPerSecond.cipher)).toBe(true)
    expect(positive(r.mbPerSecond.plain)).toBe(true)
    expect(positive(r.mbPerSecond.gossipd)).toBe(true)
  })

  it('gossip delivers published messages and measures their latency', async () => {
    const r = await result('gossip')
    expect(r.publishedOk).toBeGreaterThan(0)
    expect(r.delivered).toBeGreaterThan(0)
    expect(r.deliveryRatio).toBeGreaterThan(0)
    expect(r.latencyMs.n).toBe(r.delivered)
    expect(r.latencyMs.p50).toBeGreaterThanOrEqual(0)
    expect(Array.isArray(r.tail.slowMessageSeconds) && Array.isArray(r.tail.slowHealthSeconds)).toBe(true)
  })

  it('distribution measures both modes at every N and draws the curves', async () => {
    const r = await result('distribution')
    expect(r.points.map((p: { N: number }) => p.N)).toEqual([1, 2])
    for (const p of r.points) {
      expect(positive(p.p2pSeconds)).toBe(true)
      expect(positive(p.centralSeconds)).toBe(true)
      expect(positive(p.p2pBoundSeconds)).toBe(true)
    }
    const svg = await readFile(join(dir, 'distribution.svg'), 'utf8')
    expect(svg).toMatch(/^<svg /)
    expect(svg.match(/<path /g)).toHaveLength(4)
  })

  it('memory, DHT, join and HTTP publish hold measurements', async () => {
    const m = await result('memory')
    expect(m.perNode).toHaveLength(4)
    for (const n of m.perNode) expect(n.rss).toBeGreaterThan(n.uss)
    const d = await result('dht')
    expect(d.findPeerMs.n).toBeGreaterThan(0)
    const j = await result('join')
    expect(positive(j.apiReadyMs.p50)).toBe(true)
    const h = await result('http-publish')
    expect(h.publish.total).toBeGreaterThan(0)
    expect(positive(h.health.requestsPerSecond)).toBe(true)
    // the limit: every process of the setup spent CPU on the publishes, the subscriber too
    expect(h.publish.subscribersCpuUsPerRequest).toBeGreaterThan(0)
    expect(h.publish.setupCpuUsPerRequest).toBeGreaterThan(h.publish.publisherCpuUsPerRequest)
    expect(positive(h.publish.machineBoundPerSecond)).toBe(true)
  })
})
