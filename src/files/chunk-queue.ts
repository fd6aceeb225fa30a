/**
 * The chunks a download still wants and those being fetched. The job hands chunks out through this object, the
 * only one that changes either set; the provider swarm reads them through `WantedChunks`.
 */
export interface WantedChunks {
  /** Chunks still to fetch, in the job's random order (which breaks ties between equally rare chunks). */
  remaining(): Iterable<number>
  /** Whether the chunk is being fetched now, from any provider. */
  isInflight(idx: number): boolean
}

export class ChunkQueue implements WantedChunks {
  private readonly wanted = new Set<number>()
  private readonly fetching = new Set<number>()

  get size (): number { return this.wanted.size }

  /** Want these chunks, in this order (after those already wanted). */
  want (indices: Iterable<number>): void {
    for (const idx of indices) this.wanted.add(idx)
  }

  remaining (): Iterable<number> { return this.wanted.values() }
  isInflight (idx: number): boolean { return this.fetching.has(idx) }

  /** A request for `idx` went out. */
  fetch (idx: number): void { this.fetching.add(idx) }
  /** The request for `idx` ended, however it ended. */
  settle (idx: number): void { this.fetching.delete(idx) }
  /** `idx` is verified and written: no longer wanted. */
  done (idx: number): void { this.wanted.delete(idx) }
}
