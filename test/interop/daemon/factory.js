/**
 * The @libp2p/interop daemon factory: `js` daemons are gossipd processes (`gossipd start --daemon`), `go` daemons
 * are go-libp2p-daemon's p2pd. Each spawn maps the suite's options onto the daemon's own settings; an option
 * gossipd has no counterpart for throws the suite's UnsupportedError, so the test is skipped with that reason.
 */
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { createClient } from '@libp2p/daemon-client'
import { UnsupportedError } from '@libp2p/interop'
import { multiaddr } from '@multiformats/multiaddr'

/** A daemon that has not said where its control socket is by then has failed to start (2 cores, shared). */
const SPAWN_TIMEOUT_MS = 30_000
/** gossipd leaves its peers gracefully on SIGTERM; after this it is killed. */
const STOP_TIMEOUT_MS = 10_000
/** The Kademlia protocol p2pd (and every go-libp2p DHT) speaks; gossipd's default keeps its swarms apart. */
const IPFS_KAD_PROTOCOL = '/ipfs/kad/1.0.0'
/** gossipd's identity file in its data directory (src/constants.ts IDENTITY_FILE). */
const IDENTITY_FILE = 'identity.key'
/** The line gossipd logs once the control socket listens (src/cli/start.ts). */
const GOSSIPD_READY_MSG = 'daemon control listening'
/** The line p2pd prints once the control socket listens. */
const P2PD_READY_PREFIX = 'Control socket: '

/** Why gossipd cannot run with these options, or undefined when it can. */
export function gossipdUnsupported (options) {
  if (options.encryption != null && options.encryption !== 'noise') {
    return `gossipd encrypts with Noise only, not ${options.encryption}`
  }
  if (options.muxer != null && options.muxer !== 'yamux') {
    return `gossipd multiplexes with Yamux only, not ${options.muxer}`
  }
  if (options.transport != null && options.transport !== 'tcp') {
    return `gossipd listens and dials over TCP only, not ${options.transport}`
  }
  if (options.relay === true) {
    return 'the daemon adapter does not map the relay option yet: gossipd serves relay v2 only with --relay-service on, once it is reachable'
  }
  // the suite's connection tests give a node no listen address but a transport to dial out with; its relay tests
  // give none, so the node is reachable through a circuit relay only
  if (options.noListen === true && options.transport == null) {
    return 'gossipd needs at least one listen address, and its relay reservations are made on relays it finds through the bootstrap and the DHT, not on the relay the suite names'
  }
  return undefined
}

/** gossipd's settings for the suite's options (gossipdUnsupported has ruled out the rest). */
export function gossipdArgs (options, { dataDir }) {
  return [
    'start',
    '--daemon', '/ip4/127.0.0.1/tcp/0',
    // gossipd always listens (noListen only says the test dials from this side); an unused port costs nothing
    '--listen', '/ip4/127.0.0.1/tcp/0',
    '--api', '127.0.0.1:0',
    '--data-dir', dataDir,
    // gossipd always runs its DHT and gossipsub; the DHT joins go's by speaking its protocol id
    '--dht-protocol', IPFS_KAD_PROTOCOL,
    '--log-level', 'info'
  ]
}

/**
 * p2pd's environment: go-libp2p's TCP dials without SO_REUSEPORT, from an ephemeral port. With it a go node dials
 * from its listening port, and two go nodes dialing each other at the same moment (the suite's connect loop beside
 * their DHTs' own dials) can meet in one TCP connection by simultaneous open, where both run Noise as the initiator
 * and the dial fails with "noise: message is too short" (ipfs/kubo#7734, libp2p/go-libp2p-noise#70). That failed a
 * go-to-go hook of `dht.contentFetching` in a CI run of 2026-12-07; gossipd was not in it. Reuseport is for NAT
 * traversal, which nothing here on loopback uses.
 */
export const P2PD_ENV = { ...process.env, LIBP2P_TCP_REUSEPORT: 'false' }

/** p2pd's flags for the suite's options. */
export function p2pdArgs (options) {
  const args = ['-listen', '/ip4/127.0.0.1/tcp/0']
  if (options.noListen === true) {
    args.push('-noListenAddrs')
  } else {
    args.push('-hostAddrs', listenAddressFor(options.transport))
  }
  if (options.key != null) args.push('-id', options.key)
  // `-dht` is go's auto mode, a server only once AutoNAT finds a public address, never on loopback; a go node
  // left a DHT client is in nobody's routing table (gossipd is a server always: clientMode false)
  if (options.dht === true) args.push('-dhtServer')
  if (options.pubsub === true) args.push('-pubsub', '-pubsubRouter', options.pubsubRouter ?? 'gossipsub')
  if (options.muxer != null) args.push('-muxer', options.muxer)
  if (options.encryption != null) {
    args.push(`-noise=${options.encryption === 'noise'}`, `-tls=${options.encryption === 'tls'}`, `-plaintext=${options.encryption === 'plaintext'}`)
  }
  // -relay (circuit relay v2, client and service) is on by default
  return args
}

