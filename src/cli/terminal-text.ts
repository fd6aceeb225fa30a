/**
 * Text that came from someone else, made safe to print on a terminal. A peer chooses its nickname, its message
 * bodies, topic names and file names; printed raw, an escape sequence in one of them can set the terminal's
 * title, erase or rewrite lines, or forge a line that looks like the chat's own (`[dm] bank: ...`), and a bidi
 * override can make text read differently from what it is. Every remote string goes through `terminalSafe`
 * before the CLI prints it.
 *
 * Dangerous characters are made visible rather than dropped, so the reader sees that something was there:
 * - C0 controls (U+0000-U+001F, newline and tab included: a newline would start a forged line) and DEL become
 *   their Unicode control pictures (ESC shows as U+241B, LF as U+240A);
 * - C1 controls (U+0080-U+009F; U+009B alone is a CSI on many terminals), the bidi embeddings, overrides,
 *   isolates and marks, and the line and paragraph separators become `<U+XXXX>`.
 */

// eslint-disable-next-line no-control-regex
const C0_OR_DEL = /[\u0000-\u001f\u007f]/g

/** C1 controls; bidi marks (ALM, LRM, RLM), embeddings and overrides (LRE..RLO), isolates (LRI..PDI); LS and PS. */
const INVISIBLE_FORMATTING = /[\u0080-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g

/** The first of the Unicode control pictures, U+2400 SYMBOL FOR NULL; U+2400 + n pictures C0 control n. */
const CONTROL_PICTURES = 0x2400
/** U+2421 SYMBOL FOR DELETE. */
const DELETE_PICTURE = 0x2421

function picture (c: string): string {
  const code = c.charCodeAt(0)
  return String.fromCharCode(code === 0x7f ? DELETE_PICTURE : CONTROL_PICTURES + code)
}

function codePoint (c: string): string {
  return `<U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`
}

/** `text` with every terminal control and bidi formatting character replaced by a visible stand-in. */
export function terminalSafe (text: string): string {
  return text.replace(C0_OR_DEL, picture).replace(INVISIBLE_FORMATTING, codePoint)
}
