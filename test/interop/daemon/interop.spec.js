/**
 * @libp2p/interop's daemon suite, gossipd as the js daemon and p2pd as the go daemon (run by run.js).
 *
 * The suite means a factory's UnsupportedError as "skip this test": its connection tests catch it themselves, its
 * other tests spawn their daemons in `before`/`beforeEach` hooks without a catch. The hooks are wrapped here so
 * that an UnsupportedError skips the hook's tests there too, and any other error still fails them.
 */
import { fileURLToPath } from 'node:url'
import { interopTests } from '@libp2p/interop'
import { createFactory } from './factory.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const p2pd = process.env.P2PD_BIN
if (p2pd == null) throw new Error('P2PD_BIN is not set: run this suite with `npm run test:interop:daemon`')

const factory = createFactory({
  gossipd: `${root}bin/gossipd.js`,
  p2pd,
  logDir: process.env.INTEROP_LOG_DIR ?? `${root}test-results/interop-daemon`
})

const skipped = new Map()

function skippingUnsupported (hook) {
  return (...args) => {
    const fn = args.pop()
    return hook(...args, async function () {
      try {
        return await fn.call(this)
      } catch (err) {
        if (err?.name !== 'UnsupportedError') throw err
        skipped.set(err.message, (skipped.get(err.message) ?? 0) + 1)
        this.skip()
      }
    })
  }
}

globalThis.before = skippingUnsupported(before)
globalThis.beforeEach = skippingUnsupported(beforeEach)

after(async function () {
  await factory.stopAll()
  for (const [reason, hooks] of skipped) {
    process.stdout.write(`  skipped (UnsupportedError, ${hooks} hook${hooks === 1 ? '' : 's'}): ${reason}\n`)
  }
})

await interopTests(factory)
