/**
 * The node's settings: one typed schema, read from (in rising priority) defaults, a JSON file, the environment
 * and CLI flags. Every setting is declared once in `SETTINGS`; the CLI flags, the environment variable names,
 * the README's settings table and validation all come from there.
 */
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import * as C from './constants.js'
import { ConfigError } from './errors.js'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
/** `auto`: serve relay reservations only once dial-backs confirm the node is reachable. */
export const RELAY_SERVICE_MODES = ['auto', 'on', 'off'] as const

export const ConfigSchema = Type.Object({
  listen: Type.Array(Type.String(), { minItems: 1 }),
  announce: Type.Array(Type.String()),
  api: Type.String(),
  apiToken: Type.Optional(Type.String({ minLength: 16 })),
  apiHosts: Type.Array(Type.String({ minLength: 1, maxLength: 253 })),
  bootstrap: Type.Array(Type.String()),
  dataDir: Type.String({ minLength: 1 }),
  logLevel: Type.Union(LOG_LEVELS.map(l => Type.Literal(l))),
  nick: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  minConnections: Type.Integer({ minimum: 0, maximum: 10_000 }),
  maxConnections: Type.Integer({ minimum: 1, maximum: 100_000 }),
  connectionBudget: Type.Integer({ minimum: 0, maximum: 100_000 }),
  lazyGossipPeers: Type.Integer({ minimum: 0, maximum: 64 }),
  inboundConnectionThreshold: Type.Integer({ minimum: 1 }),
  pingInterval: Type.Integer({ minimum: 100 }),
  dhtProtocol: Type.String({ pattern: '^/' }),
  historyLimit: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
  maxMessageSize: Type.Integer({ minimum: 1, maximum: C.DEFAULT_MAX_MESSAGE_BYTES * 16 }),
  outboxTtl: Type.Integer({ minimum: 1000 }),
  maxFileSize: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  uploadLimit: Type.Integer({ minimum: 0 }),
  fileChunkSize: Type.Integer({ minimum: C.FILE_MIN_CHUNK_SIZE, maximum: C.FILE_MAX_CHUNK_SIZE }),
  maxStorage: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  maxFiles: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
  maxDownloads: Type.Integer({ minimum: 1, maximum: 1_000 }),
  maxTopics: Type.Integer({ minimum: 1, maximum: 100_000 }),
  dmRate: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
  stockLibraries: Type.Boolean(),
  relayService: Type.Union(RELAY_SERVICE_MODES.map(m => Type.Literal(m))),
  relayReservations: Type.Integer({ minimum: 0, maximum: C.MAX_RELAY_RESERVATIONS }),
  relayMaxReservations: Type.Integer({ minimum: 1, maximum: 10_000 }),
  relayMaxCircuits: Type.Integer({ minimum: 1, maximum: 10_000 }),
  relayCircuitDuration: Type.Integer({ minimum: 1000, maximum: 24 * 3600 * 1000 }),
  relayCircuitBytes: Type.Integer({ minimum: 1024, maximum: 1024 ** 3 }),
  upnp: Type.Boolean()
}, { additionalProperties: false })

export type NodeConfig = Static<typeof ConfigSchema>

type Kind = 'string' | 'list' | 'int' | 'enum' | 'bool'

export interface Setting {
  key: keyof NodeConfig
  flag: string
  env: string
  kind: Kind
  description: string
  default?: unknown
}

