import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { announceable } from '../../src/node/libp2p.js'
import { createNode } from '../../src/gossipd.js'
import { loadConfig } from '../../src/config.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const strings = (addrs: ReturnType<typeof announceable>): string[] => addrs.map(String)

describe('announced addresses', () => {
  it('leave out loopback when the node has a routable address (a container listening on 0.0.0.0)', () => {
    const addrs = ['/ip4/127.0.0.1/tcp/4001', '/ip4/172.18.0.41/tcp/4001', '/ip6/::1/tcp/4001'].map(a => multiaddr(a))
    expect(strings(announceable(addrs))).toEqual(['/ip4/172.18.0.41/tcp/4001'])
  })

  it('keep loopback when that is all the node has (a swarm on one host)', () => {
    const addrs = ['/ip4/127.0.0.1/tcp/40001', '/ip6/::1/tcp/40001'].map(a => multiaddr(a))
    expect(strings(announceable(addrs))).toEqual(['/ip4/127.0.0.1/tcp/40001', '/ip6/::1/tcp/40001'])
  })

  it('are what a node listening on all interfaces tells its peers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'announce-'))
    const node = await createNode(loadConfig({ flags: { listen: ['/ip4/0.0.0.0/tcp/0'], dataDir: dir, logLevel: 'silent', minConnections: 0 } }))
    try {
      await node.start()
      const listening = node.libp2p.getMultiaddrs().map(String)
      // this machine has some interface besides loopback, or the rule above keeps loopback: both are checked
      const routable = listening.filter(a => !a.startsWith('/ip4/127.') && !a.startsWith('/ip6/::1/'))
      expect(listening.length).toBeGreaterThan(0)
      if (routable.length > 0) expect(listening).toEqual(routable)
      else expect(listening.every(a => a.startsWith('/ip4/127.') || a.startsWith('/ip6/::1/'))).toBe(true)
    } finally {
      await node.stop()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
