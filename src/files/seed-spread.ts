/**
 * Super-seeding, in part: a node serving a whole file under an upload cap sends each chunk once before it sends any
 * chunk a second time within FILES_SPREAD_WINDOW_MS. Downloaders of one file pick chunks rarest first, but each
 * knows the others' chunks only from `have` answers a second or two old, and not at all what the others have
 * asked the seeder for: with five downloaders, a capped seeder sent half its chunks twice. A chunk it sent moments
 * ago is answered `unavailable` while some chunk has never been sent, so the asker takes it from the downloader
 * that has it and asks the seeder for another (docs/PROTOCOLS.md, "Swarming").
 */
import { FILES_SPREAD_FILES, FILES_SPREAD_WINDOW_MS } from './constants.js'

interface Spread {
  /** Chunk -> when it was last sent (0: never). */
  sentAt: Float64Array
  /** Chunks never sent. */
  unsent: number
}

export class SeedSpread {
  /** File id -> its sends, least recently used first. */
  private readonly files = new Map<string, Spread>()

  constructor (private readonly now: () => number = Date.now, private readonly windowMs = FILES_SPREAD_WINDOW_MS) {}

  /**
   * May chunk `index` of the file (`chunks` chunks) be sent now? No if it was sent within the window while another
   * chunk never was; yes otherwise, and the send is recorded.
   */
  take (fileId: string, index: number, chunks: number): boolean {
    let s = this.files.get(fileId)
    if (s == null || s.sentAt.length !== chunks) {
      s = { sentAt: new Float64Array(chunks), unsent: chunks }
      if (this.files.size >= FILES_SPREAD_FILES) this.files.delete(this.files.keys().next().value as string)
    }
    this.files.delete(fileId)
    this.files.set(fileId, s)
    if (index < 0 || index >= chunks) return true
    const t = this.now()
    const last = s.sentAt[index]
    if (last !== 0 && t - last < this.windowMs && s.unsent > 0) return false
    if (last === 0) s.unsent--
    s.sentAt[index] = t
    return true
  }
}
