import { spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { describe, expect, it } from 'vitest'
import { freePorts } from '../../src/swarm/ports.js'
import { waitFor } from '../helpers/nodes.js'

describe('gossipd start', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('leaves gracefully on %s and exits 0', async (signal) => {
    const [p2p, apiPort] = await freePorts(2)
    const dataDir = await mkdtemp(join(tmpdir(), 'gossipd-start-'))
    const child = spawn(process.execPath, ['bin/gossipd.js', 'start', '--listen', `/ip4/127.0.0.1/tcp/${p2p}`, '--api', `127.0.0.1:${apiPort}`, '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] })
    const lines: string[] = []
    createInterface({ input: child.stdout! }).on('line', l => lines.push(l))
    await waitFor(async () => (await fetch(`http://127.0.0.1:${apiPort}/health`)).ok, 20_000, 'the API')
    const exited = new Promise<number | null>(resolve => child.once('exit', resolve))
    child.kill(signal)
    expect(await exited).toBe(0)
    const msgs = lines.map(l => JSON.parse(l).msg)
    expect(msgs).toContain('leaving the swarm')
    expect(msgs).toContain('node stopped')
  }, 30_000)
})

describe('gossipd swarm', () => {
  it('prints every API URL with example curl lines, and Ctrl-C stops every node', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gossipd-swarm-cli-'))
    const child = spawn(process.execPath, ['bin/gossipd.js', 'swarm', '--nodes', '3', '--dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout!.on('data', (d: Buffer) => { out += d.toString() })
    await waitFor(() => out.includes('Ctrl-C stops every node'), 60_000, 'the swarm table')
    const urls = [...out.matchAll(/http:\/\/127\.0\.0\.1:\d+/g)].map(m => m[0])
    const nodeUrls = [...new Set(urls)]
    expect(out).toMatch(/^bootstrap\s+12D3KooW\w+\s+http:\/\/127\.0\.0\.1:\d+$/m)
    expect(out).toMatch(/^node2\s+12D3KooW\w+\s+http:/m)
    expect(out).toContain('curl ')
    for (const url of nodeUrls) {
      expect((await fetch(`${url}/health`)).ok).toBe(true)
    }
    const exited = new Promise<number | null>(resolve => child.once('exit', resolve))
    child.kill('SIGINT')
    expect(await exited).toBe(0)
    for (const url of nodeUrls) {
      await expect(fetch(`${url}/health`)).rejects.toThrow()
    }
  }, 90_000)
})
