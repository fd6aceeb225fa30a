/**
 * build/lazy-builtins.mjs: in the CLI's bundles, the built-in modules a dependency requires for a feature the node
 * does not use (fastify's HTTP/2 and HTTPS servers, prom-client's push gateway) load on first use. The stand-in
 * must answer as the module does, the listed files must still require what the table says, and a started node
 * must not have loaded them.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
// @ts-expect-error the build script is plain JavaScript
import { LAZY_BUILTINS, standIn } from '../../build/lazy-builtins.mjs'
import { freePorts } from '../../src/swarm/ports.js'
import { waitFor } from '../helpers/nodes.js'

const table = LAZY_BUILTINS as Record<string, string[]>
const require = createRequire(import.meta.url)

/** Evaluate a stand-in's source as CommonJS, counting the times it asks for the real module. */
function loadStandIn (specifier: string): { module: any, loads: () => number } {
  let loads = 0
  const module = { exports: {} as any }
  const req = (id: string): unknown => { loads++; return require(id) }
  new Function('module', 'exports', 'require', standIn(specifier))(module, module.exports, req)
  return { module: module.exports, loads: () => loads }
}

describe('lazily loaded built-in modules of the CLI bundle', () => {
  it.each(Object.entries(table))('%s still requires each module listed for it', (file, specifiers) => {
    const source = readFileSync(join('node_modules', file), 'utf8')
    for (const s of specifiers) {
      expect(source, `${file} no longer requires ${s}: drop it from LAZY_BUILTINS`).toMatch(new RegExp(`require\\(['"]${s.replace('/', '\\/')}['"]\\)`))
    }
  })

  it('gives a stand-in that loads nothing until used, then answers as the module does', async () => {
    const { module: https, loads } = loadStandIn('node:https')
    expect(loads()).toBe(0)
    const real = require('node:https')
    expect(https.createServer).toBe(real.createServer)
    expect(loads()).toBe(1)
    expect(Object.keys(https)).toEqual(Object.keys(real))
    expect('request' in https).toBe(true)
    expect(Object.getOwnPropertyDescriptor(https, 'globalAgent')?.value).toBe(real.globalAgent)
    // a server made through it is the module's own
    const server = https.createServer({})
    expect(server).toBeInstanceOf(real.Server)
    server.close()
    // the module is asked for once
    void https.request
    expect(loads()).toBe(1)
  })

  it('serves HTTP/2 through fastify\'s stand-in as through the module', async () => {
    const { module: http2 } = loadStandIn('node:http2')
    const server = http2.createServer((_req: unknown, res: { end: (s: string) => void }) => { res.end('ok') })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address()
    const client = http2.connect(`http://127.0.0.1:${port}`)
    const body = await new Promise<string>((resolve, reject) => {
      const req = client.request({ ':path': '/' })
      let text = ''
      req.setEncoding('utf8')
      req.on('data', (c: string) => { text += c })
      req.on('end', () => { resolve(text) })
      req.on('error', reject)
      req.end()
    })
    client.close()
    await new Promise(resolve => server.close(resolve))
    expect(body).toBe('ok')
  })

  it('a node started from the bundle has not loaded them', async () => {
    const bundle = readFileSync(join('dist', 'bundle', 'node.cjs'), 'utf8')
    expect(bundle).toContain('lazy-builtin:node:http2#fastify/lib/server.js')
    const [p2p, apiPort] = await freePorts(2)
    const dir = await mkdtemp(join(tmpdir(), 'gossipd-lazy-'))
    try {
      const list = join(dir, 'modules.txt')
      const preload = join(dir, 'preload.cjs')
      await writeFile(preload, `process.on('exit', () => { require('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')) })`)
      const child = spawn(process.execPath, ['--require', preload, 'bin/gossipd.js', 'start', '--listen', `/ip4/127.0.0.1/tcp/${p2p}`, '--api', `127.0.0.1:${apiPort}`, '--data-dir', join(dir, 'data'), '--log-level', 'warn'], { stdio: 'ignore' })
      const exited = new Promise(resolve => child.once('exit', resolve))
      await waitFor(async () => (await fetch(`http://127.0.0.1:${apiPort}/health`)).ok, 20_000, 'the API')
      // a request of each kind the node serves, so the API has done its work
      expect((await fetch(`http://127.0.0.1:${apiPort}/id`)).ok).toBe(true)
      expect((await fetch(`http://127.0.0.1:${apiPort}/metrics`)).ok).toBe(true)
      child.kill('SIGTERM')
      await exited
      const loaded = (await readFile(list, 'utf8')).split('\n')
      // the node did load built-in modules (the list is real), but none of these
      expect(loaded).toContain('NativeModule net')
      expect(loaded).toContain('NativeModule http')
      expect(loaded.filter(m => /^NativeModule (http2|https|tls)$/.test(m))).toEqual([])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 30_000)
})
