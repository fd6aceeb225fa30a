/**
 * `gossipd start`: run a node and its HTTP API until SIGTERM or SIGINT, then leave gracefully and exit 0.
 */
import { loadConfig, parseHostPort, type ConfigInput, type NodeConfig } from '../config.js'
import { isError } from '../errors.js'
import { createLogger } from '../logger.js'
import { buildApi } from '../api/server.js'
import { createNode } from '../gossipd.js'
import { applyDependencyPatches } from '../node/patches.js'

/** Exit code for a bad setting, so scripts can tell a misconfiguration from a crash. */
export const EXIT_CONFIG = 2

export function configOrExit (file: string | undefined, flags: ConfigInput): NodeConfig {
  try {
    return loadConfig({ file, env: process.env, flags })
  } catch (err) {
    if (isError(err, 'ConfigError')) {
      process.stderr.write(`gossipd: invalid setting ${(err as Error).message}\n`)
      process.exit(EXIT_CONFIG)
    }
    throw err
  }
}

export async function runStart (config: NodeConfig): Promise<void> {
  const logger = createLogger({ level: config.logLevel })
  // the measured patches of docs/ARCHITECTURE.md ("Patches"): this process is gossipd's alone
  if (!config.stockLibraries) applyDependencyPatches()
  const node = await createNode(config, { logger })
  const api = await buildApi(node, { token: config.apiToken, logger })
  const { host, port } = parseHostPort(config.api)
  await api.listen({ host, port })
  logger.info({ api: `http://${config.api}`, peerId: node.peerId.toString() }, 'API listening')

  let stopping = false
  const shutdown = (signal: string): void => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'leaving the swarm')
    // a node that cannot leave in time still exits; the orchestrator's kill would come next anyway
    const force = setTimeout(() => { logger.warn('graceful stop timed out'); process.exit(1) }, 10_000)
    force.unref()
    void (async () => {
      await api.close()
      await node.stop()
      logger.flush()
      process.exit(0)
    })()
  }
  process.on('SIGTERM', () => { shutdown('SIGTERM') })
  process.on('SIGINT', () => { shutdown('SIGINT') })
}
