/**
 * Cost of storing one message in a topic's history (`MessageLog.append`, every publish and every receive does
 * one) as the topic fills up to the history limit and past it. Prints microseconds per append, median of
 * batches, and the CPU time per append. Then `--spaced` more appends, each `--gap-ms` after the last, as a node
 * receiving a few messages a second makes them: what one append costs once the caches have gone cold, against
 * the back-to-back figure of the same run, and the bytes each of those appends wrote (/proc/self/io: SQLite's
 * write-ahead log). Then the same in a database made with SQLite's default 4 KiB pages (`--baseline-page-bytes`;
 * 0 skips it), against the node's own (`DATABASE_PAGE_BYTES`).
 *
 *   npm run build && node bench/history-append.js [--limit=10000] [--messages=30000] [--spaced=300] [--gap-ms=30] [--baseline-page-bytes=4096]
 */
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { MessageLog } from '../dist/src/messaging/history.js'
import { DATABASE_FILE, openDatabase } from '../dist/src/storage/database.js'
import { isMain, parseArgs } from './lib/args.js'
import { median } from './lib/stats.js'
import { procField } from './lib/swarm.js'

export const DEFAULTS = { limit: 10_000, messages: 30_000, batch: 1000, spaced: 300, gapMs: 30, pageBytes: 0, baselinePageBytes: 4096 }

/** Bytes this process has written so far, through any write system call. */
const bytesWritten = () => procField(readFileSync('/proc/self/io', 'utf8'), 'wchar')

/**
 * `pageBytes` > 0: the database is made with that page size before the node's `openDatabase` opens it, which is
 * told not to rewrite it with the node's pages (`convertMaxBytes: 0`), so the baseline keeps its own.
 */
export async function run (opts = {}) {
  const o = { ...DEFAULTS, ...opts }
  const dir = await mkdtemp(join(tmpdir(), 'bench-history-'))
  if (o.pageBytes > 0) {
    const made = new DatabaseSync(join(dir, DATABASE_FILE))
    made.exec(`PRAGMA page_size = ${o.pageBytes}`)
    made.exec('PRAGMA journal_mode = WAL')
    made.close()
  }
  const db = openDatabase(dir, o.pageBytes > 0 ? { convertMaxBytes: 0 } : {})
  const pageBytes = db.prepare('PRAGMA page_size').get().page_size
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
    // spaced out: each append timed on its own, wall clock and CPU
    let spacedWallMs = 0
    let spacedCpuUs = 0
    const written0 = bytesWritten()
    for (let j = 0; j < o.spaced; j++) {
      await new Promise(resolve => setTimeout(resolve, o.gapMs))
      const c0 = process.cpuUsage()
      const t0 = performance.now()
      log.append({ channel: 'news', id: `s${j}`, from: 'peer', data })
      spacedWallMs += performance.now() - t0
      const c = process.cpuUsage(c0)
      spacedCpuUs += c.user + c.system
    }
    const spacedBytesPerAppend = o.spaced > 0 ? (bytesWritten() - written0) / o.spaced : NaN
    const before = batches.filter(b => b.upTo <= o.limit).map(b => b.usPerAppend)
    const after = batches.filter(b => b.upTo > o.limit).map(b => b.usPerAppend)
    return { params: o, pageBytes, spacedBytesPerAppend, kept, usPerAppendFilling: median(before), usPerAppendFull: median(after), cpuUsPerAppend: (cpu.user + cpu.system) / o.messages, spacedUsPerAppend: o.spaced > 0 ? spacedWallMs * 1000 / o.spaced : NaN, spacedCpuUsPerAppend: o.spaced > 0 ? spacedCpuUs / o.spaced : NaN, batches }
  } finally {
    db.close()
    await rm(dir, { recursive: true, force: true })
  }
}

if (isMain(import.meta.url)) {
  const opts = parseArgs(process.argv.slice(2), DEFAULTS)
  const runs = [await run(opts)]
  if (opts.baselinePageBytes > 0 && opts.baselinePageBytes !== runs[0].pageBytes) runs.push(await run({ ...opts, pageBytes: opts.baselinePageBytes }))
  for (const r of runs) {
    process.stdout.write(`${r.pageBytes}-byte pages${r === runs[0] ? ' (the node\'s)' : ''}: history append ${r.usPerAppendFilling.toFixed(1)} us while filling, ${r.usPerAppendFull.toFixed(1)} us once full (limit ${r.params.limit}, kept ${r.kept}); CPU ${r.cpuUsPerAppend.toFixed(1)} us per append\n`)
    if (r.params.spaced > 0) process.stdout.write(`  spaced ${r.params.gapMs} ms apart (${r.params.spaced}): ${r.spacedUsPerAppend.toFixed(1)} us, CPU ${r.spacedCpuUsPerAppend.toFixed(1)} us per append, ${(r.spacedCpuUsPerAppend / r.cpuUsPerAppend).toFixed(1)}x back to back; ${r.spacedBytesPerAppend.toFixed(0)} bytes written per append\n`)
  }
  if (runs.length === 2 && opts.spaced > 0) process.stdout.write(`node's pages / ${runs[1].pageBytes}-byte pages, spaced: bytes written ${(runs[0].spacedBytesPerAppend / runs[1].spacedBytesPerAppend).toFixed(2)}, CPU ${(runs[0].spacedCpuUsPerAppend / runs[1].spacedCpuUsPerAppend).toFixed(2)}\n`)
}
