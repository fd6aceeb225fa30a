/**
 * A small client of a running node's HTTP API, for the CLI commands that only read or drive a node.
 */
import { DEFAULT_API } from '../constants.js'

export interface ClientOptions {
  api?: string
  token?: string
}

export class ApiClientError extends Error {
  static override name = 'ApiClientError'
  override name = 'ApiClientError'
  constructor (readonly status: number, readonly code: string, message: string) {
    super(message)
  }
}

export class ApiClient {
  readonly base: string
  private readonly token?: string

  constructor (opts: ClientOptions = {}) {
    const api = opts.api ?? process.env.GOSSIPD_API ?? DEFAULT_API
    this.base = /^https?:\/\//.test(api) ? api.replace(/\/$/, '') : `http://${api}`
    this.token = opts.token ?? process.env.GOSSIPD_API_TOKEN
  }

  headers (extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.token != null ? { authorization: `Bearer ${this.token}` } : {}), ...extra }
  }

  async request<T> (method: string, path: string, body?: unknown): Promise<T> {
    let res: Response
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: this.headers(body !== undefined ? { 'content-type': 'application/json' } : {}),
        body: body !== undefined ? JSON.stringify(body) : undefined
      })
    } catch (err) {
      throw new ApiClientError(0, 'unreachable', `cannot reach the node's API at ${this.base}: ${(err as Error).message}`)
    }
    const text = await res.text()
    const json = text.length > 0 ? JSON.parse(text) as unknown : undefined
    if (!res.ok) {
      const e = (json as { error?: { code?: string, message?: string } } | undefined)?.error
      throw new ApiClientError(res.status, e?.code ?? 'http-error', e?.message ?? `HTTP ${res.status}`)
    }
    return json as T
  }

  async get<T> (path: string): Promise<T> { return this.request<T>('GET', path) }
  async post<T> (path: string, body?: unknown): Promise<T> { return this.request<T>('POST', path, body ?? {}) }
}
