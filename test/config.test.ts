import { spawnSync } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig, SETTINGS } from '../src/config.js'
import { ConfigError } from '../src/errors.js'

async function jsonFile (content: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gossipd-config-'))
  const file = join(dir, 'config.json')
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content))
  return file
}

describe('config', () => {
  it('has a default for every setting but the optional ones', () => {
    const c = loadConfig()
    expect(c.listen).toEqual(['/ip4/0.0.0.0/tcp/4001'])
    expect(c.api).toBe('127.0.0.1:8080')
    expect(c.bootstrap).toEqual([])
    expect(c.logLevel).toBe('info')
    expect(c.apiToken).toBeUndefined()
  })

  it('layers file < environment < flags', async () => {
    const file = await jsonFile({ api: '127.0.0.1:9001', logLevel: 'debug', minConnections: 3, dataDir: '/tmp/from-file' })
    const env = { GOSSIPD_API: '127.0.0.1:9002', GOSSIPD_LOG_LEVEL: 'warn' }
    const c = loadConfig({ file, env, flags: { api: '127.0.0.1:9003' } })
    expect(c.api).toBe('127.0.0.1:9003')
    expect(c.logLevel).toBe('warn')
    expect(c.minConnections).toBe(3)
    expect(c.dataDir).toBe('/tmp/from-file')
  })

  it('splits comma separated lists and numbers from the environment', () => {
    const c = loadConfig({ env: { GOSSIPD_BOOTSTRAP: '/dns4/bootstrap/tcp/4001, /ip4/10.0.0.1/tcp/4001', GOSSIPD_MIN_CONNECTIONS: '12' } })
    expect(c.bootstrap).toEqual(['/dns4/bootstrap/tcp/4001', '/ip4/10.0.0.1/tcp/4001'])
    expect(c.minConnections).toBe(12)
  })

  it('lowers the default connection budget to a lower --max-connections, and keeps a given budget to check', () => {
    expect(loadConfig().connectionBudget).toBeGreaterThan(5)
    const c = loadConfig({ flags: { maxConnections: 5, minConnections: 2 } })
    expect(c.connectionBudget).toBe(5)
    expect(loadConfig({ flags: { maxConnections: 5, minConnections: 2, connectionBudget: 3 } }).connectionBudget).toBe(3)
    expect(() => loadConfig({ flags: { maxConnections: 5, minConnections: 2, connectionBudget: 6 } })).toThrow(ConfigError)
  })

  it.each([
    [{ GOSSIPD_LISTEN: 'not-a-multiaddr' }, '--listen / GOSSIPD_LISTEN'],
    [{ GOSSIPD_BOOTSTRAP: '/ip4/1.2.3.4/tcp/x' }, '--bootstrap / GOSSIPD_BOOTSTRAP'],
    [{ GOSSIPD_API: 'nohost' }, '--api / GOSSIPD_API'],
    [{ GOSSIPD_API: '127.0.0.1:99999' }, '--api / GOSSIPD_API'],
    [{ GOSSIPD_LOG_LEVEL: 'loud' }, '--log-level / GOSSIPD_LOG_LEVEL'],
    [{ GOSSIPD_MIN_CONNECTIONS: 'many' }, '--min-connections / GOSSIPD_MIN_CONNECTIONS'],
    [{ GOSSIPD_API_TOKEN: 'short' }, '--api-token / GOSSIPD_API_TOKEN'],
    [{ GOSSIPD_API: '0.0.0.0:8080' }, '--api-token / GOSSIPD_API_TOKEN'],
    [{ GOSSIPD_MIN_CONNECTIONS: '50', GOSSIPD_MAX_CONNECTIONS: '10' }, '--min-connections / GOSSIPD_MIN_CONNECTIONS'],
    [{ GOSSIPD_CONNECTION_BUDGET: '20', GOSSIPD_MAX_CONNECTIONS: '16' }, '--connection-budget / GOSSIPD_CONNECTION_BUDGET'],
    [{ GOSSIPD_CONNECTION_BUDGET: '-1' }, '--connection-budget / GOSSIPD_CONNECTION_BUDGET']
  ])('rejects %o naming %s', (env, setting) => {
    let err: unknown
    try { loadConfig({ env }) } catch (e) { err = e }
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).setting).toBe(setting)
    expect((err as Error).message).toContain(setting)
  })

  it('accepts a non-loopback API bind with a token', () => {
    const c = loadConfig({ env: { GOSSIPD_API: '0.0.0.0:8080', GOSSIPD_API_TOKEN: 'a-long-enough-token' } })
    expect(c.apiToken).toBe('a-long-enough-token')
  })

  it('rejects unknown keys and bad JSON in the file', async () => {
    await expect(async () => loadConfig({ file: await jsonFile({ colour: 'blue' }) })).rejects.toThrow(/colour: unknown setting/)
    await expect(async () => loadConfig({ file: await jsonFile('{ nope') })).rejects.toThrow(/--config: .* is not valid JSON/)
    expect(() => loadConfig({ file: '/nonexistent/gossipd.json' })).toThrow(/--config: cannot read/)
  })

  it('declares a flag and an environment variable for every schema key', () => {
    const flags = new Set(SETTINGS.map(s => s.flag))
    const envs = new Set(SETTINGS.map(s => s.env))
    expect(flags.size).toBe(SETTINGS.length)
    expect(envs.size).toBe(SETTINGS.length)
    for (const s of SETTINGS) expect(s.env).toMatch(/^GOSSIPD_[A-Z_]+$/)
  })

  it('makes `gossipd start` exit 2 with a message naming the bad setting', () => {
    const res = spawnSync(process.execPath, ['bin/gossipd.js', 'start', '--listen', 'garbage'], { encoding: 'utf8', timeout: 20_000 })
    expect(res.status).toBe(2)
    expect(res.stderr).toContain('--listen / GOSSIPD_LISTEN')
    const env = spawnSync(process.execPath, ['bin/gossipd.js', 'start'], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, GOSSIPD_API: '0.0.0.0:18080', GOSSIPD_API_TOKEN: '' } })
    expect(env.status).toBe(2)
    expect(env.stderr).toContain('an API token is required')
  })
})
