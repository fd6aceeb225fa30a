import { createHash } from 'node:crypto'
import { open, readdir } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { describe, expect, it } from 'vitest'
import { addrOf, nodesForEachTest, randomSource, sha256OfStream, waitFor } from './helpers.js'

const MiB = 1024 * 1024

/** The path of the file called `name` somewhere under `dir`. */
async function findFile (dir: string, name: string): Promise<string> {
  const found = (await readdir(dir, { recursive: true })).find(p => basename(p) === name)
  if (found == null) throw new Error(`no ${name} under ${dir}`)
  return join(dir, found)
}

describe('file transfer between nodes', () => {
  const nodes = nodesForEachTest()

  it('a 64 MiB file shared by A is found through the DHT and fetched by B, which was not connected to A', async () => {
    const boot = await nodes.add()
    const a = await nodes.add({ bootstrap: [addrOf(boot)] })
    const file = await a.files.add(randomSource(64 * MiB), 'big.bin')
    expect(file.chunks).toBe(256)
    // A's provider record reaches the DHT (the bootstrap, A's only peer) shortly after sharing
    await waitFor('the provider record', async () => (await boot.files.findProviders(file.id, { signal: AbortSignal.timeout(3_000) })).some(p => p.peerId === a.peerId.toString()))
    // B joins knowing only the bootstrap: nothing but the DHT can lead it to A
    const b = await nodes.add({ bootstrap: [addrOf(boot)] })
    expect(b.libp2p.getConnections(a.peerId)).toHaveLength(0)
    const job = b.files.download(file.id)
    const done = await b.files.downloads.wait(job.id, AbortSignal.timeout(120_000))
    expect(done).toMatchObject({ state: 'completed', chunksDone: 256, bytesDone: 64 * MiB, error: null })
    expect(done.providers.map(p => p.peerId)).toContain(a.peerId.toString())
    expect(await sha256OfStream(b.files.read(file.id))).toBe(file.hash)
    expect(b.files.get(file.id)).toMatchObject({ name: 'big.bin', origin: 'download', size: 64 * MiB })
    // and B now provides it too
    await waitFor('B as a provider', async () => (await boot.files.findProviders(file.id, { signal: AbortSignal.timeout(3_000) })).some(p => p.peerId === b.peerId.toString()))
  }, 180_000)

  it('a chunk that fails its hash is rejected and fetched from another provider', async () => {
    const seeder = await nodes.add()
    const liar = await nodes.add({ bootstrap: [addrOf(seeder)] })
    const file = await seeder.files.add(randomSource(8 * MiB), 'doc.bin')
    // the liar gets a good copy, then its bytes on disk are damaged in every chunk
    const copy = await liar.files.downloads.wait(liar.files.download(file.id, { from: [seeder.peerId.toString()] }).id)
    expect(copy.state).toBe('completed')
    const fh = await open(join(liar.config.dataDir, 'files', 'store', file.id), 'r+')
    for (let i = 0; i < file.chunks; i++) await fh.write(Buffer.from('corrupt'), 0, 7, i * file.chunkSize + 100)
    await fh.close()
    const servedByLiar: number[] = []
    liar.files.on('served', e => { servedByLiar.push(e.index) })

    const downloader = await nodes.add({ bootstrap: [addrOf(seeder)] })
    const job = downloader.files.download(file.id, { from: [liar.peerId.toString(), seeder.peerId.toString()] })
    const done = await downloader.files.downloads.wait(job.id, AbortSignal.timeout(60_000))
    expect(done.state).toBe('completed')
    expect(await sha256OfStream(downloader.files.read(file.id))).toBe(file.hash)
    // the liar did serve chunks, none was accepted, and it was dropped
    expect(servedByLiar.length).toBeGreaterThan(0)
    const liarStatus = done.providers.find(p => p.peerId === liar.peerId.toString())
    expect(liarStatus).toMatchObject({ chunks: 0, state: 'dropped' })
    expect(liarStatus?.failures).toBeGreaterThan(0)
    const seederStatus = done.providers.find(p => p.peerId === seeder.peerId.toString())
    expect(seederStatus?.chunks).toBe(file.chunks)
    const metrics = await downloader.metrics.registry.getSingleMetricAsString('gossipd_files_corrupt_chunks_total')
    expect(metrics).toMatch(/gossipd_files_corrupt_chunks_total \d+/)
    expect(Number(/total (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0)
  }, 120_000)

  it('with only a corrupt provider the file is never marked complete', async () => {
    const seeder = await nodes.add()
    const file = await seeder.files.add(randomSource(2 * MiB), 'only.bin')
    const fh = await open(join(seeder.config.dataDir, 'files', 'store', file.id), 'r+')
    await fh.write(Buffer.from('x'), 0, 1, 3 * file.chunkSize)
    await fh.close()
    const d = await nodes.add({ bootstrap: [addrOf(seeder)] })
    const job = d.files.download(file.id, { from: [seeder.peerId.toString()] })
    await waitFor('the provider to be dropped', () => d.files.downloads.get(job.id).providers.some(p => p.state === 'dropped'), 30_000)
    // requests already in flight when it was dropped still land; the corrupt chunk never does
    await waitFor('every good chunk', () => d.files.downloads.get(job.id).chunksDone === file.chunks - 1, 10_000)
    await new Promise(resolve => setTimeout(resolve, 500))
    const status = d.files.downloads.get(job.id)
    expect(status.state).toBe('running')
    expect(status.chunksDone).toBe(file.chunks - 1)
    expect(status.providers[0]).toMatchObject({ state: 'dropped', failures: 3, chunks: file.chunks - 1 })
    expect(() => d.files.get(file.id)).toThrow(/no file/)
    expect(d.files.list()).toEqual([])
    const cancelled = await d.files.downloads.remove(job.id)
    expect(cancelled.state).toBe('cancelled')
    expect(d.files.list()).toEqual([])
  }, 60_000)

  it('a file larger than the downloader\'s --max-file-size is refused before any chunk is fetched', async () => {
    const seeder = await nodes.add()
    const file = await seeder.files.add(randomSource(2 * MiB), 'large.bin')
    const small = await nodes.add({ bootstrap: [addrOf(seeder)], maxFileSize: MiB })
    const done = await small.files.downloads.wait(small.files.download(file.id, { from: [seeder.peerId.toString()] }).id, AbortSignal.timeout(30_000))
    expect(done).toMatchObject({ state: 'failed', chunksDone: 0 })
    expect(done.error).toMatch(/max-file-size/)
    expect(small.files.list()).toEqual([])
  }, 60_000)

  it('a download stopped midway resumes after a restart, fetching again only a finished chunk damaged on disk', async () => {
    // the upload cap makes the transfer last a few seconds, so it can be interrupted
    const seeder = await nodes.add({ uploadLimit: 2 * MiB })
    const file = await seeder.files.add(randomSource(8 * MiB), 'resume.bin')
    const served: number[] = []
    seeder.files.on('served', e => { served.push(e.index) })

    const dir = await nodes.tempDir()
    const first = await nodes.add({ bootstrap: [addrOf(seeder)], dataDir: dir })
    const job = first.files.download(file.id, { from: [seeder.peerId.toString()] })
    await waitFor('a third of the chunks', () => first.files.downloads.get(job.id).chunksDone >= file.chunks / 3, 30_000, 20)
    await first.stop()

    const db = new DatabaseSync(join(dir, 'gossipd.db'))
    const doneAtStop = (db.prepare('SELECT idx FROM download_chunks WHERE job_id = ?').all(job.id) as Array<{ idx: number }>).map(r => r.idx)
    expect((db.prepare('SELECT state FROM download_jobs WHERE id = ?').get(job.id) as { state: string }).state).toBe('running')
    db.close()
    expect(doneAtStop.length).toBeGreaterThanOrEqual(file.chunks / 3)
    expect(doneAtStop.length).toBeLessThan(file.chunks)
    const servedBefore = served.length
    // damage one finished chunk on disk while the node is down: the records still call it done, so only the
    // final check of the whole file can catch it, and then it is fetched again
    const damaged = doneAtStop[0]
    const partial = await open(await findFile(dir, job.id), 'r+')
    await partial.write(Buffer.alloc(16, 0xff), 0, 16, damaged * file.chunkSize + 100)
    await partial.close()

    const second = await nodes.add({ bootstrap: [addrOf(seeder)], dataDir: dir })
    const resumed = await second.files.downloads.wait(job.id, AbortSignal.timeout(60_000))
    expect(resumed.state).toBe('completed')
    const servedAfter = served.slice(servedBefore)
    expect(servedAfter.filter(i => doneAtStop.includes(i))).toEqual([damaged])
    expect(new Set([...doneAtStop, ...servedAfter]).size).toBe(file.chunks)
    expect(createHash('sha256').update('').digest('hex')).not.toBe(file.hash)
    expect(await sha256OfStream(second.files.read(file.id))).toBe(file.hash)
  }, 90_000)
})
