/**
 * One error class per failure. Callers match on `.name` (it survives duplicated packages and bundling), never with
 * `instanceof`; the HTTP API maps `code` to a status (src/api/errors.ts). Domain errors know nothing of HTTP.
 */

const BRAND = Symbol.for('gossipd.error')

/**
 * The base of every gossipd error: `name` is the class's own static `name` (set explicitly in each class, so
 * minified or duplicated code keeps it), `code` a stable machine-readable string returned in API error bodies.
 */
export abstract class GossipdError extends Error {
  abstract readonly code: string
  /** Brand read by `isGossipdError`; a registered symbol, so it holds across duplicated copies of this module. */
  readonly [BRAND] = true
  constructor (message?: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}

/** A configuration value is missing or invalid. `setting` names it. */
export class ConfigError extends GossipdError {
  static override name = 'ConfigError'
  readonly code = 'invalid-config'
  constructor (readonly setting: string, message: string) {
    super(`${setting}: ${message}`)
  }
}

/** A string is not a valid peer id. */
export class InvalidPeerIdError extends GossipdError {
  static override name = 'InvalidPeerIdError'
  readonly code = 'invalid-peer-id'
  constructor (value: string) {
    super(`"${value}" is not a valid peer id`)
  }
}

/** A string is not a valid multiaddr. */
export class InvalidMultiaddrError extends GossipdError {
  static override name = 'InvalidMultiaddrError'
  readonly code = 'invalid-multiaddr'
  constructor (value: string, reason?: string) {
    super(`"${value}" is not a valid multiaddr${reason != null ? `: ${reason}` : ''}`)
  }
}

/** A peer could not be found in the DHT or among connections. */
export class PeerNotFoundError extends GossipdError {
  static override name = 'PeerNotFoundError'
  readonly code = 'peer-not-found'
  constructor (peerId: string, detail?: string) {
    super(`peer ${peerId} not found${detail != null ? `: ${detail}` : ''}`)
  }
}

/** A peer was found (or given) but dialing it failed. */
export class DialFailedError extends GossipdError {
  static override name = 'DialFailedError'
  readonly code = 'dial-failed'
  constructor (target: string, reason: string) {
    super(`could not connect to ${target}: ${reason}`)
  }
}

/** The node is asked to act before it started or after it stopped. */
export class NotStartedError extends GossipdError {
  static override name = 'NotStartedError'
  readonly code = 'not-started'
  constructor (message = 'the node is not running') {
    super(message)
  }
}

/** A request or argument is malformed in a way no schema caught. */
export class InvalidRequestError extends GossipdError {
  static override name = 'InvalidRequestError'
  readonly code = 'invalid-request'
}

/** The node's identity file exists but cannot be read as a key. */
export class IdentityError extends GossipdError {
  static override name = 'IdentityError'
  readonly code = 'identity'
}

/** A file name is empty, too long, or looks like a path (names are labels, never paths). */
export class InvalidFileNameError extends GossipdError {
  static override name = 'InvalidFileNameError'
  readonly code = 'invalid-file-name'
}

/** A string is not a file id (a CID of a manifest). */
export class InvalidFileIdError extends GossipdError {
  static override name = 'InvalidFileIdError'
  readonly code = 'invalid-file-id'
  constructor (value: string) {
    super(`"${value}" is not a file id`)
  }
}

/** No file with this id is in the local store. */
export class FileNotFoundError extends GossipdError {
  static override name = 'FileNotFoundError'
  readonly code = 'file-not-found'
  constructor (id: string) {
    super(`no file ${id} in the store`)
  }
}

/** An upload is larger than the node's `--max-file-size`. */
export class FileTooLargeError extends GossipdError {
  static override name = 'FileTooLargeError'
  readonly code = 'file-too-large'
  constructor (limit: number) {
    super(`the file is larger than this node's limit of ${limit} bytes (--max-file-size)`)
  }
}

/** A requested byte range lies outside the file. */
export class RangeNotSatisfiableError extends GossipdError {
  static override name = 'RangeNotSatisfiableError'
  readonly code = 'range-not-satisfiable'
}

/** No download job with this id. */
export class DownloadNotFoundError extends GossipdError {
  static override name = 'DownloadNotFoundError'
  readonly code = 'download-not-found'
  constructor (id: string) {
    super(`no download ${id}`)
  }
}

/** A peer answered a files or index request with an error, a malformed frame or data that fails its hash. */
export class FileTransferError extends GossipdError {
  static override name = 'FileTransferError'
  readonly code = 'file-transfer'
}

/** A local store is at its cap (outbox, files, downloads, topics); `what` names the cap and its setting. */
export class StorageFullError extends GossipdError {
  static override name = 'StorageFullError'
  readonly code = 'storage-full'
  constructor (what: string) {
    super(`${what}; free some before adding more`)
  }
}

/** A count the node caps (download jobs running, topics subscribed) is at its cap. */
export class LimitReachedError extends GossipdError {
  static override name = 'LimitReachedError'
  readonly code = 'limit-reached'
  constructor (what: string) {
    super(what)
  }
}

/** A topic publish found no peer subscribed to the topic: nobody would receive it. */
export class NoSubscribersError extends GossipdError {
  static override name = 'NoSubscribersError'
  readonly code = 'no-subscribers'
  constructor (topic: string) {
    super(`no peer is subscribed to topic "${topic}": the message was not sent`)
  }
}

/** A message body exceeds the configured size limit. */
export class MessageTooLargeError extends GossipdError {
  static override name = 'MessageTooLargeError'
  readonly code = 'message-too-large'
  constructor (size: number, limit: number) {
    super(`message of ${size} bytes exceeds the limit of ${limit} bytes`)
  }
}

/** A topic validator refused a message this node was asked to publish. */
export class MessageRejectedError extends GossipdError {
  static override name = 'MessageRejectedError'
  readonly code = 'message-rejected'
}

/** Gossipsub published a message without asking this node for its id: the id function is not ours. */
export class MissingMessageIdError extends GossipdError {
  static override name = 'MissingMessageIdError'
  readonly code = 'missing-message-id'
  constructor (topic: string) {
    super(`gossipsub published to topic "${topic}" without computing a message id (is msgIdFn the messaging feature's?)`)
  }
}

/** A live stream reader fell too far behind and was cut off; it may resume from the history. */
export class SlowReaderError extends GossipdError {
  static override name = 'SlowReaderError'
  readonly code = 'slow-reader'
  /** `behind`: how far, e.g. "1024 messages". */
  constructor (behind: string) {
    super(`stream reader fell ${behind} behind and was dropped; resume with the last sequence number`)
  }
}

/** A direct-message peer broke the protocol (bad frame, wrong sender, missing ack). */
export class DirectProtocolError extends GossipdError {
  static override name = 'DirectProtocolError'
  readonly code = 'dm-protocol'
}

/** An operation that only uses an open connection found none to the peer. */
export class NotConnectedError extends GossipdError {
  static override name = 'NotConnectedError'
  readonly code = 'not-connected'

