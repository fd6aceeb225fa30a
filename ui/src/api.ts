/**
 * Every data call of the page: same origin as the page, with the bearer token (if one was entered) on each
 * request. Live streams use fetch streaming rather than EventSource, which cannot send the token.
 */
import { apiClientErrorOf, isApiClientError, type ApiClientError } from '../../src/api/client-error.js'
import { parseSse, type SseEvent } from '../../src/api/sse-parse.js'

export { apiClientError, isApiClientError, type ApiClientError } from '../../src/api/client-error.js'
export type { SseEvent } from '../../src/api/sse-parse.js'

const TOKEN_KEY = 'gossipd.token'

type Listener = (err: ApiClientError) => void
const unauthorizedListeners: Listener[] = []

/** Called whenever the API answers 401, so the page can ask for a token. */
export function onUnauthorized (listener: Listener): void {
  unauthorizedListeners.push(listener)
}

export function getToken (): string | null {
  return localStorage.getItem(TOKEN_KEY)
}

export function setToken (token: string | null): void {
  if (token == null || token === '') localStorage.removeItem(TOKEN_KEY)
  else localStorage.setItem(TOKEN_KEY, token)
}

/** `#token=...` in the address sets the token once (a fragment never reaches the server) and is then removed. */
export function takeTokenFromFragment (): void {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash)
  if (m == null) return
  setToken(decodeURIComponent(m[1]))
  history.replaceState(null, '', location.pathname + location.search)
}

export function headers (extra: Record<string, string> = {}): Record<string, string> {
  const token = getToken()
  return { ...(token != null ? { authorization: `Bearer ${token}` } : {}), ...extra }
}

async function fail (res: Response): Promise<never> {
  const err = await apiClientErrorOf(res)
  if (res.status === 401) unauthorizedListeners.forEach(l => { l(err) })
  throw err
}

export async function request<T> (method: string, path: string, body?: unknown, init: RequestInit = {}): Promise<T> {
  const isRaw = body instanceof Blob || body instanceof ArrayBuffer
  const res = await fetch(path, {
    ...init,
    method,
    headers: headers(body === undefined ? {} : { 'content-type': isRaw ? 'application/octet-stream' : 'application/json' }),
    body: body === undefined ? undefined : isRaw ? body : JSON.stringify(body)
  })
  if (!res.ok) return fail(res)
  const text = await res.text()
  return (text === '' ? undefined : JSON.parse(text)) as T
}

export const get = async <T>(path: string, init?: RequestInit): Promise<T> => request<T>('GET', path, undefined, init)


/**
 * Follow a Server-Sent Events route until `signal` aborts, reconnecting with `Last-Event-ID` after a drop.
 * `onState` tells the page whether the stream is live.
 */
export async function followEvents (path: string, onEvent: (e: SseEvent) => void, opts: { signal: AbortSignal, lastEventId?: string, onState?: (live: boolean, error?: string) => void }): Promise<void> {
  let lastId = opts.lastEventId
  let delay = 500
  while (!opts.signal.aborted) {
    try {
      const res = await fetch(path, { headers: headers({ accept: 'text/event-stream', ...(lastId != null ? { 'last-event-id': lastId } : {}) }), signal: opts.signal })
      if (!res.ok || res.body == null) await fail(res)
      opts.onState?.(true)
      delay = 500
      for await (const e of parseSse(res.body!)) {
        if (e.id != null) lastId = e.id
        onEvent(e)
      }
    } catch (err) {
      if (opts.signal.aborted) return
      opts.onState?.(false, (err as Error).message)
      if (isApiClientError(err) && err.status < 500 && err.status !== 429) return
    }
    opts.onState?.(false)
    await new Promise(resolve => setTimeout(resolve, delay))
    delay = Math.min(delay * 2, 10_000)
  }
}
