/**
 * Issue 20, "Also": the data directory is the owner's alone (0700, files 0600, tightened at start when a volume
 * left them looser); stored files and bytes, running downloads and topics are capped with a clear 507 or 429;
 * the sender-chosen send time of a direct message is clamped.
 */
import { chmod, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { lpStream } from '@libp2p/utils'
import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { buildApi } from '../../src/api/server.js'
import { manifestId } from '../../src/files/manifest.js'
import { DM_PROTOCOL } from '../../src/messaging/constants.js'
import { decodeFrame, encodeFrame } from '../../src/messaging/dm-codec.js'
import { TestNodes } from '../helpers/nodes.js'

const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777

/** Every path under `dir` with its mode. */
async function modes (dir: string): Promise<Record<string, number>> {
  const out: Record<string, number> = { '.': await mode(dir) }
  for (const entry of await readdir(dir, { recursive: true })) out[entry] = await mode(join(dir, entry))
  return out
}

describe('the data directory', () => {
  const nodes = new TestNodes({ minConnections: 0 })
  afterAll(async () => { await nodes.cleanup() })

  it('is 0700 with every file 0600, and is tightened at start after a volume loosened it', async () => {
    const dataDir = await nodes.tempDir()
    await chmod(dataDir, 0o755)
    const node = await nodes.add({ dataDir })
    await node.files.add((async function * () { yield new TextEncoder().encode('secret bytes') })(), 'secret.txt')
    const expectPrivate = async (): Promise<void> => {
      const all = await modes(dataDir)
      for (const name of ['gossipd.db', 'gossipd.db-wal', 'gossipd.db-shm', 'identity.key']) expect(Object.keys(all)).toContain(name)
      expect(Object.keys(all).some(p => p.startsWith('files/store/'))).toBe(true)
      for (const [path, m] of Object.entries(all)) {
        const isDir = (await stat(join(dataDir, path))).isDirectory()
        expect(m & 0o077, `${path} is ${m.toString(8)}`).toBe(0)
        if (!isDir) expect(m, path).toBe(0o600)
      }
    }
    await expectPrivate()

    await node.stop()
    for (const path of Object.keys(await modes(dataDir))) {
      const p = join(dataDir, path)
      await chmod(p, (await stat(p)).isDirectory() ? 0o755 : 0o644)
    }
    await nodes.add({ dataDir })
    await expectPrivate()
  })
})

describe('local caps', () => {
  const nodes = new TestNodes({ minConnections: 0 })
  let api: FastifyInstance | undefined
  afterEach(async () => {
    await api?.close()
    api = undefined
    await nodes.cleanup()
  })

  it('refuses uploads past --max-storage and --max-files with 507 storage-full', async () => {
    api = await buildApi(await nodes.add({ maxStorage: 1000, maxFiles: 2 }))
    const upload = async (name: string, bytes: number): Promise<{ statusCode: number, json: () => any }> =>
      api!.inject({ method: 'POST', url: `/files?name=${name}`, headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(bytes, name) })
    expect((await upload('a', 600)).statusCode).toBe(201)
    const over = await upload('b', 600)
    expect(over.statusCode).toBe(507)
    expect(over.json().error).toMatchObject({ code: 'storage-full', message: expect.stringMatching(/--max-storage/) })
    expect((await upload('c', 300)).statusCode).toBe(201)
    const third = await upload('d', 10)
    expect(third.statusCode).toBe(507)
    expect(third.json().error.message).toMatch(/--max-files/)
  })

  it('refuses a topic past --max-topics with 429 limit-reached, and keeps re-subscribing idempotent', async () => {
    api = await buildApi(await nodes.add({ maxTopics: 2 }))
    expect((await api.inject({ method: 'PUT', url: '/topics/one' })).statusCode).toBe(200)
    expect((await api.inject({ method: 'PUT', url: '/topics/two' })).statusCode).toBe(200)
    const third = await api.inject({ method: 'PUT', url: '/topics/three' })
    expect(third.statusCode).toBe(429)
    expect(third.json().error).toMatchObject({ code: 'limit-reached', message: expect.stringMatching(/--max-topics/) })
    expect((await api.inject({ method: 'PUT', url: '/topics/two' })).statusCode).toBe(200)
  })

  it('refuses a download past --max-downloads running with limit-reached', async () => {
    const node = await nodes.add({ maxDownloads: 1 })
    const [x, y] = await Promise.all(['x', 'y'].map(async s => (await manifestId(new TextEncoder().encode(s))).toString()))
    expect(node.files.download(x).state).toMatch(/pending|running/)
    expect(() => node.files.download(y)).toThrow(expect.objectContaining({ name: 'LimitReachedError', code: 'limit-reached', message: expect.stringMatching(/--max-downloads/) }))
    // the same file again is the running job, not a new one
    expect(node.files.download(x).fileId).toBe(x)
  })
})

describe('the send time of a received direct message', () => {
  const nodes = new TestNodes({ minConnections: 0 })
  afterAll(async () => { await nodes.cleanup() })

  it('is clamped near the receiver\'s clock, whatever the sender claims', async () => {
    const receiver = await nodes.add()
    const sender = await nodes.addJoining(receiver)
    const claims = [1e300, -1e300, 0, Date.now() + 365 * 24 * 3600_000]
    for (const [i, ts] of claims.entries()) {
      const stream = await sender.libp2p.dialProtocol(receiver.peerId, DM_PROTOCOL)
      const lp = lpStream(stream)
      await lp.write(encodeFrame({ type: 'msg', id: `ts-${i}`, from: sender.peerId.toString(), ts, body: Buffer.from('x').toString('base64') }))
      expect(decodeFrame((await lp.read()).subarray())).toMatchObject({ type: 'ack' })
      await stream.close()
    }
    const now = Date.now()
    const stored = receiver.direct.inbox({ limit: 10 })
    expect(stored).toHaveLength(claims.length)
    for (const m of stored) {
      expect(m.sentAt, m.id).toBeGreaterThanOrEqual(now - 31 * 24 * 3600_000)
      expect(m.sentAt, m.id).toBeLessThanOrEqual(now + 11 * 60_000)
    }
  })
})
