/**
 * The `gossipd` command line: a thin user of the library and of the HTTP API.
 */
import { Command, InvalidArgumentError } from 'commander'
import { AGENT_VERSION } from '../node/constants.js'
import { isApiClientError } from '../api/client-error.js'
import { settingFor } from '../config.js'
import { ApiClient } from './client.js'
import { addSettingOptions, flagsFrom } from './options.js'
import { table } from './table.js'
import { terminalSafe } from './terminal-text.js'
import { registerFileCommands } from './files.js'
import { registerChatCommand } from './chat.js'
import type { NodeInfo } from '../node/host.js'
import type { PeerEntry } from '../node/peers.js'

function positiveInt (value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer')
  return n
}

function clientOptions (cmd: Command): Command {
  return cmd
    .option('--api <url>', `the node's API, host:port or URL [env ${settingFor('api')?.env}]`)
    .option('--api-token <token>', `bearer token [env ${settingFor('apiToken')?.env}]`)
}

function client (opts: { api?: string, apiToken?: string }): ApiClient {
  return new ApiClient({ api: opts.api, token: opts.apiToken })
}

export function buildProgram (): Command {
  const program = new Command('gossipd')
    .description('A peer-to-peer messaging node on libp2p')
    .version(AGENT_VERSION)

  addSettingOptions(program.command('start').description('run a node and its HTTP API'))
    .option('--daemon <multiaddr>', 'also serve the libp2p daemon control protocol here (loopback TCP, or /unix/<URL-encoded path>), as go-libp2p-daemon\'s p2pd does')
    .action(async (opts: Record<string, unknown>) => {
      // the node's code loads only for the commands that run one: a client command starts in a fraction of the time
      const { configOrExit, runStart } = await import('./start.js')
      await runStart(configOrExit(opts.config as string | undefined, flagsFrom(opts)), { daemon: opts.daemon as string | undefined })
    })

  clientOptions(program.command('id').description('show a running node\'s identity'))
    .option('--json', 'print JSON')
    .action(async (opts: { api?: string, apiToken?: string, json?: boolean }) => {
      const info = await client(opts).get<NodeInfo>('/id')
      if (opts.json === true) {
        process.stdout.write(JSON.stringify(info, null, 2) + '\n')
        return
      }
      process.stdout.write(`peer id   ${info.peerId}\nagent     ${info.agentVersion}\nuptime    ${(info.uptimeMs / 1000).toFixed(0)} s\naddresses\n${info.listen.map(a => `  ${a}`).join('\n')}\n`)
    })

  clientOptions(program.command('peers').description('list a running node\'s connected peers'))
    .option('--json', 'print JSON')
    .action(async (opts: { api?: string, apiToken?: string, json?: boolean }) => {
      const { peers } = await client(opts).get<{ peers: PeerEntry[] }>('/peers')
      if (opts.json === true) {
        process.stdout.write(JSON.stringify(peers, null, 2) + '\n')
        return
      }
      process.stdout.write(table(['peer', 'address', 'dir', 'latency', 'age'], peers.map(p => [
        p.id, p.remoteAddr, p.direction, p.latencyMs == null ? null : `${p.latencyMs} ms`, `${Math.round(p.ageMs / 1000)} s`
      ])) + `\n${peers.length} peers\n`)
    })

  program.command('swarm')
    .description('start a local swarm of node processes on loopback')
    .option('-n, --nodes <n>', 'number of nodes, the bootstrap included', positiveInt, 10)
    .option('--dir <dir>', 'directory for the nodes\' data and logs (default: a new temporary one)')
    .option('--log-level <level>', 'log level of every node', 'info')
    .option('--json', 'print one JSON line describing the nodes once all are up')
    .action(async (opts: { nodes: number, dir?: string, logLevel: string, json?: boolean }) => {
      const { runSwarm } = await import('./swarm.js')
      await runSwarm({ nodes: opts.nodes, dir: opts.dir, logLevel: opts.logLevel, json: opts.json === true })
    })

  registerChatCommand(program, client, clientOptions)

  registerFileCommands(program, client, clientOptions)

  return program
}

export async function main (argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv)
  } catch (err) {
    if (isApiClientError(err)) {
      process.stderr.write(`gossipd: ${terminalSafe(err.message)}\n`)
      process.exit(1)
    }
    throw err
  }
}
