/**
 * The id and signature of each message this node publishes, handed back on the publish path. Gossipsub's
 * `publish` answers with the recipients only; it names the message it built and signed by calling `msgIdFn`.
 * One `PublishedIds` per node wraps that function: `publish` registers the buffer it is about to publish, the
 * wrapped function records that buffer's id and signature when gossipsub asks, and `publish` takes them back
 * when gossipsub returns. Only buffers being published are held, and only until their publish returns, so the
 * table is as large as the publishes in flight.
 */
import type { Message } from '@libp2p/gossipsub'
import { MissingMessageIdError } from '../errors.js'
import type { Signature } from './history.js'
import { fastMessageId, messageId, messageIdToString, seqnoBytes } from './message-id.js'

export interface Published {
  /** The message id, as text. */
  id: string
  /** Sequence number and signature, so this node's history can serve its own message to others. */
  signed: Signature
}

export class PublishedIds {
  private readonly pending = new Map<Uint8Array, Published | undefined>()

  /** Gossipsub's `msgIdFn`: `messageId`, recording the id of a buffer being published. */
  readonly msgIdFn = (msg: Message): Uint8Array => {
    const id = messageId(msg)
    if (msg.type === 'signed' && this.pending.has(msg.data)) {
      this.pending.set(msg.data, { id: messageIdToString(id), signed: { seqno: seqnoBytes(msg.sequenceNumber), signature: msg.signature } })
    }
    return id
  }

  /** The gossipsub options that name messages: the id functions of messaging, this recorder included. */
  get gossipsubOptions (): { msgIdFn: (msg: Message) => Uint8Array, msgIdToStrFn: typeof messageIdToString, fastMsgIdFn: typeof fastMessageId } {
    // each message arrives once from every mesh peer that forwards it: copies of a message already validated
    // are dropped by the fast id before their signature is checked again
    return { msgIdFn: this.msgIdFn, msgIdToStrFn: messageIdToString, fastMsgIdFn: fastMessageId }
  }

  /**
   * Run `send` (a gossipsub publish of `data`, a buffer of the caller's own) and return its result with the id
   * and signature gossipsub gave the message. Throws `MissingMessageIdError` when gossipsub never asked for one.
   */
  async publish<T> (topic: string, data: Uint8Array, send: () => Promise<T>): Promise<Published & { result: T }> {
    this.pending.set(data, undefined)
    try {
      const result = await send()
      const published = this.pending.get(data)
      if (published == null) throw new MissingMessageIdError(topic)
      return { ...published, result }
    } finally {
      this.pending.delete(data)
    }
  }
}
