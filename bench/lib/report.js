/**
 * Where results go: `bench/results/<name>.json` (or $BENCH_RESULTS_DIR), each with the machine and its load at
 * the start and end of the run, so a number is never read without knowing how busy the machine was.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, loadavg, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const RESULTS_DIR = process.env.BENCH_RESULTS_DIR ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'results')

export function machine () {
  const c = cpus()
  return {
    cpus: c.length,
    cpuModel: c[0]?.model ?? 'unknown',
    memoryMiB: Math.round(totalmem() / 2 ** 20),
    node: process.version,
    platform: `${process.platform} ${process.arch}`
  }
}

/** The 1, 5 and 15 minute load averages, 2 decimals. */
export function load () {
  return loadavg().map(x => Math.round(x * 100) / 100)
}

/**
 * Write one benchmark's result. `result` holds `params`, `targets` (what the issue asks), `rows` (the table
 * lines: [metric, value, target, met]) and any raw figures.
 */
export async function writeResult (name, result, extra = {}) {
  await mkdir(RESULTS_DIR, { recursive: true })
  const doc = { name, date: new Date().toISOString(), machine: machine(), ...extra, ...result }
  const file = join(RESULTS_DIR, `${name}.json`)
  await writeFile(file, JSON.stringify(doc, null, 2) + '\n')
  return file
}

export async function writeFileIn (fileName, text) {
  await mkdir(RESULTS_DIR, { recursive: true })
  const file = join(RESULTS_DIR, fileName)
  await writeFile(file, text)
  return file
}

/** A plain-text table: header row, then rows of cells, columns padded to their widest cell. */
export function table (header, rows) {
  const all = [header, ...rows].map(r => r.map(c => c == null ? '-' : String(c)))
  const widths = header.map((_, i) => Math.max(...all.map(r => (r[i] ?? '').length)))
  const line = r => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()
  return [line(all[0]), widths.map(w => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n')
}

/** A table row for a metric against its target: `met` is true, false, or null when there is no target. */
export function row (metric, value, target = null, met = null) {
  return { metric, value, target, met }
}

/** Print a benchmark's rows to stdout. */
export function printRows (name, rows) {
  process.stdout.write(`\n${name}\n` + table(['metric', 'value', 'target', 'met'], rows.map(r => [r.metric, r.value, r.target, r.met == null ? '' : r.met ? 'yes' : 'NO'])) + '\n')
}
