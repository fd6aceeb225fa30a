/**
 * An internet in a box: network namespaces on one WAN bridge, some hosts public, others in sites behind a router
 * namespace that does NAT with iptables MASQUERADE and drops inbound packets that belong to no connection made
 * from inside. Every `gossipd start` process also has a point-to-point management link to the host, which the
 * test uses for the HTTP API only. Needs root, `ip` and `iptables`; every name starts with `gsn`.
 *
 * Addresses: each WAN host gets its own /8 (11.0.0.1, 12.0.0.1, 21.0.0.1, ...), because AutoNAT counts one
 * answer per network segment (the first octet) and public-looking, because AutoNAT never dials private ranges.
 * The WAN is one L2 segment: each host routes everything out of its WAN interface (on-link), so ARP finds the
 * peer directly. Site s is 192.168.s.0/24 behind router (20+s).0.0.1.
 *
 * A site may have a home router that grants port mappings (UPnP IGD and NAT-PMP, miniupnpd on its LAN side).
 *
 * No link latency or loss: the kernel of these machines has no netem, so every link is a plain veth.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startInNamespace, stopProcess, waitForApi } from '../helpers/netns.js'

const P = 'gsn'
const WAN = `${P}wan`
export const TOKEN = 'nat-test-token-0123456789abcdef'

export interface BoxNode {
  /** Index of the management link (1..), unique in the box. */
  index: number
  name: string
  ns: string
  /** The IP the node listens on. */
  ip: string
  /** 0 for a public host, else its site. */
  site: number
  apiUrl: string
  dataDir: string
  args: string[]
  child?: ChildProcess
  peerId?: string
}

export interface SiteSpec {
  /** `--random-fully`: a new random port for every connection, like a symmetric NAT. */
  randomFully: boolean
  nodes: number
  /** The router runs miniupnpd: its LAN hosts may ask it for port mappings (UPnP IGD and NAT-PMP). */
  upnp?: boolean
}

/** Why a UPnP router cannot run here, or undefined when it can. */
export function upnpUnavailable (): string | undefined {
  for (const cmd of ['miniupnpd', 'iptables-legacy']) {
    try {
      execFileSync(cmd, ['--version'], { stdio: 'ignore' })
    } catch (err) {
      // miniupnpd --version exits 0 on some builds and 1 on others; only a missing binary is fatal
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return `needs ${cmd} (apt-get install miniupnpd-iptables iptables)`
    }
  }
  return undefined
}

/** Site s's router: its namespace, and its address on the WAN, which is every site host's public address. */
const routerNs = (s: number): string => `${P}r${s}`
export const routerIp = (s: number): string => `${20 + s}.0.0.1`

/** Why the box cannot be built here, or undefined when it can. */
export function boxUnavailable (): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux network namespaces'
  if (process.getuid?.() !== 0) return 'needs root (ip netns, veth, bridges, iptables)'
  for (const [cmd, arg] of [['ip', '-V'], ['iptables', '--version']]) {
    try {
      execFileSync(cmd, [arg], { stdio: 'ignore' })
    } catch {
      return `needs the ${cmd} command (${cmd === 'ip' ? 'iproute2' : 'apt-get install iptables'})`
    }
  }
  return undefined
}

function run (cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? ''
    throw new Error(`${cmd} ${args.join(' ')}: ${stderr.trim() || (err as Error).message}`, { cause: err })
  }
}
const ip = (...args: string[]): void => { run('ip', args) }
const inNs = (ns: string, cmd: string, ...args: string[]): void => { run('ip', ['netns', 'exec', ns, cmd, ...args]) }

function tryRun (cmd: string, args: string[]): void {
  try { execFileSync(cmd, args, { stdio: 'ignore' }) } catch { /* absent already */ }
}

/** The bridge's frames pass the host's iptables when br_netfilter is loaded: let ours through whatever the policy. */
const FORWARD_RULE = ['FORWARD', '-i', WAN, '-o', WAN, '-j', 'ACCEPT', '-m', 'comment', '--comment', 'gossipd nat test']

export class InternetInABox {
  readonly nodes: BoxNode[] = []
  private dir = ''
  private namespaces: string[] = []
  private hostLinks: string[] = []
  private daemons: ChildProcess[] = []

