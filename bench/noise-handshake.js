/**
 * Cost of the Noise XX handshake's cryptography in a fresh process, as a joining node pays it: a new node makes
 * about 20 handshakes, too few for V8 to optimise JavaScript it runs only then. Noise's default crypto (its key
 * derivation in JavaScript, both X25519 keys imported into OpenSSL for every Diffie-Hellman) against gossipd's
 * (src/node/noise-crypto.ts: OpenSSL's HKDF, each key imported once). Each round starts one process per crypto,
 * alternating, which runs `--handshakes` whole handshakes (both ends, in memory: ephemeral keys, three
 * Diffie-Hellmans and four key derivations a side, the hashing and the encrypted static keys and payloads) with
 * the V8 flags node processes run with, and reports its CPU for them. The identity signatures in the payload are
 * left out: they are the same either way. Every handshake must end with both sides holding the same session keys,
 * or the round throws.
 *
 *   npm run build && node bench/noise-handshake.js [--handshakes=20] [--rounds=9]
 */
import { fileURLToPath } from 'node:url'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { noiseCrypto } from '../dist/src/node/noise-crypto.js'
import { isMain, parseArgs } from './lib/args.js'
import { spawnJson, stopChild } from './lib/children.js'
import { writeResult } from './lib/report.js'
import { median } from './lib/stats.js'

export const DEFAULTS = { handshakes: 20, rounds: 9 }

/** The handshake state machine of the Noise package (not among its exports; the same code a node runs). */
async function handshakeState () {
  const base = new URL('../node_modules/@chainsafe/libp2p-noise/dist/src/', import.meta.url)
  const { XXHandshakeState, ZEROLEN } = await import(new URL('protocol.js', base))
  const { wrapCrypto } = await import(new URL('crypto.js', base))
  return { XXHandshakeState, ZEROLEN, wrapCrypto }
}

/** `n` whole handshakes with `which` crypto; the CPU microseconds they took, per handshake (both ends). */
async function handshakes (which, n) {
  const { XXHandshakeState, ZEROLEN, wrapCrypto } = await handshakeState()
  const crypto = wrapCrypto(which === 'gossipd' ? noiseCrypto : defaultCrypto)
  const payload = new Uint8Array(100).fill(7)
  const init = { crypto, protocolName: 'Noise_XX_25519_ChaChaPoly_SHA256', prologue: ZEROLEN }
  const staticA = crypto.generateKeypair()
  const staticB = crypto.generateKeypair()
  const c0 = process.cpuUsage()
  for (let i = 0; i < n; i++) {
    const a = new XXHandshakeState({ ...init, initiator: true, s: staticA })
    const b = new XXHandshakeState({ ...init, initiator: false, s: staticB })
    b.readMessageA(a.writeMessageA(ZEROLEN))
    a.readMessageB(b.writeMessageB(payload))
    b.readMessageC(a.writeMessageC(payload))
    const [a1] = a.ss.split()
    const [b1] = b.ss.split()
    if (Buffer.compare(Buffer.from(a1.k), Buffer.from(b1.k)) !== 0) throw new Error('the two ends derived different session keys')
  }
  const c = process.cpuUsage(c0)
  return (c.user + c.system) / n
}

/** One fresh process with the node processes' V8 flags: its CPU per handshake, the one line it prints. */
async function inChild (which, n) {
  const { child, value } = await spawnJson(fileURLToPath(import.meta.url), [`--child=${which}`, `--handshakes=${n}`])
  await stopChild(child)
  return value
}

export async function run (opts = {}) {
  const o = { ...DEFAULTS, ...opts }
  const noise = []
  const gossipd = []
  for (let r = 0; r < o.rounds; r++) {
    noise.push(await inChild('noise', o.handshakes))
    gossipd.push(await inChild('gossipd', o.handshakes))
  }
  return { params: o, cpuUsPerHandshake: { noise: median(noise), gossipd: median(gossipd) }, rounds: { noise, gossipd } }
}

if (isMain(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2), { ...DEFAULTS, child: '' })
  if (args.child !== '') {
    process.stdout.write(`${await handshakes(args.child, args.handshakes)}\n`)
  } else {
    const r = await run(args)
    const { noise, gossipd } = r.cpuUsPerHandshake
    process.stdout.write(`Noise XX handshake cryptography, both ends, the first ${r.params.handshakes} handshakes of a fresh process (median of ${r.params.rounds}): ${noise.toFixed(0)} us with Noise's default crypto, ${gossipd.toFixed(0)} us with gossipd's (${(gossipd / noise).toFixed(2)} of it)\n`)
    process.stdout.write(`written ${await writeResult('noise-handshake', r)}\n`)
  }
}
