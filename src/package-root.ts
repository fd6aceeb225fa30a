import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * This package's root folder (the one with its package.json), found by walking up from this module, so it is
 * right from src/ (tests), dist/src/ (built) and dist/bundle/ (the bundled CLI) alike.
 */
export function packageRoot (): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir)
    if (up === dir) return undefined
    dir = up
  }
  return dir
}
