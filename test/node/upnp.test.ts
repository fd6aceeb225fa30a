/**
 * `--upnp`: the node starts with UPnP/NAT-PMP port mapping and serves its API; without the flag the UPnP module
 * is not part of the node. libp2p refuses to start UPnP left to wait for @libp2p/autonat, which gossipd does
 * not run (node/nat.ts), and `--upnp` had made the node fail at start. No router answers here: the gateway search
 * runs and finds none; the mapping itself is not exercised.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startNode, stopNode, type TestNode } from '../messaging/helpers.js'

describe('--upnp', () => {
  const nodes: TestNode[] = []
  afterEach(async () => {
    for (const n of nodes.splice(0)) await stopNode(n)
  })

  it('a node with port mapping starts, answers and stops', async () => {
    const n = await startNode({ upnp: true })
    nodes.push(n)
    expect((n.node.libp2p.services as Record<string, unknown>).upnp).toBeDefined()
    const res = await fetch(`${n.url}/health`)
    expect(res.status).toBe(200)
  })

  it('a node without it has no UPnP service', async () => {
    const n = await startNode()
    nodes.push(n)
    expect((n.node.libp2p.services as Record<string, unknown>).upnp).toBeUndefined()
  })
})
