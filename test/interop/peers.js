/**
 * Drives the Go and Rust test peers (built by build.js): one process each, a JSON command per stdin line, a JSON
 * answer or event per stdout line. Used by the interop test and by bench/interop.js.
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

/** A command the peer answered with an error, or did not answer in time. */
export class ForeignPeerError extends Error {
  static name = 'ForeignPeerError'
  name = 'ForeignPeerError'
}

// answers to wait for beyond the command's own timeout (a loaded machine)
const ANSWER_GRACE_MS = 10_000
// events kept per peer: far more than a test publishes, and a cap on what a misbehaving peer can grow
const MAX_EVENTS = 100_000

export class ForeignPeer {
  /**
   * @param {'go' | 'rust'} kind
   * @param {string} bin
   * @param {string[]} args
   * @param {string} name
   */
  constructor (kind, bin, args, name) {
    this.kind = kind
    this.name = name
    this.bin = bin
    this.args = args
    this.peerId = ''
    this.addrs = []
    /** @type {Array<Record<string, any>>} */
    this.messages = []
    /** @type {Array<Record<string, any>>} */
    this.dms = []
    this.stderr = ''
    this.nextId = 1
    /** @type {Map<number, {resolve: (v: any) => void, reject: (e: Error) => void, timer: NodeJS.Timeout}>} */
    this.waiting = new Map()
  }

  /** Start the process and wait until it listens. */
  async start (readyTimeoutMs = 30_000) {
    this.child = spawn(this.bin, this.args, { stdio: ['pipe', 'pipe', 'pipe'] })
    this.child.stderr.on('data', d => { this.stderr = (this.stderr + d.toString()).slice(-8192) })
    const lines = createInterface({ input: this.child.stdout })
    const ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new ForeignPeerError(`${this.name} not ready in ${readyTimeoutMs} ms: ${this.stderr}`)), readyTimeoutMs)
      this.child.once('exit', code => { clearTimeout(timer); reject(new ForeignPeerError(`${this.name} exited with ${code}: ${this.stderr}`)) })
      this.onReady = ev => { clearTimeout(timer); resolve(ev) }
    })
    lines.on('line', line => this.line(line))
    const ev = await ready
    this.peerId = ev.peerId
    this.addrs = ev.addrs
    return this
  }

  line (line) {
    let msg
    try { msg = JSON.parse(line) } catch { return }
    if (msg.event === 'ready') this.onReady?.(msg)
    else if (msg.event === 'message') { if (this.messages.length < MAX_EVENTS) this.messages.push(msg) } else if (msg.event === 'dm') { if (this.dms.length < MAX_EVENTS) this.dms.push(msg) } else if (msg.id != null) {
      const w = this.waiting.get(msg.id)
      if (w == null) return
      this.waiting.delete(msg.id)
      clearTimeout(w.timer)
      if (msg.ok) w.resolve(msg.result)
      else w.reject(new ForeignPeerError(`${this.name} ${msg.error}`))
    }
  }

  /** The first listen address with the peer id: what another node dials. */
  get multiaddr () {
    return `${this.addrs[0]}/p2p/${this.peerId}`
  }

  /**
   * Run one command; resolves with its result.
   * @param {string} cmd
   * @param {Record<string, unknown>} [args]
   */
  async call (cmd, args = {}) {
    const id = this.nextId++
    const timeoutMs = Number(args.timeoutMs ?? 30_000)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id)
        reject(new ForeignPeerError(`${this.name} did not answer ${cmd} in time`))
      }, timeoutMs + ANSWER_GRACE_MS)
      this.waiting.set(id, { resolve, reject, timer })
      this.child.stdin.write(JSON.stringify({ id, cmd, ...args }) + '\n')
    })
  }

  /** CPU seconds the process has used, from /proc. */
  async cpuSeconds () {
    const { readFile } = await import('node:fs/promises')
    const stat = await readFile(`/proc/${this.child.pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  }

  async stop () {
    if (this.child == null || this.child.exitCode != null) return
    const exited = new Promise(resolve => this.child.once('exit', resolve))
    this.child.kill('SIGTERM')
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(t)
  }
}

/**
 * Start a Go peer.
 * @param {string} bin
 * @param {{ name: string, bootstrap?: string[], filesDir?: string, extraArgs?: string[] }} opts
 */
export async function startGoPeer (bin, opts) {
  const args = ['--nick', opts.name]
  if (opts.bootstrap != null) args.push('--bootstrap', opts.bootstrap.join(','))
  if (opts.filesDir != null) args.push('--files-dir', opts.filesDir)
  return new ForeignPeer('go', bin, [...args, ...(opts.extraArgs ?? [])], opts.name).start()
}

/**
 * Start a Rust peer.
 * @param {string} bin
 * @param {{ name: string, bootstrap?: string[], extraArgs?: string[] }} opts
 */
export async function startRustPeer (bin, opts) {
  const args = []
  if (opts.bootstrap != null) args.push('--bootstrap', opts.bootstrap.join(','))
  return new ForeignPeer('rust', bin, [...args, ...(opts.extraArgs ?? [])], opts.name).start()
}
