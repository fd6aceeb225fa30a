/**
 * Assembles libp2p: TCP, Noise, Yamux, identify, ping, kad-dht and gossipsub, tuned for private swarms.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bootstrap } from '@libp2p/bootstrap'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { identify, type Identify, type IdentifyPush } from '@libp2p/identify'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { kadDHT, passthroughMapper, type KadDHT } from '@libp2p/kad-dht'
import type { Ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { isLoopback } from '@libp2p/utils'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import type { NodeConfig } from '../config.js'
import {
  AGENT_VERSION, DEFAULT_MAX_INCOMING_PENDING, DIAL_ADDRESS_TIMEOUT_MS, DIAL_TIMEOUT_MS, DHT_ALPHA,
  DHT_DISJOINT_PATHS, DHT_INITIAL_QUERY_SELF_MS, DHT_MAX_INBOUND_STREAMS, DHT_QUERY_SELF_JITTER, DHT_QUERY_SELF_MS,
  DHT_TABLE_UPDATE_CONCURRENCY, PING_MAX_STREAMS,
  YAMUX_KEEP_ALIVE
} from './constants.js'
import {
  GOSSIPSUB_D, GOSSIPSUB_DHI, GOSSIPSUB_DLO, GOSSIPSUB_FLOOD_PUBLISH, GOSSIPSUB_HEARTBEAT_MS,
  GOSSIPSUB_IDONTWANT_MIN_BYTES, GOSSIPSUB_MCACHE_GOSSIP, GOSSIPSUB_MCACHE_LENGTH
} from './constants.js'
import { GOSSIPSUB_DECODE_LIMITS, GOSSIPSUB_MAX_INBOUND_STREAMS, GOSSIPSUB_MAX_RPC_BYTES, TCP_KEEP_ALIVE_IDLE_MS } from './constants.js'
import { PEER_SCORE_PARAMS, PEER_SCORE_THRESHOLDS, scoreSubscribedTopics } from './gossip-scoring.js'
import { noiseCrypto } from './noise-crypto.js'
import { dependencyPatchesApplied } from './patches.js'
import { corkSocketWrites } from './socket-writes.js'
import { concurrentOutboundStreams } from './gossip-streams.js'
import { skipAuthorOnForward } from './gossip-forward.js'
import { limitTopicNames } from './gossip-topics.js'
import { muxerFirstPing } from './muxer-ping.js'
import { withFrameLimit } from './dht-frames.js'
import { serviceWithoutRelayedDials } from './relayed-only.js'
import { routingTableOf } from './dht.js'
import { jittered } from './jitter.js'
import { ProviderLimitDatastore } from './provider-store.js'
import { ping } from '@libp2p/ping'
import { natGater, natServices, natTransports } from './nat.js'
import { closeStopStreamOnFailedConnect } from './relay-stop-streams.js'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'

export interface Services extends Record<string, unknown> {
  identify: Identify
  identifyPush: IdentifyPush
  ping: Ping
  dht: KadDHT
  pubsub: GossipSub
  /** The circuit relay v2 server, unless `--relay-service off` (node/nat.ts). */
  relay?: CircuitRelayService
}

export type GossipdLibp2p = Libp2p<Services>

type GossipsubOptions = NonNullable<Parameters<typeof gossipsub>[0]>

/** How gossipsub names messages. The host knows no message format: the messaging feature brings these. */
export type MessageIdOptions = Required<Pick<GossipsubOptions, 'msgIdFn' | 'msgIdToStrFn' | 'fastMsgIdFn'>>

export interface Libp2pOptions {
  messageIds: MessageIdOptions
  /**
   * Build libp2p as its packages are published: none of the per-instance patches (Noise crypto, muxer pings,
   * concurrent gossip streams). The process-wide ones follow `applyDependencyPatches()` (patches.ts).
   * @default false
   */
  stockLibraries?: boolean
  /** Extra gossipsub options, layered over the defaults here. */
  gossipsub?: GossipsubOptions
}

/** Bootstrap entries that name their peer id can be tagged in the peer store by @libp2p/bootstrap. */
function bootstrapWithPeerIds (list: string[]): string[] {
  return list.filter(a => multiaddr(a).getComponents().some(c => c.name === 'p2p'))
}

/**
 * The addresses a node tells others (identify, DHT records): loopback ones only when it has nothing else. A
 * node listening on all interfaces also listens on 127.0.0.1, which reaches no other host; worse, in a container
 * every node has 127.0.0.1:4001, so a peer dialing that address reaches itself and waits out a failed handshake
 * before trying the address that works. A swarm on one host's loopback (`gossipd swarm`) keeps its addresses.
 */
