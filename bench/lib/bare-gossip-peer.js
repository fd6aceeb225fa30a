/**
 * One peer of the transport benchmark (bench/quic.js): a bare js-libp2p node with identify, ping and gossipsub at
 * gossipd's gossipsub settings and peer scoring (src/node/constants.ts, src/node/gossip-scoring.ts), on
 * TCP + Noise + Yamux or on QUIC, listening on loopback
 * and subscribed to one topic. No gossipd layer runs here: the transport is the only difference between two swarms.
 *
 *   node bench/lib/bare-gossip-peer.js tcp|quic TOPIC [stock|patched]
 *
 * `patched` runs the peer on gossipd's patches of its wire stack (src/node/patches.ts): the process-wide ones
 * (Yamux window updates, the length-prefix decoder, cached signature checks), Noise's per-session cipher keys and
 * corked TCP socket writes. Those that touch TCP, Noise or Yamux do nothing on QUIC.
 *
 * Prints {"addr", "peerId"} once listening, then answers one JSON line per command line on stdin:
 *   {"id", "op": "dial", "addrs": [...]}    dials them all; answers {"id", "connections", "failed"}
 *   {"id", "op": "publish", "bytes": N}     publishes N random bytes; answers {"id", "recipients"}
 *   {"id", "op": "stats"}                   answers {"id", "connections", "received", "meshPeers"}
 * Exits when stdin closes, so it never outlives the benchmark that started it.
 */
import { randomBytes } from 'node:crypto'
import { createInterface } from 'node:readline'
import { quic } from '@chainsafe/libp2p-quic'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { DEFAULT_LAZY_GOSSIP_PEERS } from '../../dist/src/constants.js'
import * as C from '../../dist/src/node/constants.js'
import { PEER_SCORE_PARAMS, PEER_SCORE_THRESHOLDS, scoreSubscribedTopics } from '../../dist/src/node/gossip-scoring.js'
import { noiseCrypto } from '../../dist/src/node/noise-crypto.js'
import { applyDependencyPatches } from '../../dist/src/node/patches.js'
import { corkSocketWrites } from '../../dist/src/node/socket-writes.js'

/** gossipd's liveness ping interval (src/constants.ts DEFAULT_PING_INTERVAL_MS), through libp2p's connection monitor here. */
const PING_INTERVAL_MS = 10_000

/** Loopback peers share one address: libp2p's default of 5 inbound connections per second and host refuses a joining swarm. */
const INBOUND_CONNECTION_THRESHOLD = 200

/** Far above the benchmark's ~13 per node: the benchmark decides who connects to whom, the connection manager never trims. */
const MAX_CONNECTIONS = 64

const TCP_KEEP_ALIVE = { keepAlive: true, keepAliveInitialDelay: C.TCP_KEEP_ALIVE_IDLE_MS }

const [transport, topic, patches = 'stock'] = process.argv.slice(2)
if ((transport !== 'tcp' && transport !== 'quic') || topic == null || (patches !== 'stock' && patches !== 'patched')) {
  process.stderr.write('usage: bare-gossip-peer.js tcp|quic TOPIC [stock|patched]\n')
  process.exit(2)
}
const patched = patches === 'patched'
if (patched) applyDependencyPatches()

// QUIC encrypts and multiplexes itself (TLS 1.3 and QUIC streams, in quinn); TCP needs Noise and Yamux on top
const wire = transport === 'quic'
  ? { listen: '/ip4/127.0.0.1/udp/0/quic-v1', transports: [quic()], connectionEncrypters: [], streamMuxers: [] }
  : {
      listen: '/ip4/127.0.0.1/tcp/0',
      transports: [tcp({ dialOpts: TCP_KEEP_ALIVE, listenOpts: TCP_KEEP_ALIVE })],
      connectionEncrypters: [patched ? noise({ crypto: noiseCrypto }) : noise()],
      streamMuxers: [yamux({ enableKeepAlive: C.YAMUX_KEEP_ALIVE })]
    }

