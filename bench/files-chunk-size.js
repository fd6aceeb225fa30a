/**
 * Chunk-size measurement for the files protocol: two in-process nodes on loopback (TCP + Noise + Yamux), one
 * shares a random file, the other downloads it with the real download job (FILES_STREAMS_PER_PEER streams,
 * one request/response per chunk, every chunk hashed). Prints MB/s per chunk size.
 *
 *   npm run build && node bench/files-chunk-size.js [sizeMiB=64] [rounds=2]
 */
/* global process, console, performance */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { applyDependencyPatches, createNode, loadConfig } from '../dist/src/index.js'

// the nodes run as `gossipd start` runs them: with the dependency patches of docs/ARCHITECTURE.md
applyDependencyPatches()

const SIZES = [64 * 1024, 256 * 1024, 1024 * 1024]
const sizeMiB = Number(process.argv[2] ?? 64)
const rounds = Number(process.argv[3] ?? 2)

async function * source (size) {
  for (let off = 0; off < size; off += 1 << 20) yield randomBytes(Math.min(1 << 20, size - off))
}

async function once (chunkSize) {
  const dir = await mkdtemp(join(tmpdir(), 'files-bench-'))
  const flags = { listen: ['/ip4/127.0.0.1/tcp/0'], logLevel: 'silent', minConnections: 0, fileChunkSize: chunkSize }
  const a = await createNode(loadConfig({ flags: { ...flags, dataDir: join(dir, 'a') } }))
  const b = await createNode(loadConfig({ flags: { ...flags, dataDir: join(dir, 'b'), bootstrap: [a.libp2p.getMultiaddrs()[0].toString()] } }))
  try {
    const file = await a.files.add(source(sizeMiB << 20), 'bench.bin')
    const t0 = performance.now()
    const job = b.files.download(file.id, { from: [a.peerId.toString()] })
    const done = await b.files.downloads.wait(job.id)
    if (done.state !== 'completed') throw new Error(`download ${done.state}: ${done.error}`)
    return (file.size / 1e6) / ((performance.now() - t0) / 1000)
  } finally {
    await b.stop()
    await a.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

for (const size of SIZES) {
  const results = []
  for (let r = 0; r < rounds; r++) results.push(await once(size))
  console.log(`chunk ${size / 1024} KiB: ${results.map(r => r.toFixed(1)).join(', ')} MB/s (${sizeMiB} MiB file)`)
}