function listenAddressFor (transport) {
  switch (transport ?? 'tcp') {
    case 'tcp': return '/ip4/127.0.0.1/tcp/0'
    case 'webtransport': return '/ip4/127.0.0.1/udp/0/quic-v1/webtransport'
    case 'webrtc-direct': return '/ip4/127.0.0.1/udp/0/webrtc-direct'
    default: throw new UnsupportedError(`unknown transport ${transport}`)
  }
}

/**
 * @param {{ gossipd: string, p2pd: string, logDir: string }} init the gossipd CLI script, the p2pd binary and a
 *   directory for each daemon's output
 */
export function createFactory (init) {
  const live = new Set()
  let spawned = 0
  // mocha exits when the run ends (or on ^C) without waiting for hooks: no daemon may outlive it
  process.once('exit', () => { for (const d of live) d.kill() })

  async function startProcess (name, command, args, readyAddress, cleanup, env = process.env) {
    const n = ++spawned
    const logPath = join(init.logDir, `${String(n).padStart(3, '0')}-${name}.log`)
    const logFile = createWriteStream(logPath)
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env })
    child.stderr.pipe(logFile, { end: false })
    const exited = new Promise(resolve => { child.once('exit', (code, signal) => { resolve({ code, signal }) }) })
    const ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`${name} did not start within ${SPAWN_TIMEOUT_MS} ms (log ${logPath})`)) }, SPAWN_TIMEOUT_MS)
      void exited.then(({ code, signal }) => {
        clearTimeout(timer)
        reject(new Error(`${name} exited (${code ?? signal}) before its control socket listened (log ${logPath})`))
      })
      createInterface({ input: child.stdout }).on('line', line => {
        logFile.write(line + '\n')
        const address = readyAddress(line)
        if (address != null) {
          clearTimeout(timer)
          resolve(address)
        }
      })
    })
    let address
    try {
      address = await ready
    } catch (err) {
      child.kill('SIGKILL')
      await cleanup()
      throw err
    }
    const client = createClient(multiaddr(address))
    const daemon = {
      client,
      kill () { child.kill('SIGKILL') },
      async stop () {
        if (!live.delete(daemon)) return
        if (child.exitCode == null && child.signalCode == null) {
          child.kill('SIGTERM')
          const timer = setTimeout(() => { child.kill('SIGKILL') }, STOP_TIMEOUT_MS)
          await exited
          clearTimeout(timer)
        }
        logFile.end()
        await cleanup()
      }
    }
    live.add(daemon)
    return daemon
  }

  async function spawnGossipd (options) {
    const reason = gossipdUnsupported(options)
    if (reason != null) throw new UnsupportedError(reason)
    const dataDir = await mkdtemp(join(tmpdir(), 'gossipd-interop-'))
    // the suite's key files are libp2p protobuf private keys, which is what gossipd keeps as its identity
    if (options.key != null) await copyFile(options.key, join(dataDir, IDENTITY_FILE))
    const readyAddress = line => {
      if (!line.includes(GOSSIPD_READY_MSG)) return undefined
      return JSON.parse(line).daemon
    }
    return startProcess('gossipd', process.execPath, [init.gossipd, ...gossipdArgs(options, { dataDir })], readyAddress,
      async () => { await rm(dataDir, { recursive: true, force: true }) })
  }

  async function spawnP2pd (options) {
    const readyAddress = line => line.startsWith(P2PD_READY_PREFIX) ? line.slice(P2PD_READY_PREFIX.length).trim() : undefined
    return startProcess('p2pd', init.p2pd, p2pdArgs(options), readyAddress, async () => {}, P2PD_ENV)
  }

  return {
    async spawn (options) {
      await mkdir(init.logDir, { recursive: true })
      return options.type === 'go' ? spawnP2pd(options) : spawnGossipd(options)
    },
    /** Stop every daemon still running (those of a hook that failed half way). */
    async stopAll () {
      await Promise.all([...live].map(async d => d.stop()))
    }
  }
}
