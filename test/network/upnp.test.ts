/**
 * `--upnp` on an internet in a box (test/network/internet.ts): a node behind a home router that grants port
 * mappings (miniupnpd, UPnP IGD and NAT-PMP) asks it to forward its listening port, announces the router's
 * address, and is reachable there: its own dial-backs make it `public`, and a public node connects to it there
 * directly, through a NAT that drops every inbound connection it was not asked to forward (test/network/nat.test.ts
 * shows that for nodes without `--upnp`). A node that stops takes its port forward off the router. The second
 * node of the site runs without `--upnp` and announces no address at the router.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually } from '../helpers/process-nodes.js'
import { api, boxUnavailable, InternetInABox, routerIp as routerIpOf, upnpUnavailable, type BoxNode } from './internet.js'

/** Gateway search (every second for 5 s at first), the mapping (debounced 5 s), then the dial-backs. */
const MAPPED_MS = 90_000

const skip = boxUnavailable() ?? upnpUnavailable()

interface IdBody { reachability: string, announced: string[] }

describe.skipIf(skip != null)(`--upnp behind a router that maps ports${skip != null ? ` (skipped: ${skip})` : ''}`, () => {
  const box = new InternetInABox(2, [{ randomFully: false, nodes: 2, upnp: true }])
  let bootstrap: BoxNode
  let other: BoxNode
  let mapped: BoxNode
  let plain: BoxNode
  let failed = false
  const routerIp = routerIpOf(1)

  beforeAll(async () => {
    await box.setUp()
    ;[bootstrap, other] = box.publicNodes
    ;[mapped, plain] = box.siteNodes(1)
    box.start(bootstrap)
    await box.waitReady(bootstrap)
    const boot = `/ip4/${bootstrap.ip}/tcp/4001/p2p/${bootstrap.peerId}`
    box.start(other, ['--bootstrap', boot])
    box.start(mapped, ['--bootstrap', boot, '--upnp'])
    box.start(plain, ['--bootstrap', boot])
    await Promise.all([other, mapped, plain].map(async n => box.waitReady(n)))
  }, 120_000)

  afterAll(async () => {
    if (failed) console.log(`logs kept in ${box.logDir}`)
    await box.stop(failed)
  }, 60_000)

  const ids = async (n: BoxNode): Promise<IdBody> => (await api<IdBody>(n, '/id')).body

  it('the node announces the port the router mapped and its dial-backs find it public', async () => {
    const started = Date.now()
    const ok = await eventually(async () => {
      const id = await ids(mapped)
      return id.announced.some(a => a.startsWith(`/ip4/${routerIp}/tcp/`)) && id.reachability === 'public'
    }, MAPPED_MS, 1000)
    const id = await ids(mapped)
    console.log(`upnp: ${ok ? `mapped and public after ${((Date.now() - started) / 1000).toFixed(1)} s` : 'not mapped'}; announced ${id.announced.join(', ')}; reachability ${id.reachability}`)
    failed ||= !ok
    expect(id.announced.filter(a => a.startsWith(`/ip4/${routerIp}/tcp/`)), 'an address at the router').toHaveLength(1)
    expect(id.reachability).toBe('public')
    expect((await ids(plain)).announced.some(a => a.startsWith(`/ip4/${routerIp}/`))).toBe(false)
  }, MAPPED_MS + 10_000)

  it('a public node connects to it at the router, directly', async () => {
    const id = await ids(mapped)
    const addr = id.announced.find(a => a.startsWith(`/ip4/${routerIp}/tcp/`))?.replace(/\/p2p\/.*$/, '')
    expect(addr).toBeDefined()
    // a connection the node made itself would show its router's address too, at another port: start from none
    await api(other, `/peers/${mapped.peerId}`, { method: 'DELETE' })
    const res = await api(other, '/peers', { method: 'POST', json: { multiaddr: `${addr}/p2p/${mapped.peerId}` } })
    failed ||= res.status !== 200
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const peers = (await api<{ peers: Array<{ id: string, links: Array<{ remoteAddr: string, direction: string, relayed: boolean }> }> }>(other, '/peers')).body.peers
    const links = peers.find(p => p.id === mapped.peerId)?.links ?? []
    expect(links.some(l => !l.relayed && l.direction === 'outbound' && l.remoteAddr.startsWith(`${addr}/`)), JSON.stringify(links)).toBe(true)
  })

  it('a node that stops takes its port forward off the router', async () => {
    const forwards = box.portForwards(1)
    // (iptables-legacy cannot print this DNAT's destination here, "[unsupported revision]"; only the node maps)
    expect(forwards.filter(l => l.includes('--dport 4001')), forwards.join('\n')).toHaveLength(1)
    await box.stopNode(mapped)
    expect(mapped.child?.exitCode, 'a clean exit').toBe(0)
    expect(box.portForwards(1)).toEqual([])
  })
})