/** Every setting, in the order the README lists them. */
export const SETTINGS: Setting[] = [
  { key: 'listen', flag: '--listen', env: 'GOSSIPD_LISTEN', kind: 'list', default: [C.DEFAULT_LISTEN], description: 'libp2p listen multiaddrs, comma separated' },
  { key: 'announce', flag: '--announce', env: 'GOSSIPD_ANNOUNCE', kind: 'list', default: [], description: 'multiaddrs announced to peers instead of the listen addresses (e.g. a public IP or DNS name)' },
  { key: 'api', flag: '--api', env: 'GOSSIPD_API', kind: 'string', default: C.DEFAULT_API, description: 'HTTP API bind as host:port; a non-loopback host requires an API token' },
  { key: 'apiHosts', flag: '--api-hosts', env: 'GOSSIPD_API_HOSTS', kind: 'list', default: [], description: 'further Host names the API answers to besides loopback and the --api host (e.g. a reverse proxy\'s), comma separated; others get 421' },
  { key: 'apiToken', flag: '--api-token', env: 'GOSSIPD_API_TOKEN', kind: 'string', description: 'bearer token required by the API (at least 16 characters)' },
  { key: 'bootstrap', flag: '--bootstrap', env: 'GOSSIPD_BOOTSTRAP', kind: 'list', default: [], description: 'bootstrap multiaddrs, comma separated; /p2p/<id> optional, /dns4 names allowed' },
  { key: 'dataDir', flag: '--data-dir', env: 'GOSSIPD_DATA_DIR', kind: 'string', default: join(homedir(), '.gossipd'), description: 'directory for the identity key and all stored state' },
  { key: 'logLevel', flag: '--log-level', env: 'GOSSIPD_LOG_LEVEL', kind: 'enum', default: 'info', description: `log level: ${LOG_LEVELS.join(', ')}` },
  { key: 'nick', flag: '--nick', env: 'GOSSIPD_NICK', kind: 'string', description: 'nickname shown to other peers' },
  { key: 'minConnections', flag: '--min-connections', env: 'GOSSIPD_MIN_CONNECTIONS', kind: 'int', default: C.DEFAULT_MIN_CONNECTIONS, description: 'connections the node opens to DHT peers it finds' },
  { key: 'maxConnections', flag: '--max-connections', env: 'GOSSIPD_MAX_CONNECTIONS', kind: 'int', default: C.DEFAULT_MAX_CONNECTIONS, description: 'open connections above which the least useful are pruned' },
  { key: 'connectionBudget', flag: '--connection-budget', env: 'GOSSIPD_CONNECTION_BUDGET', kind: 'int', default: C.DEFAULT_CONNECTION_BUDGET, description: 'peers kept connected (at least --min-connections): a node holding a few more closes its least useful idle connections (gossip mesh and DHT-close peers last); 0 keeps every connection; left unset, at most --max-connections' },
  { key: 'lazyGossipPeers', flag: '--lazy-gossip-peers', env: 'GOSSIPD_LAZY_GOSSIP_PEERS', kind: 'int', default: C.DEFAULT_LAZY_GOSSIP_PEERS, description: 'peers each gossipsub heartbeat tells the ids of recent messages (IHAVE), beside its mesh; 0 sends none, for less CPU per message (docs/PERFORMANCE.md), and leaves messages the mesh missed to history catch-up' },
  { key: 'inboundConnectionThreshold', flag: '--inbound-rate', env: 'GOSSIPD_INBOUND_RATE', kind: 'int', default: C.DEFAULT_INBOUND_CONNECTION_THRESHOLD, description: 'inbound connections accepted per second from one IP' },
  { key: 'pingInterval', flag: '--ping-interval', env: 'GOSSIPD_PING_INTERVAL', kind: 'int', default: C.DEFAULT_PING_INTERVAL_MS, description: 'ms between liveness checks of each peer: a peer is pinged when it was sent data and nothing came back since the last check, or its latency is a minute old; 2 missed pings in a row close the connection' },
  { key: 'dhtProtocol', flag: '--dht-protocol', env: 'GOSSIPD_DHT_PROTOCOL', kind: 'string', default: C.DHT_PROTOCOL, description: 'Kademlia protocol id; nodes with different ids form separate DHTs' },
  { key: 'historyLimit', flag: '--history-limit', env: 'GOSSIPD_HISTORY_LIMIT', kind: 'int', default: C.DEFAULT_HISTORY_LIMIT, description: 'messages kept per topic and in the direct inbox; the oldest are dropped first' },
  { key: 'maxMessageSize', flag: '--max-message-size', env: 'GOSSIPD_MAX_MESSAGE_SIZE', kind: 'int', default: C.DEFAULT_MAX_MESSAGE_BYTES, description: 'largest topic or direct message body in bytes; bigger ones answer 413' },
  { key: 'outboxTtl', flag: '--outbox-ttl', env: 'GOSSIPD_OUTBOX_TTL', kind: 'int', default: C.DEFAULT_OUTBOX_TTL_MS, description: 'ms an undelivered direct message is retried before it expires' },
  { key: 'maxFileSize', flag: '--max-file-size', env: 'GOSSIPD_MAX_FILE_SIZE', kind: 'int', default: C.DEFAULT_MAX_FILE_SIZE, description: 'largest file in bytes the node stores (upload or download); bigger uploads answer 413' },
  { key: 'uploadLimit', flag: '--upload-limit', env: 'GOSSIPD_UPLOAD_LIMIT', kind: 'int', default: 0, description: 'cap on bytes per second served to peers downloading files; 0 for none' },
  { key: 'fileChunkSize', flag: '--file-chunk-size', env: 'GOSSIPD_FILE_CHUNK_SIZE', kind: 'int', default: C.FILE_CHUNK_SIZE, description: `chunk size in bytes of files this node shares (${C.FILE_MIN_CHUNK_SIZE} to ${C.FILE_MAX_CHUNK_SIZE}); downloads follow the sharer's manifest` },
  { key: 'maxStorage', flag: '--max-storage', env: 'GOSSIPD_MAX_STORAGE', kind: 'int', default: C.DEFAULT_MAX_STORAGE, description: 'cap in bytes on all stored files (uploads and downloads); past it, 507 storage-full' },
  { key: 'maxFiles', flag: '--max-files', env: 'GOSSIPD_MAX_FILES', kind: 'int', default: C.DEFAULT_MAX_FILES, description: 'cap on the number of stored files; past it, 507 storage-full' },
  { key: 'maxDownloads', flag: '--max-downloads', env: 'GOSSIPD_MAX_DOWNLOADS', kind: 'int', default: C.DEFAULT_MAX_DOWNLOADS, description: 'download jobs running at once; past it, 429 limit-reached' },
  { key: 'maxTopics', flag: '--max-topics', env: 'GOSSIPD_MAX_TOPICS', kind: 'int', default: C.DEFAULT_MAX_TOPICS, description: 'topics subscribed at once; past it, 429 limit-reached' },
  { key: 'dmRate', flag: '--dm-rate', env: 'GOSSIPD_DM_RATE', kind: 'int', default: C.DEFAULT_DM_RATE, description: 'direct messages one peer may send per second (after a burst of 100); past it, the nack rate-limited; 0: no limit' },
  { key: 'stockLibraries', flag: '--stock-libraries', env: 'GOSSIPD_STOCK_LIBRARIES', kind: 'bool', default: false, description: 'run on the dependencies as published: none of the measured patches of docs/ARCHITECTURE.md (`gossipd start` applies them otherwise)' },
  { key: 'relayService', flag: '--relay-service', env: 'GOSSIPD_RELAY_SERVICE', kind: 'enum', default: 'auto', description: `serve circuit relay v2 reservations: ${RELAY_SERVICE_MODES.join(', ')}; auto serves only while dial-backs confirm the node reachable` },
  { key: 'relayReservations', flag: '--relay-reservations', env: 'GOSSIPD_RELAY_RESERVATIONS', kind: 'int', default: C.DEFAULT_RELAY_RESERVATIONS, description: `relays a node that dial-backs find private keeps reservations on (0 to ${C.MAX_RELAY_RESERVATIONS})` },
  { key: 'relayMaxReservations', flag: '--relay-max-reservations', env: 'GOSSIPD_RELAY_MAX_RESERVATIONS', kind: 'int', default: C.DEFAULT_RELAY_MAX_RESERVATIONS, description: 'reservations a relay holds at once; more are refused (RESERVATION_REFUSED)' },
  { key: 'relayMaxCircuits', flag: '--relay-max-circuits', env: 'GOSSIPD_RELAY_MAX_CIRCUITS', kind: 'int', default: C.DEFAULT_RELAY_MAX_CIRCUITS, description: 'relayed connections a relay carries at once; more are refused (PERMISSION_DENIED)' },
  { key: 'relayCircuitDuration', flag: '--relay-circuit-duration', env: 'GOSSIPD_RELAY_CIRCUIT_DURATION', kind: 'int', default: C.DEFAULT_RELAY_CIRCUIT_DURATION_MS, description: 'ms a relayed connection may last before the relay closes it' },
  { key: 'relayCircuitBytes', flag: '--relay-circuit-bytes', env: 'GOSSIPD_RELAY_CIRCUIT_BYTES', kind: 'int', default: C.DEFAULT_RELAY_CIRCUIT_BYTES, description: 'bytes a relay forwards per relayed connection, each way, before closing it' },
  { key: 'upnp', flag: '--upnp', env: 'GOSSIPD_UPNP', kind: 'bool', default: false, description: 'ask the home router for a port mapping (UPnP/NAT-PMP); off unless set' }
]

