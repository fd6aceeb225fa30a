/**
 * The libp2p daemon control protocol over a gossipd node (src/cli/daemon.ts), driven by @libp2p/daemon-client as
 * p2pd's users drive p2pd. The whole @libp2p/interop suite runs in `npm run test:interop:daemon`.
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { createClient } from '@libp2p/daemon-client'
import type { Libp2pServer } from '@libp2p/daemon-server'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { daemonHostOf, parseDaemonAddress, startDaemon } from '../../src/cli/daemon.js'
import { TestNodes, waitFor } from '../helpers/nodes.js'

describe('parseDaemonAddress', () => {
  it.each(['/ip4/127.0.0.1/tcp/0', '/ip6/::1/tcp/5001', '/unix/%2Ftmp%2Fgossipd-daemon.sock'])('accepts %s', (value) => {
    expect(parseDaemonAddress(value).toString()).toBe(value)
  })

  it.each([
    ['/ip4/0.0.0.0/tcp/5001', /loopback TCP address/],
    ['/ip4/10.1.2.3/tcp/5001', /loopback TCP address/],
    ['/dns4/localhost/tcp/5001', /loopback TCP address/],
    ['/ip4/127.0.0.1/tcp/5001/p2p/12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo', /loopback TCP address/],
    ['not a multiaddr', /is not a multiaddr/]
  ])('refuses %s with a ConfigError naming --daemon', (value, message) => {
    let err: unknown
    try { parseDaemonAddress(value) } catch (e) { err = e }
    expect((err as Error).name).toBe('ConfigError')
    expect((err as Error).message).toMatch(/^--daemon: /)
    expect((err as Error).message).toMatch(message)
  })
})

describe('gossipd start --daemon', () => {
  it('stops with exit code 2 and names the flag when the address is not loopback', async () => {
    const nodes = new TestNodes()
    const dataDir = await nodes.tempDir()
    const child = spawn(process.execPath, ['bin/gossipd.js', 'start', '--daemon', '/ip4/0.0.0.0/tcp/0', '--data-dir', dataDir], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString() })
    const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
    await nodes.cleanup()
    expect(code).toBe(2)
    expect(stderr).toMatch(/invalid setting --daemon: "\/ip4\/0\.0\.0\.0\/tcp\/0" must be a loopback TCP address/)
  }, 30_000)

  it('serves the control protocol beside the API and still leaves gracefully on SIGTERM', async () => {
    const nodes = new TestNodes()
    const dataDir = await nodes.tempDir()
    const child = spawn(process.execPath, ['bin/gossipd.js', 'start', '--daemon', '/ip4/127.0.0.1/tcp/0', '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] })
    const lines: Array<{ msg: string, daemon?: string, peerId?: string }> = []
    createInterface({ input: child.stdout! }).on('line', l => lines.push(JSON.parse(l)))
    const exited = new Promise<number | null>(resolve => child.once('exit', resolve))
    try {
      const ready = (await waitFor(() => lines.find(l => l.msg === 'daemon control listening'), 20_000, 'the control socket'))!
      const id = await createClient(multiaddr(ready.daemon!)).identify()
      expect(id.peerId.toString()).toBe(ready.peerId)
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
      expect(lines.map(l => l.msg)).toContain('node stopped')
    } finally {
      child.kill('SIGKILL')
      await nodes.cleanup()
    }
  }, 30_000)
})

describe('the daemon control protocol', () => {
  const nodes = new TestNodes()
  let server: Libp2pServer | undefined

  afterEach(async () => {
    await server?.stop()
    server = undefined
    await nodes.cleanup()
  })

  it('identifies the node, dials, lists peers and serves a protocol through the node', async () => {
    const [a, b] = await Promise.all([nodes.add(), nodes.add()])
    server = await startDaemon(parseDaemonAddress('/ip4/127.0.0.1/tcp/0'), daemonHostOf(a.libp2p))
    const client = createClient(server.getMultiaddr())

    const id = await client.identify()
    expect(id.peerId.equals(a.peerId)).toBe(true)
    expect(id.addrs.map(String)).toEqual(a.libp2p.getMultiaddrs().map(ma => ma.toString().replace(/\/p2p\/\w+$/, '')))

    await client.connect(b.peerId, b.libp2p.getMultiaddrs())
    expect((await client.listPeers()).some(p => p.equals(b.peerId))).toBe(true)

    // a protocol registered through the control socket is served by the node: b opens it and gets an answer
    const received: Uint8Array[] = []
    await client.registerStreamHandler('/gossipd-test/daemon/1.0.0', async (stream) => {
      for await (const chunk of stream) {
        received.push(chunk.subarray())
        break
      }
      await stream.close()
    })
    const stream = await b.libp2p.dialProtocol(a.peerId, '/gossipd-test/daemon/1.0.0')
    stream.send(new TextEncoder().encode('hello daemon'))
    await waitFor(() => received.length > 0, 10_000, 'the handler to get the bytes')
    expect(new TextDecoder().decode(received[0])).toBe('hello daemon')
  })

  it('closing the control socket leaves the node running and connected', async () => {
    const [a, b] = await Promise.all([nodes.add(), nodes.add()])
    server = await startDaemon(parseDaemonAddress('/ip4/127.0.0.1/tcp/0'), daemonHostOf(a.libp2p))
    await createClient(server.getMultiaddr()).connect(b.peerId, b.libp2p.getMultiaddrs())

    await server.stop()
    server = undefined

    expect(a.libp2p.status).toBe('started')
    expect(a.libp2p.getConnections(b.peerId).length).toBeGreaterThan(0)
  })
})
