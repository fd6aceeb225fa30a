/**
 * Admission of the API's long-lived streams: a fixed number of slots shared by every streaming route, and how
 * long a stream may wait for its reader to drain before it is cut.
 */
import { API_MAX_STREAMS, API_STREAM_DRAIN_TIMEOUT_MS } from './constants.js'
import { TooManyStreamsError } from './errors.js'

export interface StreamLimitsInit {
  /** @default API_MAX_STREAMS */
  maxStreams?: number
  /** @default API_STREAM_DRAIN_TIMEOUT_MS */
  drainTimeoutMs?: number
}

export class StreamSlots {
  readonly max: number
  readonly drainTimeoutMs: number
  private used = 0

  constructor (init: StreamLimitsInit = {}) {
    this.max = init.maxStreams ?? API_MAX_STREAMS
    this.drainTimeoutMs = init.drainTimeoutMs ?? API_STREAM_DRAIN_TIMEOUT_MS
  }

  get open (): number {
    return this.used
  }

  /** Take a slot, or throw `TooManyStreamsError`; the function returned gives it back (once, however often called). */
  take (): () => void {
    if (this.used >= this.max) throw new TooManyStreamsError(this.max)
    this.used++
    let held = true
    return () => {
      if (!held) return
      held = false
      this.used--
    }
  }
}
