/**
 * A small client of a running node's HTTP API, for the CLI commands that only read or drive a node. Where the API
 * is and its token come from the flags, else from the same environment variables `gossipd start` reads
 * (`SETTINGS`); a failed answer becomes an `ApiClientError`, read as the dashboard reads it.
 */
import { ApiClientError, apiClientErrorOf } from '../api/client-error.js'
import { settingFromEnv } from '../config.js'
import { DEFAULT_API } from '../constants.js'

export interface ClientOptions {
  api?: string
  token?: string
  /** @default process.env */
  env?: Record<string, string | undefined>
}

export class ApiClient {
  readonly base: string
  private readonly token?: string

  constructor (opts: ClientOptions = {}) {
    const env = opts.env ?? process.env
    const api = opts.api ?? settingFromEnv('api', env) ?? DEFAULT_API
    this.base = /^https?:\/\//.test(api) ? api.replace(/\/$/, '') : `http://${api}`
    this.token = opts.token ?? settingFromEnv('apiToken', env)
  }

  headers (extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.token != null ? { authorization: `Bearer ${this.token}` } : {}), ...extra }
  }

  /** Fetch `path` with the token; throws an `ApiClientError` when the API cannot be reached or answers an error. */
  async fetch (path: string, init: RequestInit = {}): Promise<Response> {
    let res: Response
    try {
      res = await fetch(`${this.base}${path}`, { ...init, headers: this.headers(init.headers as Record<string, string> | undefined) })
    } catch (err) {
      throw new ApiClientError(0, 'unreachable', `cannot reach the node's API at ${this.base}: ${(err as Error).message}`)
    }
    if (!res.ok) throw await apiClientErrorOf(res)
    return res
  }

  async request<T> (method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.fetch(path, {
      method,
      headers: body !== undefined ? { 'content-type': 'application/json' } : {},
      body: body !== undefined ? JSON.stringify(body) : undefined
    })
    const text = await res.text()
    return (text.length > 0 ? JSON.parse(text) : undefined) as T
  }

  async get<T> (path: string): Promise<T> { return this.request<T>('GET', path) }
  async post<T> (path: string, body?: unknown): Promise<T> { return this.request<T>('POST', path, body ?? {}) }
}
