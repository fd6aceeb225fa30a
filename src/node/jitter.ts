/**
 * Periods and delays moved at random, so that nodes started together, or retries begun together, drift apart.
 */

/** `ms` moved at random by up to `share` of itself either way (0.2: 80-120 %). */
export function jittered (ms: number, share: number, random: () => number = Math.random): number {
  return Math.round(ms * (1 + share * (2 * random() - 1)))
}
