/**
 * Order statistics for benchmark samples: these machines are noisy, so results are medians and percentiles
 * (nearest-rank), never a single time.
 */

/** The p-th percentile (0..100) of `values` by nearest rank; NaN for no values. */
export function percentile (values, p) {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]
}

export function median (values) {
  return percentile(values, 50)
}

/** count, min, p50, p90, p99, max and mean, rounded to 3 decimals. */
export function summarize (values) {
  const r = x => Number.isFinite(x) ? Math.round(x * 1000) / 1000 : null
  const mean = values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length
  return {
    n: values.length,
    min: r(values.length === 0 ? NaN : Math.min(...values)),
    p50: r(percentile(values, 50)),
    p90: r(percentile(values, 90)),
    p99: r(percentile(values, 99)),
    max: r(values.length === 0 ? NaN : Math.max(...values)),
    mean: r(mean)
  }
}

/** a / b rounded to 3 decimals, null when either is missing. */
export function ratio (a, b) {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null
  return Math.round((a / b) * 1000) / 1000
}
