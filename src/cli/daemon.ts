/**
 * `gossipd start --daemon <multiaddr>`: the node also answers the libp2p daemon control protocol (the
 * go-libp2p-daemon spec, served by @libp2p/daemon-server), so tools written for `p2pd`, the @libp2p/interop suite
 * among them, can drive it. What the daemon reaches is the libp2p host under gossipd: connections, raw protocol
 * streams, the DHT and gossipsub topics. gossipd's own topics, envelope and history stay behind the HTTP API.
 *
 * The control protocol has no authentication: whoever reaches the socket can dial, publish and register protocol
 * handlers as this node. So it is served only on loopback TCP or a unix socket.
 */
import { createServer, type Libp2pServer } from '@libp2p/daemon-server'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Libp2p } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import { isLoopback } from '@libp2p/utils'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { ConfigError } from '../errors.js'

/** The flag that names the control address, for error messages. */
const DAEMON_FLAG = '--daemon'

/**
 * The members of a libp2p node that @libp2p/daemon-server 9 reads, and nothing more. Building this view, rather
 * than handing the server the whole node, keeps the node's lifecycle with gossipd (the server would otherwise
 * start and stop libp2p itself) and makes a server upgrade that needs more of the node fail to type-check here.
 */
export interface DaemonHost {
  peerId: Libp2p['peerId']
  peerStore: Pick<Libp2p['peerStore'], 'merge' | 'get'>
  dial: Libp2p['dial']
  handle: Libp2p['handle']
  getMultiaddrs: Libp2p['getMultiaddrs']
  getConnections: Libp2p['getConnections']
  services: {
    dht: Pick<KadDHT, 'findPeer' | 'findProviders' | 'provide' | 'getClosestPeers' | 'get' | 'put'>
    pubsub: Pick<GossipSub, 'getTopics' | 'subscribe' | 'publish' | 'getSubscribers' | 'addEventListener'>
  }
}

/** The host libp2p node of a gossipd node, as far as the daemon protocol may reach it. */
export function daemonHostOf (libp2p: Libp2p<{ dht: KadDHT, pubsub: GossipSub }>): DaemonHost {
  const { dht, pubsub } = libp2p.services
  return {
    peerId: libp2p.peerId,
    peerStore: {
      merge: async (peer, data, options) => libp2p.peerStore.merge(peer, data, options),
      get: async (peer, options) => libp2p.peerStore.get(peer, options)
    },
    dial: async (peer, options) => libp2p.dial(peer, options),
    handle: async (protocol, handler, options) => { await libp2p.handle(protocol, handler, options) },
    getMultiaddrs: () => libp2p.getMultiaddrs(),
    getConnections: peer => libp2p.getConnections(peer),
    services: {
      dht: {
        findPeer: (peer, options) => dht.findPeer(peer, options),
        findProviders: (cid, options) => dht.findProviders(cid, options),
        provide: (cid, options) => dht.provide(cid, options),
        getClosestPeers: (key, options) => dht.getClosestPeers(key, options),
        get: (key, options) => dht.get(key, options),
        put: (key, value, options) => dht.put(key, value, options)
      },
      pubsub: {
        getTopics: () => pubsub.getTopics(),
        subscribe: topic => { pubsub.subscribe(topic) },
        publish: async (topic, data) => pubsub.publish(topic, data),
        getSubscribers: topic => pubsub.getSubscribers(topic),
        addEventListener: pubsub.addEventListener.bind(pubsub)
      }
    }
  }
}

/** Parse and check the control address: loopback TCP or a unix socket, since the protocol has no authentication. */
export function parseDaemonAddress (value: string): Multiaddr {
  let addr: Multiaddr
  try {
    addr = multiaddr(value)
  } catch (err) {
    throw new ConfigError(DAEMON_FLAG, `"${value}" is not a multiaddr: ${(err as Error).message}`)
  }
  const names = addr.getComponents().map(c => c.name)
  if (names.length === 1 && names[0] === 'unix') return addr
  if (names.length === 2 && (names[0] === 'ip4' || names[0] === 'ip6') && names[1] === 'tcp' && isLoopback(addr)) return addr
  throw new ConfigError(DAEMON_FLAG, `"${value}" must be a loopback TCP address (/ip4/127.0.0.1/tcp/<port>) or a unix socket (/unix/<URL-encoded path>): the daemon protocol has no authentication`)
}

/**
 * Serve the daemon control protocol for a started node. Stopping the returned server closes the control socket
 * only; the node is stopped by its owner.
 */
export async function startDaemon (address: Multiaddr, host: DaemonHost): Promise<Libp2pServer> {
  const served = {
    ...host,
    // the node is started and stopped by gossipd, never by the control socket's lifecycle
    start: async (): Promise<void> => {},
    stop: async (): Promise<void> => {}
  }
  // the server's type asks for a whole libp2p node; DaemonHost lists what it reads (checked against 9.0.16)
  const server = createServer(address, served as unknown as Parameters<typeof createServer>[1])
  await server.start()
  return server
}