export function announceable (addrs: Multiaddr[]): Multiaddr[] {
  const routable = addrs.filter(a => !isLoopback(a))
  return routable.length > 0 ? routable : addrs
}

/** Largest gossipsub RPC frame: room for a few messages of the configured size, never below the default. */
export function gossipsubRpcLimit (maxMessageSize: number): number {
  return Math.max(GOSSIPSUB_MAX_RPC_BYTES, 4 * maxMessageSize + 64 * 1024)
}

const TCP_KEEP_ALIVE = { keepAlive: true, keepAliveInitialDelay: TCP_KEEP_ALIVE_IDLE_MS }

export async function buildLibp2p (config: NodeConfig, privateKey: PrivateKey, opts: Libp2pOptions): Promise<GossipdLibp2p> {
  const tagged = bootstrapWithPeerIds(config.bootstrap)
  const stock = opts.stockLibraries === true
  const pingLimits = { maxOutboundStreams: PING_MAX_STREAMS, maxInboundStreams: PING_MAX_STREAMS }
  const nat = await natServices(config)
  const node: GossipdLibp2p = await createLibp2p<Services>({
    privateKey,
    start: false,
    // provider records of other peers: keys checked, counts capped (node/provider-store.ts)
    datastore: new ProviderLimitDatastore({ self: peerIdFromPrivateKey(privateKey) }),
    addresses: {
      listen: config.listen,
      announce: config.announce,
      announceFilter: announceable
    },
    // TCP, and circuit relay v2: dial through relays, listen through reservations (node/nat.ts)
    // the kernel's keep-alive probes find a silent peer on an idle connection at no CPU cost to the node
    // (TCP_KEEP_ALIVE_IDLE_MS); liveness pings, far fewer, measure latency and catch a hung peer
    transports: [tcp({ dialOpts: TCP_KEEP_ALIVE, listenOpts: TCP_KEEP_ALIVE }), ...natTransports()],
    connectionGater: natGater({ getConnections: () => node.getConnections(), maxCircuits: config.relayMaxCircuits }),
    // Noise with each session's cipher key imported once, not once per frame (node/noise-crypto.ts)
    connectionEncrypters: [stock ? noise() : noise({ crypto: noiseCrypto })],
    // liveness pings every connection over Yamux already (node/liveness.ts); Yamux's own keep-alive pinged each one
    // again every 30 s, 3.4 % of an idle node's CPU profile with the answers on the other end on top
    streamMuxers: [yamux({ enableKeepAlive: YAMUX_KEEP_ALIVE })],
    connectionManager: {
      maxConnections: config.maxConnections,
      inboundConnectionThreshold: config.inboundConnectionThreshold,
      maxIncomingPendingConnections: DEFAULT_MAX_INCOMING_PENDING,
      // libp2p's defaults (6 s per address, 10 s per dial and per inbound upgrade) assume idle machines; when a
      // swarm joins at once, handshakes queue behind each other, and aborting them only repeats the same work
      addressDialTimeout: DIAL_ADDRESS_TIMEOUT_MS,
      dialTimeout: DIAL_TIMEOUT_MS,
      inboundUpgradeTimeout: DIAL_TIMEOUT_MS
    },
    peerDiscovery: tagged.length > 0 ? [bootstrap({ list: tagged })] : [],
    nodeInfo: { name: 'gossipd', userAgent: AGENT_VERSION },
    // liveness is ours (node/liveness.ts): it tolerates one missed ping, where this monitor aborts on the first,
    // which on a loaded machine drops healthy connections
    connectionMonitor: { enabled: false },
    services: {
      identify: identify(),
      // the liveness check and kad-dht's contact checks may ping one peer at the same moment; pings of a
      // connected peer go over its Yamux connection, with no stream (node/muxer-ping.ts)
      ping: stock ? ping(pingLimits) : muxerFirstPing(pingLimits),
      // requests and answers are read with a frame-length limit (node/dht-frames.ts); no circuit is dialed for a
      // request to a peer reached only through relays (node/relayed-only.ts)
      dht: withFrameLimit(serviceWithoutRelayedDials(kadDHT({
        protocol: config.dhtProtocol,
        // private swarms have no public addresses: without this the node would stay a client forever
        clientMode: false,
        // keep private and loopback addresses in records, or nobody in a container network is dialable
        peerInfoMapper: passthroughMapper,
        initialQuerySelfInterval: DHT_INITIAL_QUERY_SELF_MS,
        // each self-lookup dials most of a swarm of dozens: as often as go-libp2p-kad-dht, and not every node at once
        querySelfInterval: jittered(DHT_QUERY_SELF_MS, DHT_QUERY_SELF_JITTER),
        // the defaults (10 parallel requests on 10 disjoint paths) suit a slow public DHT of thousands; in a swarm
        // of dozens every hop answers in milliseconds, and 100 requests in flight per lookup only burn CPU
        alpha: DHT_ALPHA,
        disjointPaths: DHT_DISJOINT_PATHS,
        // every new contact is pinged before it enters the routing table; when a swarm joins at once dozens
        // queue up, and the default concurrency (2 x alpha) leaves most of them waiting for seconds
        routingTableUpdateQueueConcurrency: DHT_TABLE_UPDATE_CONCURRENCY,
        pingNewContactConcurrency: DHT_TABLE_UPDATE_CONCURRENCY,
        // a peer needs a few streams for its lookups; each inbound stream may buffer a frame
        maxInboundStreams: DHT_MAX_INBOUND_STREAMS
      }), (peer, dht) => {
        // a peer the node reaches only through a relay, at no direct address that connects, cannot answer DHT
        // requests: out of the routing table, as go-libp2p-kad-dht drops a peer it fails to query. Behind NATs every
        // lookup otherwise dialed the private addresses of other sites' nodes, 1-3 s each (NAT drill)
        routingTableOf(dht).remove(peer).catch(() => {})
      })),
      pubsub: gossipsub({
        emitSelf: false,
        allowPublishToZeroTopicPeers: true,
        // signed messages only: a message's author is proven, and messaging's ids are made of it
        globalSignaturePolicy: 'StrictSign',
        ...opts.messageIds,
        D: GOSSIPSUB_D,
        Dlo: GOSSIPSUB_DLO,
        Dhi: GOSSIPSUB_DHI,
        // IHAVE gossip to this many non-mesh peers a heartbeat; none at all at 0 (gossipsub's gossipFactor would
        // otherwise still pick a quarter of them)
        Dlazy: config.lazyGossipPeers,
        ...(config.lazyGossipPeers === 0 ? { gossipFactor: 0 } : {}),
        heartbeatInterval: GOSSIPSUB_HEARTBEAT_MS,
        floodPublish: GOSSIPSUB_FLOOD_PUBLISH,
        mcacheLength: GOSSIPSUB_MCACHE_LENGTH,
        mcacheGossip: GOSSIPSUB_MCACHE_GOSSIP,
        idontwantMinDataSize: GOSSIPSUB_IDONTWANT_MIN_BYTES,
        // a hostile peer's oversized frame or entry-stuffed RPC is refused before it is buffered or decoded
        maxInboundDataLength: gossipsubRpcLimit(config.maxMessageSize),
        decodeRpcLimits: GOSSIPSUB_DECODE_LIMITS,
        maxInboundStreams: GOSSIPSUB_MAX_INBOUND_STREAMS,
        // peers publishing messages a validator rejects are scored down, pruned from the mesh, then ignored
        scoreParams: PEER_SCORE_PARAMS,
        scoreThresholds: PEER_SCORE_THRESHOLDS,
        ...opts.gossipsub
      }),
      ...nat
    }
  })
  if (opts.gossipsub?.scoreParams?.topics == null) scoreSubscribedTopics(node.services.pubsub)
  // topic names from peers: bounded in length (node/gossip-topics.ts)
  if (opts.gossipsub?.allowedTopics == null) limitTopicNames(node.services.pubsub)
  // a peer slow to negotiate must not hold back gossipsub's streams to every other peer (node/gossip-streams.ts)
  if (!stock) concurrentOutboundStreams(node.services.pubsub)
  // go and rust peers score a node down for sending them their own messages (node/gossip-forward.ts)
  if (!stock) skipAuthorOnForward(node.services.pubsub)
  // a relay closes its stream to a circuit's destination when the dialer is gone before the circuit is joined;
  // left open, such streams fill the relay's circuits (node/relay-stop-streams.ts)
  if (node.services.relay != null) closeStopStreamOnFailedConnect(node.services.relay)
  // changes @libp2p/tcp's connection class for the whole process: only once the process opted in (patches.ts)
  if (dependencyPatchesApplied()) corkSocketWrites(node)
  return node
}
