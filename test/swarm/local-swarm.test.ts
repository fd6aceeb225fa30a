/**
 * LocalSwarm keeps running when one of its processes dies at once: the process's last words on stderr (here,
 * Node refusing a flag in NODE_OPTIONS, written as stdout closes) reach its log instead of being written to a
 * log another stream has already ended, which threw in the swarm's own process. And its processes never outlive
 * the process that started them.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalSwarm } from '../../src/swarm/local-swarm.js'

describe('a LocalSwarm node that cannot start', () => {
  let dir: string
  const saved = process.env.NODE_OPTIONS

  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'local-swarm-')) })
  afterAll(async () => {
    if (saved == null) delete process.env.NODE_OPTIONS
    else process.env.NODE_OPTIONS = saved
    await rm(dir, { recursive: true, force: true })
  })

  it('fails start() with a pointer to the logs, which hold why', async () => {
    // a V8 flag Node accepts on its command line but refuses in NODE_OPTIONS: the process exits at once
    process.env.NODE_OPTIONS = '--optimize-for-size'
    // several at once: whether the refusal comes before or after stdout closes is a race in any one process
    const swarm = new LocalSwarm({ nodes: 6, dir, logLevel: 'warn', readyTimeoutMs: 30_000 })
    try {
      await expect(swarm.start()).rejects.toThrow(/exited before its API came up; see /)
    } finally {
      delete process.env.NODE_OPTIONS
      await swarm.stop()
    }
    // the log is complete once the process has closed its streams
    await new Promise(resolve => setTimeout(resolve, 200))
    for (const node of swarm.nodes) expect(await readFile(node.logFile, 'utf8')).toMatch(/not allowed in NODE_OPTIONS/)
  })
})

describe('a LocalSwarm whose owner dies', () => {
  let dir: string
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'local-swarm-orphans-')) })
  afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

  function alive (pid: number): boolean {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }

  it('takes its node processes with it when the owner dies of an uncaught error', async () => {
    // the owner: a script that starts a 2-node swarm from the built code, says the node pids, and throws
    const owner = join(dir, 'owner.mjs')
    const localSwarm = pathToFileURL(resolve('dist/src/swarm/local-swarm.js')).href
    await writeFile(owner, `
      import { LocalSwarm } from ${JSON.stringify(localSwarm)}
      const swarm = new LocalSwarm({ nodes: 2, dir: ${JSON.stringify(dir)}, logLevel: 'warn', readyTimeoutMs: 60_000 })
      await swarm.start()
      console.log(JSON.stringify(swarm.nodes.map(n => n.pid)))
      setTimeout(() => { throw new Error('the owner dies before it stops its swarm') }, 10)
    `)
    const child = spawn(process.execPath, [owner], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', d => { out += String(d) })
    const code = await new Promise(resolve => child.once('exit', resolve))
    expect(code).toBe(1)
    const pids = JSON.parse(out.trim()) as number[]
    expect(pids).toHaveLength(2)
    // SIGKILL is delivered at once; the kernel reaps them within moments
    const deadline = Date.now() + 5_000
    while (pids.some(alive) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50))
    const left = pids.filter(alive)
    for (const pid of left) process.kill(pid, 'SIGKILL')
    expect(left, 'node processes still running after their owner died').toEqual([])
  }, 90_000)
})

describe('LocalSwarm.settle', () => {
  let dir: string
  let swarm: LocalSwarm

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'local-swarm-settle-'))
    swarm = new LocalSwarm({ nodes: 3, dir, logLevel: 'warn', readyTimeoutMs: 60_000 })
    await swarm.start()
  }, 90_000)
  afterAll(async () => {
    await swarm?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('counts a swarm as joined only once no node holds more than maxPeers', async () => {
    // three nodes find each other: two peers a node
    const joined = await swarm.settle({ minPeers: 2, minRoutingTable: 0, timeoutMs: 30_000 })
    expect(joined.joined).toBe(true)
    // every node holds more than one peer, so a swarm limited to one is never joined
    const over = await swarm.settle({ minPeers: 1, minRoutingTable: 0, maxPeers: 1, timeoutMs: 3_000 })
    expect(over.joined).toBe(false)
    const within = await swarm.settle({ minPeers: 2, minRoutingTable: 0, maxPeers: 2, timeoutMs: 10_000 })
    expect(within.joined).toBe(true)
  }, 60_000)
})
