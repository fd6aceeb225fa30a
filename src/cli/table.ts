import { terminalSafe } from './terminal-text.js'

/** Render rows as an aligned text table with a header; cells may come from peers (file names), so each is made terminal-safe. */
export function table (headers: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const cells = [headers, ...rows.map(r => r.map(c => c == null ? '-' : terminalSafe(String(c))))]
  const widths = headers.map((_h, i) => Math.max(...cells.map(r => r[i]?.length ?? 0)))
  return cells.map(r => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n')
}
