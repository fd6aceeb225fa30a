/**
 * The Docker image runs its node as LocalSwarm runs each of its processes: the same V8 flags on the entrypoint's
 * command line and the same allocator settings in its environment (src/swarm/local-swarm.ts, where each is
 * measured), and bin/gossipd.js's first line and `npm start` give the same flags. The Dockerfile, the shebang and
 * package.json cannot import them, so this keeps the copies alike.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { NODE_PROCESS_ENV, NODE_PROCESS_FLAGS } from '../../src/swarm/local-swarm.js'

const dockerfile = readFileSync(join(import.meta.dirname, '..', '..', 'Dockerfile'), 'utf8')

describe('the Docker image', () => {
  it('starts node with LocalSwarm\'s V8 flags', () => {
    const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1] ?? 'null') as string[] | null
    expect(entrypoint?.[0]).toBe('node')
    const flags = entrypoint?.slice(1, entrypoint.indexOf('bin/gossipd.js'))
    expect(flags).toEqual(NODE_PROCESS_FLAGS)
  })

  it('gives the same V8 flags as the CLI\'s first line, for a node started as `gossipd start`', () => {
    const shebang = readFileSync(join(import.meta.dirname, '..', '..', 'bin', 'gossipd.js'), 'utf8').split('\n')[0]
    expect(shebang.split(' ').filter(w => w.startsWith('--'))).toEqual(NODE_PROCESS_FLAGS)
  })

  it('gives the same V8 flags to `npm start`', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    expect(pkg.scripts.start.split(' ').filter(w => w.startsWith('--'))).toEqual(NODE_PROCESS_FLAGS)
  })

  it('sets LocalSwarm\'s allocator environment', () => {
    for (const [name, value] of Object.entries(NODE_PROCESS_ENV)) {
      expect(dockerfile).toMatch(new RegExp(`^\\s+${name}=${value}\\b`, 'm'))
    }
  })
})
