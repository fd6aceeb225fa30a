import console from 'node:console'

const started = Date.now()

/** One progress line, prefixed with the seconds since the run started. */
export function log (message) {
  console.log(`[compose ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${message}`)
}
