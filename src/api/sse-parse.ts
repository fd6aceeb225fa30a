/**
 * Server-Sent Events as the API's streaming routes write them (`id:`, `event:`, `data:` lines, a blank line
 * between events), read by the CLI (`gossipd get`'s progress) and the dashboard's live panels alike. Imports
 * nothing, so the dashboard can bundle it.
 */

export interface SseEvent {
  id?: string
  /** @default 'message' */
  event: string
  /** The `data:` lines joined by newlines. */
  data: string
}

/** The events of an SSE body as they arrive; comment lines and events without data are skipped. */
export async function * parseSse (body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += decoder.decode(value, { stream: true })
      let end: number
      while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '')
        const e = parseBlock(block)
        if (e != null) yield e
      }
    }
  } finally {
    // a reader that stops early closes the stream (and its connection) rather than leave it open
    await reader.cancel().catch(() => undefined)
  }
}

function parseBlock (block: string): SseEvent | undefined {
  const e: SseEvent = { event: 'message', data: '' }
  const data: string[] = []
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(':')) continue
    const i = line.indexOf(':')
    const field = i < 0 ? line : line.slice(0, i)
    const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '')
    if (field === 'data') data.push(value)
    else if (field === 'event') e.event = value
    else if (field === 'id') e.id = value
  }
  if (data.length === 0) return undefined
  e.data = data.join('\n')
  return e
}
