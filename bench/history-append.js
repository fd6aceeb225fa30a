/**
 * Cost of storing one message in a topic's history (`MessageLog.append`, every publish and every receive does
 * one) as the topic fills up to the history limit and past it. Prints microseconds per append, median of
 * batches, and the CPU time per append.
 *
 *   npm run build && node bench/history-append.js [--limit=10000] [--messages=30000]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MessageLog } from '../dist/src/messaging/history.js'
import { openDatabase } from '../dist/src/storage/database.js'
import { isMain, parseArgs } from './lib/args.js'
import { median } from './lib/stats.js'

export const DEFAULTS = { limit: 10_000, messages: 30_000, batch: 1000 }

export async function run (opts = {}) {
  const o = { ...DEFAULTS, ...opts }
  const dir = await mkdtemp(join(tmpdir(), 'bench-history-'))
  const db = openDatabase(dir)
  try {
    const log = new MessageLog(db, 'bench_messages', o.limit)
    const data = new Uint8Array(1024).fill(97)
    const batches = []
    const cpu0 = process.cpuUsage()
    for (let i = 0; i < o.messages; i += o.batch) {
      const t0 = performance.now()
      for (let j = i; j < i + o.batch; j++) log.append({ channel: 'news', id: `m${j}`, from: 'peer', data })
      batches.push({ upTo: i + o.batch, usPerAppend: ((performance.now() - t0) * 1000) / o.batch })
    }
    const cpu = process.cpuUsage(cpu0)
    const kept = log.stats('news').count
    const before = batches.filter(b => b.upTo <= o.limit).map(b => b.usPerAppend)
    const after = batches.filter(b => b.upTo > o.limit).map(b => b.usPerAppend)
    return { params: o, kept, usPerAppendFilling: median(before), usPerAppendFull: median(after), cpuUsPerAppend: (cpu.user + cpu.system) / o.messages, batches }
  } finally {
    db.close()
    await rm(dir, { recursive: true, force: true })
  }
}

if (isMain(import.meta.url)) {
  const r = await run(parseArgs(process.argv.slice(2), DEFAULTS))
  process.stdout.write(`history append: ${r.usPerAppendFilling.toFixed(1)} us while filling, ${r.usPerAppendFull.toFixed(1)} us once full (limit ${r.params.limit}, kept ${r.kept}); CPU ${r.cpuUsPerAppend.toFixed(1)} us per append\n`)
}
