/**
 * Direct messages to a peer reached only through a relay go over the relayed connection the sender has: libp2p
 * alone would set up a new circuit for every stream, find it duplicates the open one, and throw it away.
 */
import type { Connection } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { reusableConnection } from '../../src/node/reuse-connection.js'
import { reserveOnRelay, startNode, stopNode, type TestNode } from '../messaging/helpers.js'

const conn = (status: string, limited: boolean, id: string): Connection => ({ id, status, ...(limited ? { limits: { bytes: 1n } } : {}) }) as unknown as Connection

describe('reusableConnection', () => {
  it('takes an open unlimited connection first, then an open limited one, never a closing one', () => {
    expect(reusableConnection([conn('open', true, 'relayed'), conn('open', false, 'direct')])?.id).toBe('direct')
    expect(reusableConnection([conn('closing', false, 'direct'), conn('open', true, 'relayed')])?.id).toBe('relayed')
    expect(reusableConnection([conn('closed', true, 'relayed')])).toBeUndefined()
    expect(reusableConnection([])).toBeUndefined()
  })
})

describe('direct messages over a relayed connection', () => {
  let relay: TestNode
  let receiver: TestNode
  let sender: TestNode
  let connects = 0

  beforeAll(async () => {
    relay = await startNode({ relayService: 'on' })
    receiver = await startNode()
    sender = await startNode()
    const circuit = await reserveOnRelay(receiver, relay)
    // count the circuits the relay is asked for
    const server = relay.node.libp2p.services.relay as unknown as { handleConnect: (...args: unknown[]) => Promise<void> }
    const handleConnect = server.handleConnect
    server.handleConnect = async (...args) => { connects++; return handleConnect(...args) }
    // the sender knows the receiver only at its relayed address
    await sender.node.libp2p.dial(circuit)
  })
  afterAll(async () => {
    for (const n of [sender, receiver, relay]) await stopNode(n)
  })

  it('sends each message on the open relayed connection, asking the relay for no new circuit', async () => {
    const before = connects
    expect(before).toBe(1)
    for (let i = 0; i < 3; i++) {
      const sent = await sender.node.direct.send(receiver.node.peerId.toString(), new TextEncoder().encode(`m${i}`))
      expect(sent.status).toBe('delivered')
    }
    expect(connects).toBe(before)
    expect(sender.node.libp2p.getConnections(receiver.node.peerId).filter(c => c.status === 'open')).toHaveLength(1)
  })
})
