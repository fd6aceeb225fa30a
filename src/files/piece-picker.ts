/**
 * Which chunk a download asks a provider for next: rarest first. Of the chunks `eligible` for that provider (free,
 * held by it, not being avoided), the one the fewest providers hold, ties broken by the order of `candidates` (a
 * download keeps its chunks in a random order of its own, so parallel downloaders pick different ones). Chunks
 * only the seeder holds thus leave the seeder first, and every chunk is soon held by several peers.
 */
export function rarestFirst (candidates: Iterable<number>, availability: ArrayLike<number>, eligible: (index: number) => boolean): number | undefined {
  let best: number | undefined
  let bestCount = Number.POSITIVE_INFINITY
  for (const idx of candidates) {
    if (!eligible(idx)) continue
    const n = availability[idx] ?? 0
    if (n < bestCount) {
      best = idx
      bestCount = n
      // held by this provider alone, or by nobody known: none can be rarer
      if (n <= 1) break
    }
  }
  return best
}
