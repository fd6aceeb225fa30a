import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { SwarmNode } from '../../src/swarm/local-swarm.js'

/** What swarm tests poll while a swarm joins: counts in a few bytes, not listed tables. */
export { readiness } from '../../src/swarm/local-swarm.js'

export interface CliSwarm {
  dir: string
  nodes: SwarmNode[]
  /** ms from launching `gossipd swarm` until every API answered */
  startedInMs: number
  process: ChildProcess
  stop(): Promise<void>
}

/** Start `gossipd swarm --nodes N --json` and wait for its description of the nodes. */
export async function startCliSwarm (nodes: number, extraArgs: string[] = []): Promise<CliSwarm> {
  const dir = await mkdtemp(join(tmpdir(), 'gossipd-swarm-test-'))
  const child = spawn(process.execPath, ['bin/gossipd.js', 'swarm', '--nodes', String(nodes), '--json', '--dir', dir, ...extraArgs], { stdio: ['ignore', 'pipe', 'inherit'] })
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! })
    rl.once('line', resolve)
    child.once('exit', code => { reject(new Error(`gossipd swarm exited with ${code} before it was up`)) })
  })
  const parsed = JSON.parse(line) as { nodes: SwarmNode[], startedInMs: number }
  return {
    dir,
    nodes: parsed.nodes,
    startedInMs: parsed.startedInMs,
    process: child,
    async stop () {
      if (child.exitCode == null) {
        const exited = new Promise(resolve => child.once('exit', resolve))
        child.kill('SIGINT')
        await exited
      }
      await rm(dir, { recursive: true, force: true })
    }
  }
}

export async function api<T> (base: string, path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(30_000) })
  const body = await res.text()
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${base}${path}: ${res.status} ${body}`)
  return JSON.parse(body) as T
}

export function percentile (values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))]
}
