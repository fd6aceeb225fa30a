import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Connection, PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../src/logger.js'
import { AutonatServer } from '../../src/node/autonat-server.js'
import { decodeDialResponse, DialStatus, encodeDial } from '../../src/node/autonat-wire.js'
import { AUTONAT_PROTOCOL } from '../../src/node/constants.js'
import { connect, startNode, stopNode, type TestNode } from '../messaging/helpers.js'

async function ask (from: TestNode, to: TestNode, addrs: string[]): Promise<{ status: number, statusText?: string }> {
  const conn = from.node.libp2p.getConnections(to.node.peerId)[0]
  const stream = await conn.newStream(AUTONAT_PROTOCOL)
  const lp = lpStream(stream)
  await lp.write(encodeDial(from.node.peerId.toMultihash().bytes, addrs.map(a => multiaddr(a).bytes)))
  const res = decodeDialResponse((await lp.read()).subarray())
  await stream.close()
  return res
}

describe('AutoNAT server', () => {
  let a: TestNode
  let b: TestNode
  beforeAll(async () => {
    a = await startNode()
    b = await startNode()
    await connect(a, b)
  })
  afterAll(async () => {
    await stopNode(a)
    await stopNode(b)
  })

  it('refuses to dial addresses other than the asker\'s own IP, and private ones, and keeps the connection', async () => {
    const res = await ask(a, b, ['/ip4/8.8.8.8/tcp/4001', '/ip4/127.0.0.1/tcp/4001'])
    expect(res.status).toBe(DialStatus.E_DIAL_REFUSED)
    expect(a.node.libp2p.getConnections(b.node.peerId).length).toBeGreaterThan(0)
  })

  it('answers one request per peer per interval, refusing the next', async () => {
    const res = await ask(a, b, ['/ip4/8.8.8.8/tcp/4001'])
    expect(res).toMatchObject({ status: DialStatus.E_DIAL_REFUSED, statusText: 'too many requests' })
  })
  it('on loopback, where no dial-back can test an address, reachability stays unknown and the DHT a server', async () => {
    await a.node.host.traversal.reachability.probe()
    expect(a.node.info().reachability).toBe('unknown')
    expect(a.node.libp2p.services.dht.getMode()).toBe('server')
    expect(b.node.libp2p.services.dht.getMode()).toBe('server')
    // nothing was reserved: no relay addresses
    expect(a.node.info().relayAddresses).toEqual([])
  })
})

describe('AutoNAT server dial-backs', () => {
  async function setup (dial: (addr: string) => Promise<void>): Promise<{ server: AutonatServer, conn: Connection, peer: PeerId, dialed: string[] }> {
    const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const dialed: string[] = []
    const server = new AutonatServer({
      handle: async () => {},
      unhandle: async () => {},
      dialNew: async addr => {
        dialed.push(addr.toString())
        await dial(addr.toString())
        return { close: async () => {} } as unknown as Connection
      },
      log: silentLogger()
    })
    const conn = { remotePeer: peer, remoteAddr: multiaddr(`/ip4/21.0.0.1/tcp/40123/p2p/${peer.toString()}`), limits: undefined } as unknown as Connection
    return { server, conn, peer, dialed }
  }
  const addrs = ['/ip4/8.8.8.8/tcp/4001', '/ip4/192.168.1.2/tcp/4001', '/ip4/21.0.0.1/tcp/4001'].map(a => multiaddr(a).bytes)

  it('dials back on a new connection, only the asker\'s own public IP, and answers OK with the address', async () => {
    const { server, conn, peer, dialed } = await setup(async () => {})
    const res = await server.answer(peer.toMultihash().bytes, addrs, conn, AbortSignal.timeout(5_000))
    expect(dialed).toEqual([`/ip4/21.0.0.1/tcp/4001/p2p/${peer.toString()}`])
    expect(res.status).toBe(DialStatus.OK)
    expect(multiaddr(res.addr as Uint8Array).toString()).toBe('/ip4/21.0.0.1/tcp/4001')
  })

  it('answers E_DIAL_ERROR when the dial-back fails, and E_BAD_REQUEST over a relayed connection or for another peer', async () => {
    const { server, conn, peer } = await setup(async () => { throw new Error('connection timed out') })
    expect((await server.answer(peer.toMultihash().bytes, addrs, conn, AbortSignal.timeout(5_000))).status).toBe(DialStatus.E_DIAL_ERROR)
    const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const fresh = await setup(async () => {})
    expect((await fresh.server.answer(fresh.peer.toMultihash().bytes, addrs, { ...fresh.conn, limits: { bytes: 1n } } as unknown as Connection, AbortSignal.timeout(5_000))).status).toBe(DialStatus.E_BAD_REQUEST)
    expect((await fresh.server.answer(other.toMultihash().bytes, addrs, fresh.conn, AbortSignal.timeout(5_000))).status).toBe(DialStatus.E_BAD_REQUEST)
  })
})
