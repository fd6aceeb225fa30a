/**
 * The compose test's results: each check passed, failed or skipped with a one-line detail; printed as a
 * summary and written to test-results/compose.json for .ci/run to add into its counts.
 */
import console from 'node:console'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { log } from './log.js'

/** Thrown by a check whose feature is not in this build (its API route answers 404 "Route not found"). */
export class SkipError extends Error {
  constructor (message) {
    super(message)
    this.name = 'SkipError'
  }
}

export class Report {
  constructor () {
    this.started = Date.now()
    /** @type {{ name: string, status: 'passed'|'failed'|'skipped', detail: string, seconds: number }[]} */
    this.checks = []
    /** Measurements that are not pass/fail (memory per container, ...). */
    this.notes = []
  }

  /** Run one check; answers true when it passed. */
  async check (name, fn) {
    const t0 = Date.now()
    log(`${name} ...`)
    let status = 'passed'
    let detail
    try {
      detail = await fn()
    } catch (err) {
      status = err instanceof SkipError ? 'skipped' : 'failed'
      detail = err instanceof SkipError ? `skipped: ${err.message}` : err.message
    }
    const seconds = (Date.now() - t0) / 1000
    this.checks.push({ name, status, detail: String(detail ?? ''), seconds })
    log(`${name}: ${status.toUpperCase()} ${detail ?? ''}`)
    return status === 'passed'
  }

  /** Record a check that could not run because an earlier one failed. */
  notRun (name, reason) {
    this.checks.push({ name, status: 'failed', detail: `not run: ${reason}`, seconds: 0 })
  }

  counts () {
    const n = (s) => this.checks.filter(c => c.status === s).length
    return { passed: n('passed'), failed: n('failed'), skipped: n('skipped') }
  }

  print () {
    const mark = { passed: 'ok  ', failed: 'FAIL', skipped: 'skip' }
    console.log('\ncompose swarm test summary')
    for (const c of this.checks) {
      console.log(`  ${mark[c.status]} ${c.name} (${c.seconds.toFixed(1)} s): ${c.detail}`)
    }
    for (const note of this.notes) console.log(`  note: ${note}`)
    const { passed, failed, skipped } = this.counts()
    console.log(`  total ${((Date.now() - this.started) / 1000).toFixed(0)} s\n`)
    console.log(`compose: ${passed} passed, ${failed} failed, ${skipped} skipped`)
  }

  write (file, extra = {}) {
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, JSON.stringify({
      ...this.counts(),
      seconds: Math.round((Date.now() - this.started) / 1000),
      ...extra,
      notes: this.notes,
      checks: this.checks
    }, null, 2) + '\n')
  }
}
