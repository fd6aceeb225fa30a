/**
 * File transfer A -> B: gossipd's download throughput between two node processes, against the cipher that
 * bounds it (Node's own ChaCha20-Poly1305, one Noise frame per call, as the Noise transport encrypts) and a
 * plain js-libp2p stream (TCP + Noise + Yamux, default settings) between two bare processes. Rounds interleave
 * the three, so they share the machine's load; each figure is the median of its rounds.
 *
 *   npm run build && node bench/transfer.js [--size-mib=128] [--rounds=3] [--node-args='--file-chunk-size 1048576']
 */
import { createCipheriv, randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { isMain, parseArgs } from './lib/args.js'
import { spawnJson, stopChild } from './lib/children.js'
import { load, printRows, row, writeResult } from './lib/report.js'
import { median, ratio } from './lib/stats.js'
import { api, cpuSeconds, sleep, startSwarm } from './lib/swarm.js'

export const DEFAULTS = { sizeMib: 128, rounds: 3, nodeArgs: '' }

/** The largest Noise payload: a 65535-byte frame less the 16-byte tag. */
const NOISE_PAYLOAD = 65535 - 16

/** MB/s of ChaCha20-Poly1305 encryption of Noise-sized frames for about `ms` milliseconds on this thread. */
export function cipherThroughput (ms = 1000) {
  const key = randomBytes(32)
  const nonce = Buffer.alloc(12)
  const ad = Buffer.alloc(0)
  const frame = randomBytes(NOISE_PAYLOAD)
  let bytes = 0
  let n = 0
  const t0 = performance.now()
  while (performance.now() - t0 < ms) {
    nonce.writeUInt32LE(n++, 4)
    const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
    c.setAAD(ad, { plaintextLength: frame.byteLength })
    Buffer.concat([c.update(frame), c.final(), c.getAuthTag()])
    bytes += frame.byteLength
  }
  return bytes / 1e6 / ((performance.now() - t0) / 1000)
}

async function plainStream (bytes) {
  const script = fileURLToPath(new URL('./lib/plain-peer.js', import.meta.url))
  const server = await spawnJson(script, ['server'])
  try {
    const client = await spawnJson(script, ['client', server.value.addr, String(bytes)])
    await stopChild(client.child)
    const v = client.value
    return { mbps: bytes / 1e6 / (v.ms / 1000), senderCpuPerGB: v.senderCpuSeconds / (bytes / 1e9), receiverCpuPerGB: v.receiverCpuSeconds / (bytes / 1e9) }
  } finally {
    await stopChild(server.child)
  }
}

async function * randomSource (bytes) {
  for (let off = 0; off < bytes; off += 1 << 20) yield randomBytes(Math.min(1 << 20, bytes - off))
}

/** One download of a fresh random file from node 0 by node 1; MB/s from the job's own start and finish. */
async function gossipdDownload (ctx, bytes) {
  const [a, b] = ctx.nodes
  const file = await api(a, `/files?name=bench-${Date.now()}.bin`, { method: 'POST', body: randomSource(bytes) })
  const cpuA = await cpuSeconds(a.pid)
  const cpuB = await cpuSeconds(b.pid)
  const job = await api(b, `/files/${file.id}/download`, { method: 'POST', body: { from: [a.peerId] } })
  let status = job
  const deadline = Date.now() + 600_000
  while (status.state !== 'completed') {
    if (status.state === 'failed' || status.state === 'cancelled' || Date.now() > deadline) {
      throw new Error(`download ${status.state}: ${status.error}`)
    }
    await sleep(25)
    status = await api(b, `/downloads/${job.id}`)
  }
  const ms = Date.parse(status.finishedAt) - Date.parse(status.createdAt)
  const senderCpuPerGB = (await cpuSeconds(a.pid) - cpuA) / (bytes / 1e9)
  const receiverCpuPerGB = (await cpuSeconds(b.pid) - cpuB) / (bytes / 1e9)
  await api(b, `/files/${file.id}`, { method: 'DELETE' })
  await api(a, `/files/${file.id}`, { method: 'DELETE' })
  return { mbps: bytes / 1e6 / (ms / 1000), senderCpuPerGB, receiverCpuPerGB }
}

export async function run (opts = {}) {
  const o = { ...DEFAULTS, ...opts }
  const bytes = Math.round(o.sizeMib * 2 ** 20)
  const loadBefore = load()
  const ctx = await startSwarm({ nodes: 2, extraArgs: o.nodeArgs.split(/\s+/).filter(Boolean) })
  const rounds = { cipher: [], plain: [], gossipd: [] }
  try {
    for (let r = 0; r < o.rounds; r++) {
      rounds.cipher.push(cipherThroughput(Math.min(1000, 50 + o.sizeMib * 8)))
      rounds.plain.push(await plainStream(bytes))
      rounds.gossipd.push(await gossipdDownload(ctx, bytes))
    }
  } finally {
    await ctx.stop()
  }
  const cipher = median(rounds.cipher)
  const plain = median(rounds.plain.map(r => r.mbps))
  const gossipd = median(rounds.gossipd.map(r => r.mbps))
  const cpu = (list, k) => Math.round(median(list.map(r => r[k])) * 100) / 100
  const cpuPerGB = {
    plain: { sender: cpu(rounds.plain, 'senderCpuPerGB'), receiver: cpu(rounds.plain, 'receiverCpuPerGB') },
    gossipd: { sender: cpu(rounds.gossipd, 'senderCpuPerGB'), receiver: cpu(rounds.gossipd, 'receiverCpuPerGB') }
  }
  const ofCipher = ratio(gossipd, cipher)
  const ofPlain = ratio(gossipd, plain)
  const rows = [
    row('ChaCha20-Poly1305, one core (MB/s)', cipher.toFixed(0)),
    row('plain js-libp2p stream (MB/s)', plain.toFixed(1)),
    row('gossipd download (MB/s)', gossipd.toFixed(1)),
    row('gossipd / cipher', ofCipher, '>= 0.70', ofCipher != null && ofCipher >= 0.7),
    row('gossipd / plain stream', ofPlain, '>= 1.0', ofPlain != null && ofPlain >= 1.0),
    row('plain stream / cipher', ratio(plain, cipher)),
    row('CPU s per GB, sender / receiver: plain', `${cpuPerGB.plain.sender} / ${cpuPerGB.plain.receiver}`),
    row('CPU s per GB, sender / receiver: gossipd', `${cpuPerGB.gossipd.sender} / ${cpuPerGB.gossipd.receiver}`)
  ]
  return {
    params: { ...o, bytes, nodeFlags: ctx.nodeFlags },
    load: { before: loadBefore, after: load() },
    mbPerSecond: { cipher, plain, gossipd },
    cpuSecondsPerGB: cpuPerGB,
    ratios: { gossipdOfCipher: ofCipher, gossipdOfPlain: ofPlain, plainOfCipher: ratio(plain, cipher) },
    rounds,
    rows
  }
}

if (isMain(import.meta.url)) {
  const result = await run(parseArgs(process.argv.slice(2), DEFAULTS))
  printRows('file transfer A -> B', result.rows)
  process.stdout.write(`written ${await writeResult('transfer', result)}\n`)
}
