/**
 * The swarm's HTTP APIs driven with curl, as a user would: one curl process per request, the token in a
 * bearer header, the status code read from `--write-out`.
 */
import { execFile } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'

function parseJson (text) {
  try {
    return text === '' ? null : JSON.parse(text)
  } catch {
    return null
  }
}

/** A node's API as published on the host. */
export class NodeApi {
  /**
   * @param {string} name container name
   * @param {number} port host port its API is published on (127.0.0.1)
   * @param {string} token bearer token
   */
  constructor (name, port, token) {
    this.name = name
    this.port = port
    this.token = token
    this.peerId = ''
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {{ json?: unknown, text?: string, file?: string, output?: string, timeoutS?: number, token?: string | null }} [options]
   *   `token`: another bearer token, or null for none
   * @returns {Promise<{ status: number, body: any, raw: string }>} status 0 when curl could not connect
   */
  request (method, path, options = {}) {
    const args = ['-sS', '-X', method, '--max-time', String(options.timeoutS ?? 30), '-w', '\n%{http_code}']
    const token = options.token === undefined ? this.token : options.token
    if (token != null) {
      args.push('-H', `Authorization: Bearer ${token}`)
    }
    if (options.json !== undefined) {
      args.push('-H', 'content-type: application/json', '--data-binary', JSON.stringify(options.json))
    } else if (options.text !== undefined) {
      args.push('-H', 'content-type: text/plain', '--data-binary', options.text)
    } else if (options.file !== undefined) {
      args.push('-H', 'content-type: application/octet-stream', '--data-binary', `@${options.file}`)
    }
    if (options.output !== undefined) {
      args.push('-o', options.output)
    }
    args.push(`http://127.0.0.1:${this.port}${path}`)
    return new Promise((resolve) => {
      execFile('curl', args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
        const text = String(stdout)
        const cut = text.lastIndexOf('\n')
        const status = Number(text.slice(cut + 1)) || 0
        const raw = cut >= 0 ? text.slice(0, cut) : ''
        if (err != null && status === 0) {
          resolve({ status: 0, body: null, raw: String(err.message) })
          return
        }
        resolve({ status, body: parseJson(raw), raw })
      })
    })
  }

  /**
   * An idempotent request, retried when curl gets no answer at all (a node starved of CPU on a busy machine can
   * miss a deadline); any HTTP answer, errors included, is returned as it is.
   */
  async idempotent (method, path, options, attempts = 3) {
    let res
    for (let i = 0; i < attempts; i++) {
      res = await this.request(method, path, options)
      if (res.status !== 0) return res
      await sleep(1000)
    }
    return res
  }

  get (path, options) { return this.idempotent('GET', path, options) }
  put (path, options) { return this.idempotent('PUT', path, options) }
  post (path, options) { return this.request('POST', path, options) }
}

/** A route that answers 404 with fastify's "Route ... not found" does not exist on this build. */
export function isMissingRoute (res) {
  return res.status === 404 && /Route .* not found/i.test(res.raw)
}

/**
 * Poll `probe` until it returns a truthy value or the deadline passes; answers the value, or null on timeout.
 * @template T
 * @param {() => Promise<T>} probe
 * @param {{ timeoutMs: number, intervalMs?: number }} options
 * @returns {Promise<T | null>}
 */
export async function waitFor (probe, { timeoutMs, intervalMs = 2000 }) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() >= deadline) return null
    await sleep(intervalMs)
  }
}

/** Run `fn` over `items` with at most `limit` at once (curl processes are cheap, but 2 cores are not). */
export async function mapLimit (items, limit, fn) {
  const out = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i], i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

/** Percentile of numbers (nearest rank). */
export function percentile (values, p) {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1))]
}
