/**
 * How often a download looks for providers in the DHT: every FILES_PROVIDER_REFRESH_MS while nobody can be asked,
 * less and less often while providers answer (fellow downloaders find each other through `have` answers).
 */
import { describe, expect, it } from 'vitest'
import { FILES_PROVIDER_REFRESH_MAX_MS, FILES_PROVIDER_REFRESH_MS } from '../../src/files/constants.js'
import { nextProviderLookupMs } from '../../src/files/provider-lookups.js'

describe('nextProviderLookupMs', () => {
  it('doubles the wait while providers can be asked, up to the maximum', () => {
    const waits: number[] = []
    let wait: number | undefined
    for (let i = 0; i < 8; i++) waits.push(wait = nextProviderLookupMs(wait, true))
    const base = FILES_PROVIDER_REFRESH_MS
    expect(waits.slice(0, 4)).toEqual([base, base * 2, base * 4, base * 8].map(w => Math.min(w, FILES_PROVIDER_REFRESH_MAX_MS)))
    expect(waits.at(-1)).toBe(FILES_PROVIDER_REFRESH_MAX_MS)
    expect(waits.every((w, i) => i === 0 || w >= waits[i - 1])).toBe(true)
  })

  it('goes back to the shortest wait once no provider can be asked', () => {
    let wait: number | undefined
    for (let i = 0; i < 5; i++) wait = nextProviderLookupMs(wait, true)
    expect(wait).toBeGreaterThan(FILES_PROVIDER_REFRESH_MS)
    expect(nextProviderLookupMs(wait, false)).toBe(FILES_PROVIDER_REFRESH_MS)
    expect(nextProviderLookupMs(undefined, false)).toBe(FILES_PROVIDER_REFRESH_MS)
  })
})
