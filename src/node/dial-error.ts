/**
 * What a failed dial says. libp2p's dialer tries a peer's addresses one after another and, when every one fails,
 * throws an `AggregateError` whose message ("All multiaddr dials failed") names none of them. A message queued
 * for a peer it cannot reach should say why: this appends the distinct reasons the aggregate holds (a TCP error
 * names its address; a relay names its refusal), each once with a count, within a length cap.
 */
import { DIAL_ERROR_MAX_CHARS } from './constants.js'

function reasons (err: Error): string[] {
  if (!(err instanceof AggregateError) || !Array.isArray(err.errors)) return []
  const counts = new Map<string, number>()
  for (const e of err.errors as unknown[]) {
    const text = e instanceof Error ? e.message : String(e)
    counts.set(text, (counts.get(text) ?? 0) + 1)
  }
  return [...counts].map(([text, n]) => n > 1 ? `${text} (x${n})` : text)
}

/** An error's message; for an aggregate, followed by `: reason; reason (xN)`, at most `maxChars` long. */
export function dialErrorText (err: unknown, maxChars = DIAL_ERROR_MAX_CHARS): string {
  if (!(err instanceof Error)) return String(err).slice(0, maxChars)
  const parts = reasons(err)
  const text = parts.length > 0 ? `${err.message}: ${parts.join('; ')}` : err.message
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text
}
