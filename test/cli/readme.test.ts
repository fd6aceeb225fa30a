/**
 * The README is the user's manual: every setting and every API route must be in it.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApi } from '../../src/api/server.js'
import { SETTINGS } from '../../src/config.js'
import { TestNodes } from '../helpers/nodes.js'

const readme = readFileSync('README.md', 'utf8')

describe('README', () => {
  const nodes = new TestNodes()
  let api: FastifyInstance

  beforeAll(async () => {
    api = await buildApi(await nodes.add())
  })

  afterAll(async () => {
    await api?.close()
    await nodes.cleanup()
  })

  it.each(SETTINGS.map(s => [s.flag, s.env]))('documents the setting %s / %s', (flag, env) => {
    expect(readme).toMatch(new RegExp(`^\\| \`${flag}\` \\| \`${env}\` \\|`, 'm'))
  })

  it('documents every API route with an example', async () => {
    const doc = (await api.inject('/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> }
    const missing: string[] = []
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const method of Object.keys(methods)) {
        const row = readme.split('\n').find(l => l.startsWith(`| \`${method.toUpperCase()} ${path}\``) || l.startsWith(`| \`${method.toUpperCase()} ${path}?`))
        if (row == null || !row.includes('curl ')) missing.push(`${method.toUpperCase()} ${path}`)
      }
    }
    expect(missing).toEqual([])
  })
})
