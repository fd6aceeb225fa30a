/**
 * Cost of signing one topic message: @libp2p/crypto's Ed25519 key as it comes, against the same key with the
 * node's cached signer (src/node/identity.ts). Checks both give the same, valid signature. Then the cost of
 * checking one, as every subscriber does for every message: @libp2p/crypto's verify, against the same with the
 * author's key object cached (src/node/verify-cache.ts).
 *
 *   npm run build && node bench/sign.js [--signs=20000]
 */
import { generateKeyPair, privateKeyFromRaw } from '@libp2p/crypto/keys'
import { withCachedSigner } from '../dist/src/node/identity.js'
import { cacheEd25519Verification } from '../dist/src/node/verify-cache.js'
import { isMain, parseArgs } from './lib/args.js'
import { median } from './lib/stats.js'

export const DEFAULTS = { signs: 20_000, rounds: 3 }

function usPerVerify (publicKey, message, sig, n) {
  const c0 = process.cpuUsage()
  for (let i = 0; i < n; i++) if (publicKey.verify(message, sig) !== true) throw new Error('a valid signature did not verify')
  const c = process.cpuUsage(c0)
  return (c.user + c.system) / n
}

function usPerSign (key, message, n) {
  const c0 = process.cpuUsage()
  for (let i = 0; i < n; i++) key.sign(message)
  const c = process.cpuUsage(c0)
  return (c.user + c.system) / n
}

export async function run (opts = {}) {
  const o = { ...DEFAULTS, ...opts }
  const plain = await generateKeyPair('Ed25519')
  const cached = withCachedSigner(privateKeyFromRaw(plain.raw))
  const message = new Uint8Array(1100).fill(1)
  const sig = cached.sign(message)
  if (!plain.publicKey.verify(message, sig) || Buffer.compare(Buffer.from(sig), Buffer.from(plain.sign(message))) !== 0) throw new Error('the cached signer signs differently')
  const a = []
  const b = []
  for (let r = 0; r < o.rounds; r++) {
    a.push(usPerSign(plain, message, o.signs))
    b.push(usPerSign(cached, message, o.signs))
  }
  // verification is patched process-wide, so the library's rounds all come first
  const v1 = []
  const v2 = []
  for (let r = 0; r < o.rounds; r++) v1.push(usPerVerify(plain.publicKey, message, sig, o.signs))
  cacheEd25519Verification()
  for (let r = 0; r < o.rounds; r++) v2.push(usPerVerify(plain.publicKey, message, sig, o.signs))
  return { params: o, cpuUsPerSign: { libp2p: median(a), cached: median(b) }, cpuUsPerVerify: { libp2p: median(v1), cached: median(v2) } }
}

if (isMain(import.meta.url)) {
  const r = await run(parseArgs(process.argv.slice(2), DEFAULTS))
  process.stdout.write(`Ed25519 sign, CPU per signature: ${r.cpuUsPerSign.libp2p.toFixed(1)} us as @libp2p/crypto does it, ${r.cpuUsPerSign.cached.toFixed(1)} us with the key imported once\n`)
  process.stdout.write(`Ed25519 verify, CPU per check: ${r.cpuUsPerVerify.libp2p.toFixed(1)} us as @libp2p/crypto does it, ${r.cpuUsPerVerify.cached.toFixed(1)} us with the author's key object cached\n`)
}