  constructor (readonly publicHosts: number, readonly sites: SiteSpec[]) {}

  get publicNodes (): BoxNode[] { return this.nodes.filter(n => n.site === 0) }
  siteNodes (site: number): BoxNode[] { return this.nodes.filter(n => n.site === site) }

  async setUp (): Promise<void> {
    this.tearDownNetwork()
    this.dir = await mkdtemp(join(tmpdir(), 'gossipd-nat-'))
    ip('link', 'add', WAN, 'type', 'bridge')
    ip('link', 'set', WAN, 'up')
    tryRun('iptables', ['-I', ...FORWARD_RULE])
    let index = 0
    for (let h = 1; h <= this.publicHosts; h++) {
      const ns = `${P}p${h}`
      const wanIp = `${10 + h}.0.0.1`
      this.addNs(ns)
      this.wanLink(ns, `${P}p${h}`, wanIp)
      await this.addNode(++index, `public${h}`, ns, wanIp, 0)
    }
    this.sites.forEach((spec, i) => {
      const s = i + 1
      const router = routerNs(s)
      const wanIp = routerIp(s)
      this.addNs(router)
      this.wanLink(router, router, wanIp)
      inNs(router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1')
      ip('-n', router, 'link', 'add', 'lan', 'type', 'bridge')
      ip('-n', router, 'addr', 'add', `192.168.${s}.1/24`, 'dev', 'lan')
      ip('-n', router, 'link', 'set', 'lan', 'up')
      // NAT: outbound connections take the router's address; port-preserving unless --random-fully
      inNs(router, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE', ...(spec.randomFully ? ['--random-fully'] : []))
      // inbound from the WAN only for connections made from inside; nothing is forwarded to a LAN host otherwise
      inNs(router, 'iptables', '-P', 'FORWARD', 'DROP')
      inNs(router, 'iptables', '-A', 'FORWARD', '-i', 'lan', '-o', 'wan', '-j', 'ACCEPT')
      inNs(router, 'iptables', '-A', 'FORWARD', '-i', 'wan', '-o', 'lan', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT')
      inNs(router, 'iptables', '-A', 'INPUT', '-i', 'wan', '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'DROP')
      if (spec.upnp === true) upnpChains(router)
      for (let k = 1; k <= spec.nodes; k++) {
        const ns = `${P}s${s}n${k}`
        const hostIp = `192.168.${s}.${10 + k}`
        this.addNs(ns)
        ip('link', 'add', `${P}s${s}n${k}`, 'type', 'veth', 'peer', 'name', `${P}s${s}n${k}r`)
        ip('link', 'set', `${P}s${s}n${k}`, 'netns', ns)
        ip('-n', ns, 'link', 'set', `${P}s${s}n${k}`, 'name', 'eth0')
        ip('-n', ns, 'addr', 'add', `${hostIp}/24`, 'dev', 'eth0')
        ip('-n', ns, 'link', 'set', 'eth0', 'up')
        ip('-n', ns, 'route', 'add', 'default', 'via', `192.168.${s}.1`)
        ip('link', 'set', `${P}s${s}n${k}r`, 'netns', router)
        ip('-n', router, 'link', 'set', `${P}s${s}n${k}r`, 'master', 'lan')
        ip('-n', router, 'link', 'set', `${P}s${s}n${k}r`, 'up')
      }
    })
    for (let i = 0; i < this.sites.length; i++) {
      if (this.sites[i].upnp === true) await this.startUpnpRouter(i + 1)
    }
    for (let i = 0; i < this.sites.length; i++) {
      for (let k = 1; k <= this.sites[i].nodes; k++) {
        await this.addNode(++index, `site${i + 1}-${k}`, `${P}s${i + 1}n${k}`, `192.168.${i + 1}.${10 + k}`, i + 1)
      }
    }
  }

  /** miniupnpd in site s's router, in the foreground, its log in the box's folder. */
  private async startUpnpRouter (s: number): Promise<void> {
    const router = routerNs(s)
    // multicast (SSDP's M-SEARCH) reaches the router whatever the bridge learned of group members
    ip('-n', router, 'link', 'set', 'lan', 'type', 'bridge', 'mcast_snooping', '0')
    const conf = join(this.dir, `miniupnpd-${s}.conf`)
    await writeFile(conf, [
      'ext_ifname=wan',
      'listening_ip=lan',
      'port=0',
      'enable_natpmp=yes',
      'enable_upnp=yes',
      // a LAN host may map ports to itself only
      'secure_mode=yes',
      'system_uptime=yes',
      `uuid=3d3cec3a-8cf0-11e0-98ee-0000000000${String(s).padStart(2, '0')}`,
      `allow 1024-65535 192.168.${s}.0/24 1024-65535`,
      'deny 0-65535 0.0.0.0/0 0-65535',
      ''
    ].join('\n'))
    const log = createWriteStream(join(this.dir, `miniupnpd-${s}.log`), { flags: 'a' })
    const child = spawn('ip', ['netns', 'exec', router, 'miniupnpd', '-d', '-f', conf, '-P', join(this.dir, `miniupnpd-${s}.pid`)], { stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout?.pipe(log)
    child.stderr?.pipe(log)
    this.daemons.push(child)
    // listening on the LAN: its SSDP socket is bound within a moment; give up loudly if it exited instead
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, 500)
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`miniupnpd in ${router} exited (${code}); see ${join(this.dir, `miniupnpd-${s}.log`)}`)) })
    })
  }

  private addNs (ns: string): void {
    ip('netns', 'add', ns)
    this.namespaces.push(ns)
    ip('-n', ns, 'link', 'set', 'lo', 'up')
  }

  /** A WAN interface named `wan` in the namespace, its own /32, every destination on-link. */
  private wanLink (ns: string, base: string, addr: string): void {
    ip('link', 'add', `${base}w`, 'type', 'veth', 'peer', 'name', `${base}wb`)
    this.hostLinks.push(`${base}wb`)
    ip('link', 'set', `${base}w`, 'netns', ns)
    ip('-n', ns, 'link', 'set', `${base}w`, 'name', 'wan')
    ip('-n', ns, 'addr', 'add', `${addr}/32`, 'dev', 'wan')
    ip('-n', ns, 'link', 'set', 'wan', 'up')
    ip('-n', ns, 'route', 'add', 'default', 'dev', 'wan')
    ip('link', 'set', `${base}wb`, 'master', WAN)
    ip('link', 'set', `${base}wb`, 'up')
  }

  private async addNode (index: number, name: string, ns: string, listenIp: string, site: number): Promise<void> {
    // management link: namespace <-> host, /30 in 10.97.index.0
    const m = `${P}m${index}`
    ip('link', 'add', m, 'type', 'veth', 'peer', 'name', `${m}b`)
    this.hostLinks.push(`${m}b`)
    ip('link', 'set', m, 'netns', ns)
    ip('-n', ns, 'addr', 'add', `10.97.${index}.2/30`, 'dev', m)
    ip('-n', ns, 'link', 'set', m, 'up')
    ip('addr', 'add', `10.97.${index}.1/30`, 'dev', `${m}b`)
    ip('link', 'set', `${m}b`, 'up')
    const dataDir = join(this.dir, name)
    await mkdir(dataDir, { recursive: true })
    this.nodes.push({
      index,
      name,
      ns,
      ip: listenIp,
      site,
      apiUrl: `http://10.97.${index}.2:8080`,
      dataDir,
      args: [
        'start', '--listen', `/ip4/${listenIp}/tcp/4001`, '--api', `10.97.${index}.2:8080`, '--data-dir', dataDir,
        '--nick', name, '--log-level', 'info'
      ]
    })
  }

  start (node: BoxNode, extra: string[] = []): void {
    node.child = startInNamespace(node.ns, [...node.args, ...extra], node.dataDir, TOKEN)
  }

  async waitReady (node: BoxNode, timeoutMs = 60_000): Promise<void> {
    node.peerId = await waitForApi(node.apiUrl, TOKEN, timeoutMs, `${node.name} in ${node.ns}`, node.dataDir)
  }

  /** Stop a node as its user would (SIGTERM, then SIGKILL after 10 s). */
  async stopNode (node: BoxNode): Promise<void> {
    await stopProcess(node.child, 10_000)
  }

  /** The port forwards site s's router holds for its LAN (miniupnpd's DNAT rules), one `iptables -S` line each. */
  portForwards (s: number): string[] {
    const out = execFileSync('ip', ['netns', 'exec', routerNs(s), 'iptables-legacy', '-t', 'nat', '-S', 'MINIUPNPD'], { encoding: 'utf8' })
    return out.split('\n').filter(l => l.includes('DNAT'))
  }

  /** Kill a node at once (SIGKILL), as a crash or a pulled cable would. */
  async kill (node: BoxNode): Promise<void> {
    const child = node.child
    if (child == null || child.exitCode != null || child.signalCode != null) return
    const exited = new Promise(resolve => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }

  async stop (keepLogs = false): Promise<void> {
    await Promise.all(this.nodes.map(async n => { await this.stopNode(n) }))
    await Promise.all(this.daemons.map(async d => { await stopProcess(d, 5_000) }))
    this.daemons = []
    this.tearDownNetwork()
    if (this.dir !== '' && !keepLogs) await rm(this.dir, { recursive: true, force: true })
  }

  get logDir (): string { return this.dir }

  /** Remove every namespace, link and rule of the box, including those of an earlier run that died. */
  private tearDownNetwork (): void {
    let names: string[] = []
    try {
      names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map(l => l.split(' ')[0]).filter(n => n.startsWith(P))
    } catch { /* no namespaces */ }
    // a UPnP router left from a run that died (its config file is in a box folder)
    tryRun('pkill', ['-f', 'miniupnpd -d -f .*gossipd-nat-'])
    for (const ns of new Set([...names, ...this.namespaces])) tryRun('ip', ['netns', 'del', ns])
    let links: string[] = []
    try {
      links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n')
        .map(l => l.split(': ')[1]?.split('@')[0] ?? '').filter(n => n.startsWith(P))
    } catch { /* none */ }
    for (const l of new Set([...links, ...this.hostLinks])) tryRun('ip', ['link', 'del', l])
    tryRun('ip', ['link', 'del', WAN])
    tryRun('iptables', ['-D', ...FORWARD_RULE])
    this.namespaces = []
    this.hostLinks = []
  }
}

