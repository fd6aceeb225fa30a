import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApi } from '../../src/api/server.js'
import { ApiClient } from '../../src/cli/client.js'
import { follow, save, share } from '../../src/cli/files.js'
import type { GossipdNode } from '../../src/gossipd.js'
import { TestNodes } from '../helpers/nodes.js'
import { removeDir, tempDir } from './helpers.js'

describe('gossipd share / get', () => {
  const nodes = new TestNodes()
  let a: GossipdNode
  let b: GossipdNode
  const apis: FastifyInstance[] = []
  let ca: ApiClient
  let cb: ApiClient
  let dir: string

  beforeAll(async () => {
    a = await nodes.add({ minConnections: 0 })
    b = await nodes.addJoining(a, { minConnections: 0 })
    for (const n of [a, b]) apis.push(await buildApi(n))
    ca = new ApiClient({ api: await apis[0].listen({ host: '127.0.0.1', port: 0 }) })
    cb = new ApiClient({ api: await apis[1].listen({ host: '127.0.0.1', port: 0 }) })
    dir = await tempDir('cli')
  })

  afterAll(async () => {
    for (const api of apis) await api.close()
    await nodes.cleanup()
    await removeDir(dir)
  })

  it('shares a local file, downloads it on another node following its progress, and saves it without overwriting', async () => {
    const data = randomBytes(1_500_000)
    const src = join(dir, 'notes ü.txt')
    await writeFile(src, data)
    const shared = await share(ca, src)
    expect(shared).toMatchObject({ name: 'notes ü.txt', size: data.byteLength })

    const done = await follow(cb, shared.id, { from: [a.peerId.toString()], bar: false })
    expect(done).toMatchObject({ state: 'completed', bytesDone: data.byteLength })
    const out = join(dir, 'copy.bin')
    await save(cb, shared.id, out)
    expect((await readFile(out)).equals(data)).toBe(true)
    await expect(save(cb, shared.id, out)).rejects.toThrow(/not overwriting/)
  })

  it('reports an API error as a message', async () => {
    await expect(follow(cb, 'not-an-id', { bar: false })).rejects.toThrow(/not a file id/)
  })
})
