/**
 * The addresses crawl reports give for one peer, with who gave each. A report is the word of the peer that sent
 * it, so an address named by a single reporter is not dialed unless this node knows the peer otherwise
 * (crawler.ts): a hostile peer cannot make the crawl connect to host:port pairs of its choosing.
 */
import { CRAWL_MAX_ADDRS_PER_PEER, CRAWL_MAX_ADDRS_PER_REPORT } from './constants.js'

export class ReportedAddrs {
  private readonly byAddr = new Map<string, Set<string>>()
  private readonly named = new Set<string>()

  /** Take up to `CRAWL_MAX_ADDRS_PER_REPORT` of one reporter's addresses, within `CRAWL_MAX_ADDRS_PER_PEER` in all. */
  add (addrs: string[], reporter: string): void {
    this.named.add(reporter)
    for (const addr of addrs.slice(0, CRAWL_MAX_ADDRS_PER_REPORT)) {
      let by = this.byAddr.get(addr)
      if (by == null) {
        if (this.byAddr.size >= CRAWL_MAX_ADDRS_PER_PEER) continue
        by = new Set()
        this.byAddr.set(addr, by)
      }
      by.add(reporter)
    }
  }

  /** The peers that named this one (whether or not their addresses were taken). */
  reporters (): string[] {
    return [...this.named]
  }

  all (): string[] {
    return [...this.byAddr.keys()]
  }

  /** Addresses named by at least `min` different reporters. */
  vouched (min: number): string[] {
    return [...this.byAddr].filter(([, by]) => by.size >= min).map(([addr]) => addr)
  }
}
