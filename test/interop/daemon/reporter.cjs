/**
 * mocha's spec reporter, plus test-results/interop-daemon.json: the counts and every test's outcome, for CI to
 * join to its totals. CommonJS because mocha loads reporters with require().
 */
const { mkdirSync, writeFileSync } = require('node:fs')
const { dirname, join } = require('node:path')
const Mocha = require('mocha')

const { EVENT_RUN_END, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants
const OUT = join(__dirname, '..', '..', '..', 'test-results', 'interop-daemon.json')

class SpecWithJson extends Mocha.reporters.Spec {
  constructor (runner, options) {
    super(runner, options)
    const tests = []
    const record = state => test => { tests.push({ title: test.fullTitle(), state }) }
    runner.on(EVENT_TEST_PASS, record('passed'))
    runner.on(EVENT_TEST_PENDING, record('skipped'))
    // a failing hook fails the tests under it: it counts as one failure, named after the hook
    runner.on(EVENT_TEST_FAIL, (test, err) => { tests.push({ title: test.fullTitle(), state: 'failed', error: String(err?.message ?? err) }) })
    runner.once(EVENT_RUN_END, () => {
      const count = state => tests.filter(t => t.state === state).length
      mkdirSync(dirname(OUT), { recursive: true })
      writeFileSync(OUT, JSON.stringify({ passed: count('passed'), failed: count('failed'), skipped: count('skipped'), tests }, null, 2) + '\n')
    })
  }
}

module.exports = SpecWithJson
