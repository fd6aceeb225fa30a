/**
 * `gossipd start`: run a node and its HTTP API (and, with `--daemon`, the libp2p daemon control protocol) until
 * SIGTERM or SIGINT, then leave gracefully and exit 0.
 */
import { loadConfig, parseHostPort, type ConfigInput, type NodeConfig } from '../config.js'
import { isError } from '../errors.js'
import { createLogger } from '../logger.js'
import { buildApi } from '../api/server.js'
import type { Libp2pServer } from '@libp2p/daemon-server'
import { createNode, type GossipdNode } from '../gossipd.js'
import { applyDependencyPatches } from '../node/patches.js'

/** Exit code for a bad setting, so scripts can tell a misconfiguration from a crash. */
export const EXIT_CONFIG = 2

function exitOnConfigError<T> (read: () => T): T {
  try {
    return read()
  } catch (err) {
    if (isError(err, 'ConfigError')) {
      process.stderr.write(`gossipd: invalid setting ${(err as Error).message}\n`)
      process.exit(EXIT_CONFIG)
    }
    throw err
  }
}

export function configOrExit (file: string | undefined, flags: ConfigInput): NodeConfig {
  return exitOnConfigError(() => loadConfig({ file, env: process.env, flags }))
}

export interface StartOptions {
  /** Also serve the libp2p daemon control protocol on this multiaddr (loopback TCP or unix socket). */
  daemon?: string
}

/**
 * Check the `--daemon` address and return what serves the control protocol for a started node. The module is loaded
 * only when asked for: every node process would otherwise evaluate the daemon protocol's codecs at start.
 */
async function daemonServing (flag: string): Promise<(node: GossipdNode) => Promise<Libp2pServer>> {
  const { daemonHostOf, parseDaemonAddress, startDaemon } = await import('./daemon.js')
  const address = exitOnConfigError(() => parseDaemonAddress(flag))
  return async node => startDaemon(address, daemonHostOf(node.libp2p))
}

export async function runStart (config: NodeConfig, options: StartOptions = {}): Promise<void> {
  const serveDaemon = options.daemon == null ? undefined : await daemonServing(options.daemon)
  const logger = createLogger({ level: config.logLevel })
  // the measured patches of docs/ARCHITECTURE.md ("Patches"): this process is gossipd's alone
  if (!config.stockLibraries) applyDependencyPatches()
  const node = await createNode(config, { logger })
  const api = await buildApi(node, { token: config.apiToken, logger })
  const { host, port } = parseHostPort(config.api)
  await api.listen({ host, port })
  logger.info({ api: `http://${config.api}`, peerId: node.peerId.toString() }, 'API listening')
  const daemon = await serveDaemon?.(node)
  if (daemon != null) {
    logger.info({ daemon: daemon.getMultiaddr().toString(), peerId: node.peerId.toString() }, 'daemon control listening')
  }

  let stopping = false
  const shutdown = (signal: string): void => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'leaving the swarm')
    // a node that cannot leave in time still exits; the orchestrator's kill would come next anyway
    const force = setTimeout(() => { logger.warn('graceful stop timed out'); process.exit(1) }, 10_000)
    force.unref()
    void (async () => {
      await daemon?.stop()
      await api.close()
      await node.stop()
      logger.flush()
      process.exit(0)
    })()
  }
  process.on('SIGTERM', () => { shutdown('SIGTERM') })
  process.on('SIGINT', () => { shutdown('SIGINT') })
}
