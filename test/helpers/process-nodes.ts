/**
 * Helpers for resilience tests that drive `gossipd start` processes (through `LocalSwarm`) over their HTTP API.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LocalSwarm, type SwarmNode } from '../../src/swarm/local-swarm.js'

export interface Answer<T = any> {
  status: number
  body: T
}

/** Call a node's API; never throws for an HTTP error status (the test decides). */
export async function http<T = any> (node: SwarmNode, path: string, init: RequestInit & { json?: unknown } = {}): Promise<Answer<T>> {
  const { json, ...rest } = init
  const res = await fetch(`${node.apiUrl}${path}`, {
    ...rest,
    ...(json !== undefined ? { body: JSON.stringify(json), headers: { 'content-type': 'application/json', ...rest.headers } } : {}),
    signal: rest.signal ?? AbortSignal.timeout(30_000)
  })
  const text = await res.text()
  let body: unknown = text
  try { body = JSON.parse(text) } catch { /* not JSON: keep the text */ }
  return { status: res.status, body: body as T }
}

/**
 * A process swarm in a fresh `/tmp/<prefix>-*` directory. The ports are picked free and then handed to the
 * processes, so on a machine where other test runs open ports another program may take one in between: a
 * swarm whose node could not listen is started again once, on other ports.
 */
export async function startProcessSwarm (nodes: number, prefix: string, extraArgs: string[] = []): Promise<{ swarm: LocalSwarm, dir: string }> {
  for (let attempt = 1; ; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), `${prefix}-`))
    const swarm = new LocalSwarm({ nodes, dir, logLevel: 'warn', extraArgs, readyTimeoutMs: 120_000 })
    try {
      await swarm.start()
      return { swarm, dir }
    } catch (err) {
      await swarm.stop()
      await rm(dir, { recursive: true, force: true })
      if (attempt >= 2) throw err
    }
  }
}

export async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}

/** Poll until `check` is truthy or `timeoutMs` passes; returns whether it became true. */
export async function eventually (check: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      if (await check()) return true
    } catch { /* not yet */ }
    await sleep(intervalMs)
  }
  return false
}