export type ConfigInput = Partial<Record<keyof NodeConfig, unknown>>

export interface ConfigSources {
  /** Path of a JSON file with any of the settings, by key (`dataDir`, `listen`, ...). */
  file?: string
  /** Usually `process.env`. */
  env?: Record<string, string | undefined>
  /** Values given on the command line or by a library caller, by key. */
  flags?: ConfigInput
}

function coerce (setting: Setting, raw: unknown): unknown {
  if (typeof raw !== 'string') {
    return raw
  }
  switch (setting.kind) {
    case 'list': return raw.split(',').map(s => s.trim()).filter(s => s.length > 0)
    case 'int': return /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw
    case 'bool': return /^(true|1|yes)$/i.test(raw.trim()) ? true : /^(false|0|no)$/i.test(raw.trim()) ? false : raw
    default: return raw
  }
}

function readFile (path: string): ConfigInput {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError('--config', `cannot read ${path}: ${(err as Error).message}`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new ConfigError('--config', `${path} is not valid JSON: ${(err as Error).message}`)
  }
  if (parsed == null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('--config', `${path} must hold a JSON object`)
  }
  return parsed as ConfigInput
}

/**
 * A setting's value in the environment, by key: undefined when its variable is unset or empty (an empty variable
 * means "not set", as in `loadConfig`). For programs that need one setting without a whole config, like the
 * CLI's API clients.
 */
