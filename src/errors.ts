/**
 * One error class per failure. Callers match on `.name` (it survives duplicated packages); the HTTP layer maps
 * `code` to a status.
 */

export abstract class GossipdError extends Error {
  /** Stable machine-readable code, as returned in API error bodies. */
  abstract readonly code: string
  /** HTTP status the API answers with when this error reaches it. */
  abstract readonly status: number
}

/** A configuration value is missing or invalid. `setting` names it. */
export class ConfigError extends GossipdError {
  static override name = 'ConfigError'
  override name = 'ConfigError'
  readonly code = 'invalid-config'
  readonly status = 500
  constructor (readonly setting: string, message: string) {
    super(`${setting}: ${message}`)
  }
}

/** A string is not a valid peer id. */
export class InvalidPeerIdError extends GossipdError {
  static override name = 'InvalidPeerIdError'
  override name = 'InvalidPeerIdError'
  readonly code = 'invalid-peer-id'
  readonly status = 400
  constructor (value: string) {
    super(`"${value}" is not a valid peer id`)
  }
}

/** A string is not a valid multiaddr. */
export class InvalidMultiaddrError extends GossipdError {
  static override name = 'InvalidMultiaddrError'
  override name = 'InvalidMultiaddrError'
  readonly code = 'invalid-multiaddr'
  readonly status = 400
  constructor (value: string, reason?: string) {
    super(`"${value}" is not a valid multiaddr${reason != null ? `: ${reason}` : ''}`)
  }
}

/** A peer could not be found in the DHT or among connections. */
export class PeerNotFoundError extends GossipdError {
  static override name = 'PeerNotFoundError'
  override name = 'PeerNotFoundError'
  readonly code = 'peer-not-found'
  readonly status = 404
  constructor (peerId: string, detail?: string) {
    super(`peer ${peerId} not found${detail != null ? `: ${detail}` : ''}`)
  }
}

/** A peer was found (or given) but dialing it failed. */
export class DialFailedError extends GossipdError {
  static override name = 'DialFailedError'
  override name = 'DialFailedError'
  readonly code = 'dial-failed'
  readonly status = 502
  constructor (target: string, reason: string) {
    super(`could not connect to ${target}: ${reason}`)
  }
}

/** The node is asked to act before it started or after it stopped. */
export class NotStartedError extends GossipdError {
  static override name = 'NotStartedError'
  override name = 'NotStartedError'
  readonly code = 'not-started'
  readonly status = 503
  constructor (message = 'the node is not running') {
    super(message)
  }
}

/** A request or argument is malformed in a way no schema caught. */
export class InvalidRequestError extends GossipdError {
  static override name = 'InvalidRequestError'
  override name = 'InvalidRequestError'
  readonly code = 'invalid-request'
  readonly status = 400
}

/** The node's identity file exists but cannot be read as a key. */
export class IdentityError extends GossipdError {
  static override name = 'IdentityError'
  override name = 'IdentityError'
  readonly code = 'identity'
  readonly status = 500
}

export function isGossipdError (err: unknown): err is GossipdError {
  return err instanceof GossipdError
}
