/**
 * build/lazy-data.mjs: in the CLI's bundles, kad-dht's table of key prefixes (a literal of 65,536 numbers, used
 * only by its routing-table refresh) is built on first read, not at every start. The listed files must still be
 * one exported literal, the stand-in must answer as the literal does, and the bundle must hold the literal only
 * inside the stand-in.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
// @ts-expect-error the build script is plain JavaScript
import { LAZY_DATA, exportedLiteral, standIn } from '../../build/lazy-data.mjs'

const files = LAZY_DATA as string[]

/**
 * Evaluate a stand-in's source and answer its default export. Run as a function, not imported: a test runner's
 * module loader reads a module's exports as it loads it, which would build the value.
 */
function importStandIn (literal: string): any {
  const source = (standIn(literal) as string).replace(/^export default /m, 'return ')
  expect(source).not.toMatch(/\bexport\b/)
  return new Function(source)()
}

interface Counter { __lazyDataBuilds?: number }

describe('literals of the CLI bundle built on first read', () => {
  it.each(files)('%s is still one exported literal', file => {
    const source = readFileSync(join('node_modules', file), 'utf8')
    expect(() => exportedLiteral(source, file)).not.toThrow()
  })

  it('refuses a module that is more than one exported literal', () => {
    expect(() => exportedLiteral('export default [1, 2]\nexport const x = 1')).toThrow(/no longer one exported literal/)
    expect(() => exportedLiteral('const a = [1]\nexport default a')).toThrow(/no longer one exported literal/)
  })

  it('builds nothing until read, then once, and answers as the literal', async () => {
    const g = globalThis as Counter
    g.__lazyDataBuilds = 0
    try {
      const list = importStandIn('[(globalThis.__lazyDataBuilds++, 5), 7, 9]')
      expect(g.__lazyDataBuilds).toBe(0)
      expect(list[1]).toBe(7)
      expect(g.__lazyDataBuilds).toBe(1)
      expect(list.length).toBe(3)
      expect(Array.isArray(list)).toBe(true)
      expect([...list]).toEqual([5, 7, 9])
      expect(Object.keys(list)).toEqual(['0', '1', '2'])
      expect(2 in list).toBe(true)
      expect(3 in list).toBe(false)
      expect(JSON.stringify(list)).toBe('[5,7,9]')
      expect(g.__lazyDataBuilds).toBe(1)
    } finally {
      delete g.__lazyDataBuilds
    }
  })

  it.each(files)("the stand-in of %s holds the module's own values", async file => {
    const real = (await import(pathToFileURL(join(process.cwd(), 'node_modules', file)).href)).default as number[]
    const list = importStandIn(exportedLiteral(readFileSync(join('node_modules', file), 'utf8'), file))
    expect(list.length).toBe(real.length)
    expect(real.length).toBeGreaterThan(0)
    for (const i of [0, 1, real.length >> 1, real.length - 1]) expect(list[i]).toBe(real[i])
    expect([...list]).toEqual(real)
  })

  it('the bundle holds the literal only inside the stand-in', () => {
    const bundle = readFileSync(join('dist', 'bundle', 'node.cjs'), 'utf8')
    for (const file of files) {
      const init = bundle.indexOf(`"node_modules/${file}"(){`)
      expect(init, `${file} is not in the bundle`).toBeGreaterThan(0)
      // the module's body: the builder, then the proxy exported in place of the literal
      const body = bundle.slice(init, init + 200)
      expect(body).toMatch(/\(\)\{\w+=\(\)=>\w+\?\?=\[/)
      const first = exportedLiteral(readFileSync(join('node_modules', file), 'utf8'), file).slice(0, 40).replace(/\s+/g, '')
      // once in the bundle, in the builder
      expect(bundle.split(first).length - 1).toBe(1)
    }
  })
})
