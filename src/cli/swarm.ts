/**
 * `gossipd swarm --nodes N`: a local swarm of separate processes; prints their API URLs and example curl
 * lines, and stops them all cleanly on Ctrl-C.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LocalSwarm } from '../swarm/local-swarm.js'
import { table } from './table.js'

export interface SwarmCommandOptions {
  nodes: number
  dir?: string
  logLevel: string
  json: boolean
}

export async function runSwarm (opts: SwarmCommandOptions): Promise<void> {
  const dir = opts.dir ?? await mkdtemp(join(tmpdir(), 'gossipd-swarm-'))
  const swarm = new LocalSwarm({ nodes: opts.nodes, dir, logLevel: opts.logLevel })
  let stopping = false
  const stop = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    if (!opts.json) process.stdout.write('\nstopping the swarm...\n')
    await swarm.stop()
    process.exit(0)
  }
  process.on('SIGINT', () => { void stop() })
  process.on('SIGTERM', () => { void stop() })

  const started = Date.now()
  try {
    await swarm.start()
  } catch (err) {
    process.stderr.write(`gossipd swarm: ${(err as Error).message}\n`)
    await swarm.stop()
    process.exit(1)
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify({ dir, startedInMs: Date.now() - started, nodes: swarm.nodes }) + '\n')
    return
  }
  const first = swarm.nodes[0]
  const second = swarm.nodes[1] ?? first
  process.stdout.write(`${swarm.nodes.length} nodes up in ${((Date.now() - started) / 1000).toFixed(1)} s; data and logs in ${dir}\n\n`)
  process.stdout.write(table(['node', 'peer id', 'API'], swarm.nodes.map(n => [n.name, n.peerId, n.apiUrl])) + '\n\n')
  process.stdout.write([
    'Try:',
    `  curl ${first.apiUrl}/`,
    `  curl ${second.apiUrl}/peers`,
    `  curl ${second.apiUrl}/dht/routing-table`,
    `  curl -X POST ${second.apiUrl}/dht/peers/${first.peerId ?? '<peerId>'}`,
    `  curl -X PUT ${second.apiUrl}/topics/news`,
    `  curl -X POST ${first.apiUrl}/topics/news/messages -H 'content-type: text/plain' --data 'hello swarm'`,
    `  curl ${second.apiUrl}/topics/news/messages`,
    '',
    'Ctrl-C stops every node.',
    ''
  ].join('\n'))
}
