/** Small display helpers shared by the panels. */

export const shortId = (id: string): string => id.length > 12 ? `…${id.slice(-8)}` : id

export function bytes (n: number | null | undefined): string {
  if (n == null) return '—'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let u = 0
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++ }
  return `${u === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`
}

export function duration (ms: number | null | undefined): string {
  if (ms == null) return '—'
  const s = Math.floor(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${s % 60}s`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h}h ${m % 60}m`
  return `${Math.floor(h / 24)}d ${h % 24}h`
}

export const ms = (v: number | null | undefined): string => v == null ? '—' : `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`

/** Create an element with attributes and children; text is always set as text, never parsed as HTML. */
export function el<K extends keyof HTMLElementTagNameMap> (tag: K, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v)
  e.append(...children)
  return e
}

export function $<T extends HTMLElement = HTMLElement> (id: string): T {
  const e = document.getElementById(id)
  if (e == null) throw new Error(`#${id} missing from the page`)
  return e as T
}

/** Replace a table body's rows. */
export function setRows (tbody: HTMLElement, rows: Array<Array<Node | string>>, empty = 'none'): void {
  tbody.replaceChildren(...(rows.length === 0
    ? [el('tr', {}, el('td', { colspan: '9', class: 'muted' }, empty))]
    : rows.map(cells => el('tr', {}, ...cells.map(c => el('td', {}, c))))))
}

/** Run `fn` now and then every `everyMs` while the page is visible; errors go to `onError`. */
export function every (everyMs: number, fn: () => Promise<void>, onError: (err: Error) => void): { kick: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined
  let running = false
  const run = async (): Promise<void> => {
    clearTimeout(timer)
    if (running) return
    running = true
    try {
      if (document.visibilityState !== 'hidden') await fn()
    } catch (err) {
      onError(err as Error)
    } finally {
      running = false
      timer = setTimeout(() => { void run() }, everyMs)
    }
  }
  void run()
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') void run() })
  return { kick: () => { void run() } }
}
