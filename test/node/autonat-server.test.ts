import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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
})
