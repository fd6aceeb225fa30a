/**
 * Follow a live NDJSON message stream of the node's API, reconnecting (from the last sequence number seen, so
 * nothing is missed or repeated) when it ends: the node restarted, or cut off a reader that fell behind.
 */
import { apiClientErrorOf } from '../api/client-error.js'
import type { MessageView } from '../messaging/body.js'

export interface FollowOptions {
  url: string
  headers: Record<string, string>
  onMessage(m: MessageView): void
  onError?(err: Error): void
  /** Wait before reconnecting. @default 1000 */
  retryMs?: number
}

export interface Follower {
  stop(): void
}

export function follow (opts: FollowOptions): Follower {
  const ctrl = new AbortController()
  let after: number | undefined
  void (async () => {
    while (!ctrl.signal.aborted) {
      try {
        const url = after != null ? `${opts.url}${opts.url.includes('?') ? '&' : '?'}after=${after}` : opts.url
        const res = await fetch(url, { headers: { ...opts.headers, accept: 'application/x-ndjson' }, signal: ctrl.signal })
        if (!res.ok) throw await apiClientErrorOf(res)
        if (res.body == null) throw new Error('the stream answered without a body')
        const decoder = new TextDecoder()
        let buf = ''
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buf += decoder.decode(chunk, { stream: true })
          let i: number
          while ((i = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, i).trim()
            buf = buf.slice(i + 1)
            if (line === '') continue
            const v = JSON.parse(line) as MessageView | { error: { message: string } }
            if ('error' in v) throw new Error(v.error.message)
            after = v.seq
            opts.onMessage(v)
          }
        }
      } catch (err) {
        if (ctrl.signal.aborted) return
        opts.onError?.(err as Error)
      }
      await new Promise(resolve => setTimeout(resolve, opts.retryMs ?? 1000))
    }
  })()
  return { stop: () => { ctrl.abort() } }
}
