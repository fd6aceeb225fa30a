/**
 * Names every test that passed only on a retry, at the end of the run and in `test-results/retried.json`, so a
 * flaky test is seen and counted rather than hidden by `retry` in vitest.config.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Reporter, TestCase } from 'vitest/node'

export default class RetriesReporter implements Reporter {
  private readonly retried: Array<{ test: string, file: string, retries: number, state: string }> = []

  private readonly outputFile: string

  constructor (options: { outputFile?: string } = {}) {
    this.outputFile = options.outputFile ?? 'test-results/retried.json'
  }

  onTestCaseResult (testCase: TestCase): void {
    const retries = testCase.diagnostic()?.retryCount ?? 0
    if (retries > 0) {
      this.retried.push({ test: testCase.fullName, file: testCase.module.relativeModuleId, retries, state: testCase.result().state })
    }
  }

  onTestRunEnd (): void {
    mkdirSync(dirname(this.outputFile), { recursive: true })
    writeFileSync(this.outputFile, JSON.stringify(this.retried, null, 2) + '\n')
    if (this.retried.length === 0) return
    console.log(`\n${this.retried.length} test(s) needed a retry:`)
    for (const r of this.retried) console.log(`  ${r.state === 'passed' ? 'passed' : 'FAILED'} after ${r.retries} retr${r.retries === 1 ? 'y' : 'ies'}: ${r.file} > ${r.test}`)
  }
}