  constructor (peer: string) {
    super(`not connected to ${peer}`)
  }
}

/** A stream that cannot run on a relayed connection was asked of a peer reached only through relays, with no direct address. */
export class RelayedOnlyError extends GossipdError {
  static override name = 'RelayedOnlyError'
  readonly code = 'relayed-only'

  constructor (peer: string, protocol: string) {
    super(`${peer} is reached only through a relay and has no direct address; ${protocol} does not run on relayed connections`)
  }
}

/** A history peer broke the protocol (bad request or answer, a message of another topic). */
export class HistoryProtocolError extends GossipdError {
  static override name = 'HistoryProtocolError'
  readonly code = 'history-protocol'
}

/** A peer's provider record was not stored: its key is not a known hash, or a cap on records is reached. */
export class ProviderRecordRefusedError extends GossipdError {
  static override name = 'ProviderRecordRefusedError'
  readonly code = 'provider-record-refused'
}

/** A peer announced a kad-dht message longer than this node reads. */
export class DhtMessageTooLargeError extends GossipdError {
  static override name = 'DhtMessageTooLargeError'
  readonly code = 'dht-message-too-large'
  constructor (length: number, limit: number) {
    super(`kad-dht message of ${length} bytes exceeds ${limit}`)
  }
}

/** A peer asked more often than its per-peer rate allows. */
export class PeerRateLimitedError extends GossipdError {
  static override name = 'PeerRateLimitedError'
  readonly code = 'rate-limited'
  constructor (peer: string, what: string) {
    super(`${peer} is over its rate limit for ${what}`)
  }
}

/** A peer broke the AutoNAT protocol while answering a reachability probe (bad frame, no status). */
export class AutonatProtocolError extends GossipdError {
  static override name = 'AutonatProtocolError'
  readonly code = 'autonat-protocol'
}

/** Whether `err` is an Error of one of the named classes: the project's way to match errors, not `instanceof`. */
export function isError (err: unknown, ...names: string[]): boolean {
  return err instanceof Error && names.includes(err.name)
}

/** Whether `err` is one of gossipd's errors (of any copy of this module), so it has a `code`. */
export function isGossipdError (err: unknown): err is GossipdError {
  return err instanceof Error && (err as Partial<Record<typeof BRAND, boolean>>)[BRAND] === true
}