/**
 * The chains miniupnpd adds its rules to: a mapped port is a DNAT in `nat MINIUPNPD` and an ACCEPT in
 * `filter MINIUPNPD`, what Debian's `iptables_init.sh` sets up without its helper script. Debian's miniupnpd
 * writes them through libiptc, the legacy x_tables, while the `iptables` command here (and the router's rules
 * above) is nf_tables: the chains are made with `iptables-legacy`, and the router's own FORWARD chain accepts what
 * a DNAT sent in (both sets of tables see every packet, and the nf_tables policy would drop it otherwise).
 */
function upnpChains (router: string): void {
  const legacy = (...args: string[]): void => { inNs(router, 'iptables-legacy', ...args) }
  legacy('-t', 'nat', '-N', 'MINIUPNPD')
  legacy('-t', 'nat', '-I', 'PREROUTING', '-i', 'wan', '-j', 'MINIUPNPD')
  legacy('-t', 'nat', '-N', 'MINIUPNPD-POSTROUTING')
  legacy('-t', 'nat', '-I', 'POSTROUTING', '-o', 'wan', '-j', 'MINIUPNPD-POSTROUTING')
  legacy('-t', 'mangle', '-N', 'MINIUPNPD')
  legacy('-t', 'mangle', '-I', 'PREROUTING', '-i', 'wan', '-j', 'MINIUPNPD')
  legacy('-N', 'MINIUPNPD')
  legacy('-I', 'FORWARD', '-i', 'wan', '!', '-o', 'wan', '-j', 'MINIUPNPD')
  inNs(router, 'iptables', '-I', 'FORWARD', '-i', 'wan', '-o', 'lan', '-m', 'conntrack', '--ctstate', 'DNAT', '-j', 'ACCEPT')
}

/** Call a node's API with the token. */
export async function api<T = any> (node: BoxNode, path: string, init: RequestInit & { json?: unknown } = {}): Promise<{ status: number, body: T }> {
  const { json, ...rest } = init
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}`, ...(rest.headers as Record<string, string> | undefined) }
  if (json !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(`${node.apiUrl}${path}`, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}), signal: rest.signal ?? AbortSignal.timeout(30_000) })
  const text = await res.text()
  let body: unknown = text
  try { body = JSON.parse(text) } catch { /* text */ }
  return { status: res.status, body: body as T }
}
