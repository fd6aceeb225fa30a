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

/** A file name is empty, too long, or looks like a path (names are labels, never paths). */
export class InvalidFileNameError extends GossipdError {
  static override name = 'InvalidFileNameError'
  override name = 'InvalidFileNameError'
  readonly code = 'invalid-file-name'
  readonly status = 400
}

/** A string is not a file id (a CID of a manifest). */
export class InvalidFileIdError extends GossipdError {
  static override name = 'InvalidFileIdError'
  override name = 'InvalidFileIdError'
  readonly code = 'invalid-file-id'
  readonly status = 400
  constructor (value: string) {
    super(`"${value}" is not a file id`)
  }
}

/** No file with this id is in the local store. */
export class FileNotFoundError extends GossipdError {
  static override name = 'FileNotFoundError'
  override name = 'FileNotFoundError'
  readonly code = 'file-not-found'
  readonly status = 404
  constructor (id: string) {
    super(`no file ${id} in the store`)
  }
}

/** An upload is larger than the node's `--max-file-size`. */
export class FileTooLargeError extends GossipdError {
  static override name = 'FileTooLargeError'
  override name = 'FileTooLargeError'
  readonly code = 'file-too-large'
  readonly status = 413
  constructor (limit: number) {
    super(`the file is larger than this node's limit of ${limit} bytes (--max-file-size)`)
  }
}

/** A requested byte range lies outside the file. */
export class RangeNotSatisfiableError extends GossipdError {
  static override name = 'RangeNotSatisfiableError'
  override name = 'RangeNotSatisfiableError'
  readonly code = 'range-not-satisfiable'
  readonly status = 416
}

/** No download job with this id. */
export class DownloadNotFoundError extends GossipdError {
  static override name = 'DownloadNotFoundError'
  override name = 'DownloadNotFoundError'
  readonly code = 'download-not-found'
  readonly status = 404
  constructor (id: string) {
    super(`no download ${id}`)
  }
}

/** A peer answered a files or index request with an error, a malformed frame or data that fails its hash. */
export class FileTransferError extends GossipdError {
  static override name = 'FileTransferError'
  override name = 'FileTransferError'
  readonly code = 'file-transfer'
  readonly status = 502
}

/** A topic publish found no peer subscribed to the topic: nobody would receive it. */
export class NoSubscribersError extends GossipdError {
  static override name = 'NoSubscribersError'
  override name = 'NoSubscribersError'
  readonly code = 'no-subscribers'
  readonly status = 409
  constructor (topic: string) {
    super(`no peer is subscribed to topic "${topic}": the message was not sent`)
  }
}

/** A message body exceeds the configured size limit. */
export class MessageTooLargeError extends GossipdError {
  static override name = 'MessageTooLargeError'
  override name = 'MessageTooLargeError'
  readonly code = 'message-too-large'
  readonly status = 413
  constructor (size: number, limit: number) {
    super(`message of ${size} bytes exceeds the limit of ${limit} bytes`)
  }
}

/** A topic validator refused a message this node was asked to publish. */
export class MessageRejectedError extends GossipdError {
  static override name = 'MessageRejectedError'
  override name = 'MessageRejectedError'
  readonly code = 'message-rejected'
  readonly status = 422
}

/** A live stream reader fell too far behind and was cut off; it may resume from the history. */
export class SlowReaderError extends GossipdError {
  static override name = 'SlowReaderError'
  override name = 'SlowReaderError'
  readonly code = 'slow-reader'
  readonly status = 503
  constructor (limit: number) {
    super(`stream reader fell ${limit} messages behind and was dropped; resume with the last sequence number`)
  }
}

/** A direct-message peer broke the protocol (bad frame, wrong sender, missing ack). */
export class DirectProtocolError extends GossipdError {
  static override name = 'DirectProtocolError'
  override name = 'DirectProtocolError'
  readonly code = 'dm-protocol'
  readonly status = 502
}

/** An operation that only uses an open connection found none to the peer. */
export class NotConnectedError extends GossipdError {
  static override name = 'NotConnectedError'
  override name = 'NotConnectedError'
  readonly code = 'not-connected'
  readonly status = 409

  constructor (peer: string) {
    super(`not connected to ${peer}`)
  }
}

/** A history peer broke the protocol (bad request or answer, a message of another topic). */
export class HistoryProtocolError extends GossipdError {
  static override name = 'HistoryProtocolError'
  override name = 'HistoryProtocolError'
  readonly code = 'history-protocol'
  readonly status = 502
}

/** A peer broke the AutoNAT protocol while answering a reachability probe (bad frame, no status). */
export class AutonatProtocolError extends GossipdError {
  static override name = 'AutonatProtocolError'
  override name = 'AutonatProtocolError'
  readonly code = 'autonat-protocol'
  readonly status = 502
}

export function isGossipdError (err: unknown): err is GossipdError {
  return err instanceof GossipdError
}