const node = await createLibp2p({
  addresses: { listen: [wire.listen] },
  transports: wire.transports,
  connectionEncrypters: wire.connectionEncrypters,
  streamMuxers: wire.streamMuxers,
  connectionManager: {
    maxConnections: MAX_CONNECTIONS,
    inboundConnectionThreshold: INBOUND_CONNECTION_THRESHOLD,
    maxIncomingPendingConnections: C.DEFAULT_MAX_INCOMING_PENDING,
    addressDialTimeout: C.DIAL_ADDRESS_TIMEOUT_MS,
    dialTimeout: C.DIAL_TIMEOUT_MS,
    inboundUpgradeTimeout: C.DIAL_TIMEOUT_MS
  },
  // a ping of every connection every 10 s, as gossipd's liveness does; a missed one on a loaded machine closes nothing
  connectionMonitor: { pingInterval: PING_INTERVAL_MS, abortConnectionOnPingFailure: false },
  services: {
    identify: identify(),
    ping: ping(),
    pubsub: gossipsub({
      emitSelf: false,
      allowPublishToZeroTopicPeers: true,
      globalSignaturePolicy: 'StrictSign',
      D: C.GOSSIPSUB_D,
      Dlo: C.GOSSIPSUB_DLO,
      Dhi: C.GOSSIPSUB_DHI,
      Dlazy: DEFAULT_LAZY_GOSSIP_PEERS,
      heartbeatInterval: C.GOSSIPSUB_HEARTBEAT_MS,
      floodPublish: C.GOSSIPSUB_FLOOD_PUBLISH,
      mcacheLength: C.GOSSIPSUB_MCACHE_LENGTH,
      mcacheGossip: C.GOSSIPSUB_MCACHE_GOSSIP,
      idontwantMinDataSize: C.GOSSIPSUB_IDONTWANT_MIN_BYTES,
      // gossipd's scoring: with gossipsub's default IP colocation penalty a swarm on one loopback address graylists itself
      scoreParams: PEER_SCORE_PARAMS,
      scoreThresholds: PEER_SCORE_THRESHOLDS
    })
  }
})

scoreSubscribedTopics(node.services.pubsub)
if (patched && transport === 'tcp') corkSocketWrites(node)

let received = 0
node.services.pubsub.addEventListener('message', () => { received++ })
node.services.pubsub.subscribe(topic)

async function answer (cmd) {
  if (cmd.op === 'dial') {
    const results = await Promise.allSettled(cmd.addrs.map(async a => node.dial(multiaddr(a), { signal: AbortSignal.timeout(C.DIAL_TIMEOUT_MS) })))
    const failed = results.filter(r => r.status === 'rejected').map(r => r.reason?.message ?? String(r.reason))
    return { connections: node.getConnections().length, failed }
  }
  if (cmd.op === 'publish') {
    const { recipients } = await node.services.pubsub.publish(topic, randomBytes(cmd.bytes))
    return { recipients: recipients.length }
  }
  if (cmd.op === 'stats') {
    return { connections: node.getConnections().length, received, meshPeers: node.services.pubsub.getMeshPeers(topic).length }
  }
  throw new Error(`unknown op ${cmd.op}`)
}

const lines = createInterface({ input: process.stdin })
lines.on('line', line => {
  const cmd = JSON.parse(line)
  answer(cmd).then(
    value => { process.stdout.write(JSON.stringify({ id: cmd.id, ...value }) + '\n') },
    err => { process.stdout.write(JSON.stringify({ id: cmd.id, error: err.message }) + '\n') }
  )
})
lines.once('close', () => { void node.stop().finally(() => process.exit(0)) })
process.once('SIGTERM', () => { void node.stop().finally(() => process.exit(0)) })

process.stdout.write(JSON.stringify({ addr: node.getMultiaddrs()[0].toString(), peerId: node.peerId.toString() }) + '\n')
