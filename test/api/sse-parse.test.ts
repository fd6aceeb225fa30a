/**
 * The SSE reader the CLI and the dashboard share: events split across chunks, CRLF line ends, comments, several
 * data lines, ids and event names; a reader that stops early closes the stream.
 */
import { describe, expect, it } from 'vitest'
import { parseSse, type SseEvent } from '../../src/api/sse-parse.js'

function body (chunks: string[], onCancel?: () => void): ReadableStream<Uint8Array> {
  const enc = new TextEncoder()
  return new ReadableStream({
    start (ctrl) {
      for (const c of chunks) ctrl.enqueue(enc.encode(c))
      if (onCancel == null) ctrl.close()
    },
    cancel () { onCancel?.() }
  })
}

async function all (stream: ReadableStream<Uint8Array>): Promise<SseEvent[]> {
  const out: SseEvent[] = []
  for await (const e of parseSse(stream)) out.push(e)
  return out
}

describe('parseSse', () => {
  it('reads events split anywhere, with ids, names, comments and multi-line data', async () => {
    const text = ': keep-alive\n\nid: 7\nevent: status\ndata: {"a":\ndata: 1}\n\r\n\r\ndata:no space\r\n\r\nevent: empty\n\n'
    const whole = await all(body([text]))
    expect(whole).toEqual([
      { id: '7', event: 'status', data: '{"a":\n1}' },
      { event: 'message', data: 'no space' }
    ])
    // the same bytes one character at a time
    expect(await all(body([...text]))).toEqual(whole)
  })

  it('cancels the stream when the reader stops early', async () => {
    let cancelled = false
    for await (const e of parseSse(body(['data: 1\n\ndata: 2\n\n'], () => { cancelled = true }))) {
      expect(e.data).toBe('1')
      break
    }
    expect(cancelled).toBe(true)
  })
})
