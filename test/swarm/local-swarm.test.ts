/**
 * LocalSwarm keeps running when one of its processes dies at once: the process's last words on stderr (here,
 * Node refusing a flag in NODE_OPTIONS, written as stdout closes) reach its log instead of being written to a
 * log another stream has already ended, which threw in the swarm's own process.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