export function settingFromEnv (key: keyof NodeConfig, env: Record<string, string | undefined> = process.env): string | undefined {
  const v = env[settingFor(key)?.env ?? '']
  return v !== undefined && v !== '' ? v : undefined
}

/** A setting by key, as declared in `SETTINGS`. */
export function settingFor (key: string): Setting | undefined {
  return SETTINGS.find(s => s.key === key)
}

/** Name a setting the way the user most likely wrote it. */
function describe (key: string): string {
  const s = settingFor(key)
  return s == null ? key : `${s.flag} / ${s.env}`
}

/** Parse "host:port" (IPv6 hosts in brackets). */
export function parseHostPort (value: string): { host: string, port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value)
  if (m == null) {
    throw new ConfigError(describe('api'), `"${value}" is not host:port`)
  }
  const port = Number(m[3])
  if (port > 65535) {
    throw new ConfigError(describe('api'), `port ${port} is out of range`)
  }
  return { host: m[1] ?? m[2], port }
}

export function isLoopbackHost (host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

function checkMultiaddrs (key: keyof NodeConfig, values: string[]): void {
  for (const value of values) {
    try {
      multiaddr(value)
    } catch (err) {
      throw new ConfigError(describe(key), `"${value}" is not a valid multiaddr (${(err as Error).message})`)
    }
  }
}

/**
 * Merge the sources and validate the result. Throws a `ConfigError` naming the first bad setting.
 */
export function loadConfig (sources: ConfigSources = {}): NodeConfig {
  const merged: Record<string, unknown> = {}
  for (const s of SETTINGS) {
    if (s.default !== undefined) {
      merged[s.key] = structuredClone(s.default)
    }
  }
  const layers: ConfigInput[] = []
  if (sources.file != null) {
    layers.push(readFile(sources.file))
  }
  if (sources.env != null) {
    const fromEnv: ConfigInput = {}
    for (const s of SETTINGS) {
      const v = settingFromEnv(s.key, sources.env)
      if (v !== undefined) {
        fromEnv[s.key] = v
      }
    }
    layers.push(fromEnv)
  }
  layers.push(sources.flags ?? {})
  /** The settings some layer gave, as against those left at their defaults. */
  const given = new Set<string>()
  for (const layer of layers) {
    for (const [key, raw] of Object.entries(layer)) {
      const s = settingFor(key)
      if (s == null) {
        throw new ConfigError(key, 'unknown setting')
      }
      if (raw !== undefined) {
        merged[key] = coerce(s, raw)
        given.add(key)
      }
    }
  }
  // a default budget follows a lower --max-connections: `--max-connections 5` alone is a node of 5 connections,
  // not an error about a setting the user never gave
  if (!given.has('connectionBudget') && typeof merged.maxConnections === 'number' && typeof merged.connectionBudget === 'number') {
    merged.connectionBudget = Math.min(merged.connectionBudget, merged.maxConnections)
  }

  const first = Value.Errors(ConfigSchema, merged).First()
  if (first != null) {
    const key = first.path.split('/')[1] ?? first.path
    throw new ConfigError(describe(key), `${first.message} (got ${JSON.stringify(first.value)})`)
  }
  const config = merged as NodeConfig
  checkMultiaddrs('listen', config.listen)
  checkMultiaddrs('announce', config.announce)
  checkMultiaddrs('bootstrap', config.bootstrap)
  const { host } = parseHostPort(config.api)
  if (!isLoopbackHost(host) && config.apiToken == null) {
    throw new ConfigError(describe('apiToken'), `the API binds to ${host}, which is not loopback: an API token is required`)
  }
  if (config.minConnections > config.maxConnections) {
    throw new ConfigError(describe('minConnections'), `must not exceed maxConnections (${config.maxConnections})`)
  }
  if (config.connectionBudget > config.maxConnections) {
    throw new ConfigError(describe('connectionBudget'), `must not exceed maxConnections (${config.maxConnections})`)
  }
  return config
}
