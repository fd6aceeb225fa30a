/**
 * A swarm of `gossipd start` processes, one per network namespace, their data links on a bridge that a test
 * can cut in two and heal. Each namespace also has a point-to-point management link to the host, which the
 * test uses for the HTTP API, so the API stays reachable while the data network is cut. Needs root and `ip`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CLI_PATH } from '../../src/swarm/local-swarm.js'

const PREFIX = 'gsdp'
const BRIDGE = `${PREFIX}br0`
/** Where half B's links go during a cut: a bridge of their own, so B's nodes still reach each other. */
const BRIDGE_B = `${PREFIX}br1`
export const TOKEN = 'partition-test-token-0123456789'

export interface NsNode {
  index: number
  ns: string
  dataIp: string
  apiUrl: string
  args: string[]
  dataDir: string
  child?: ChildProcess
  peerId?: string
}

/** Why namespaces cannot be used here, or undefined when they can. */
export function netnsUnavailable (): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (ip netns, veth, bridges)'
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' })
  } catch {
    return 'needs the ip command (iproute2)'
  }
  return undefined
}

function ip (...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] })
}

function tryRun (cmd: string, args: string[]): void {
  try { execFileSync(cmd, args, { stdio: 'ignore' }) } catch { /* absent already */ }
}

/** The bridge's forwarded frames pass iptables when br_netfilter is loaded: let ours through whatever the policy. */
const FORWARD_RULE = ['FORWARD', '-i', BRIDGE, '-o', BRIDGE, '-j', 'ACCEPT', '-m', 'comment', '--comment', 'gossipd partition test']
const FORWARD_RULE_B = ['FORWARD', '-i', BRIDGE_B, '-o', BRIDGE_B, '-j', 'ACCEPT', '-m', 'comment', '--comment', 'gossipd partition test']

/** `gossipd <args>` in network namespace `ns`, its output appended to `<dataDir>/node.log`. */
export function startInNamespace (ns: string, args: string[], dataDir: string, token: string): ChildProcess {
  const out = createWriteStream(join(dataDir, 'node.log'), { flags: 'a' })
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, CLI_PATH, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GOSSIPD_API_TOKEN: token }
  })
  child.stdout?.pipe(out)
  child.stderr?.pipe(out)
  return child
}

/** Wait until the API at `apiUrl` answers `GET /id`; its peer id. `what` names the node in the error. */
export async function waitForApi (apiUrl: string, token: string, timeoutMs: number, what: string, dataDir: string): Promise<string> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${apiUrl}/id`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(2_000) })
      if (res.ok) return ((await res.json()) as { peerId: string }).peerId
    } catch { /* not up yet */ }
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  throw new Error(`${what} did not come up; see ${dataDir}/node.log`)
}

/** Stop a node's process: SIGTERM, then SIGKILL if it is still running after `graceMs`; resolves once it exited. */
export async function stopProcess (child: ChildProcess | undefined, graceMs: number): Promise<void> {
  if (child == null || child.exitCode != null || child.signalCode != null) return
  const exited = new Promise(resolve => child.once('exit', resolve))
  child.kill('SIGTERM')
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(t)
}

export class NetnsSwarm {
  readonly nodes: NsNode[] = []
  private dir = ''

  constructor (private readonly count: number) {}

  async setUp (): Promise<void> {
    this.tearDownNetwork()
    this.dir = await mkdtemp(join(tmpdir(), 'resilience-partition-'))
    for (const b of [BRIDGE, BRIDGE_B]) {
      ip('link', 'add', b, 'type', 'bridge')
      ip('link', 'set', b, 'up')
    }
    tryRun('iptables', ['-I', ...FORWARD_RULE])
    tryRun('iptables', ['-I', ...FORWARD_RULE_B])
    for (let i = 1; i <= this.count; i++) {
      const ns = `${PREFIX}${i}`
      ip('netns', 'add', ns)
      ip('-n', ns, 'link', 'set', 'lo', 'up')
      // data link: namespace <-> bridge
      ip('link', 'add', `${PREFIX}d${i}`, 'type', 'veth', 'peer', 'name', `${PREFIX}d${i}b`)
      ip('link', 'set', `${PREFIX}d${i}`, 'netns', ns)
      ip('-n', ns, 'addr', 'add', `10.77.0.${i}/24`, 'dev', `${PREFIX}d${i}`)
      ip('-n', ns, 'link', 'set', `${PREFIX}d${i}`, 'up')
      ip('link', 'set', `${PREFIX}d${i}b`, 'master', BRIDGE)
      ip('link', 'set', `${PREFIX}d${i}b`, 'up')
      // management link: namespace <-> host, for the API only
      ip('link', 'add', `${PREFIX}m${i}`, 'type', 'veth', 'peer', 'name', `${PREFIX}m${i}b`)
      ip('link', 'set', `${PREFIX}m${i}`, 'netns', ns)
      ip('-n', ns, 'addr', 'add', `10.78.${i}.2/24`, 'dev', `${PREFIX}m${i}`)
      ip('-n', ns, 'link', 'set', `${PREFIX}m${i}`, 'up')
      ip('addr', 'add', `10.78.${i}.1/24`, 'dev', `${PREFIX}m${i}b`)
      ip('link', 'set', `${PREFIX}m${i}b`, 'up')
      const dataDir = join(this.dir, `node${i}`)
      await mkdir(dataDir, { recursive: true })
      this.nodes.push({
        index: i,
        ns,
        dataIp: `10.77.0.${i}`,
        apiUrl: `http://10.78.${i}.2:8080`,
        dataDir,
        args: [
          'start', '--listen', `/ip4/10.77.0.${i}/tcp/4001`, '--api', `10.78.${i}.2:8080`, '--data-dir', dataDir,
          '--nick', `ns${i}`, '--log-level', 'warn', '--min-connections', String(this.count - 1),
          ...(i === 1 ? [] : ['--bootstrap', '/ip4/10.77.0.1/tcp/4001'])
        ]
      })
    }
  }

  start (node: NsNode): void {
    node.child = startInNamespace(node.ns, node.args, node.dataDir, TOKEN)
  }

  async waitReady (node: NsNode, timeoutMs = 60_000): Promise<void> {
    node.peerId = await waitForApi(node.apiUrl, TOKEN, timeoutMs, `node ${node.index} in ${node.ns}`, node.dataDir)
  }

  /** Cut the data network in two: the given nodes' links move to a bridge of their own. */
  cut (halfB: NsNode[]): void {
    for (const n of halfB) ip('link', 'set', `${PREFIX}d${n.index}b`, 'master', BRIDGE_B)
  }

  heal (halfB: NsNode[]): void {
    for (const n of halfB) ip('link', 'set', `${PREFIX}d${n.index}b`, 'master', BRIDGE)
  }

  async stop (): Promise<void> {
    await Promise.all(this.nodes.map(async n => { await stopProcess(n.child, 15_000) }))
    this.tearDownNetwork()
    if (this.dir !== '') await rm(this.dir, { recursive: true, force: true })
  }

  private tearDownNetwork (): void {
    for (let i = 1; i <= this.count; i++) {
      tryRun('ip', ['netns', 'del', `${PREFIX}${i}`])
      tryRun('ip', ['link', 'del', `${PREFIX}d${i}b`])
      tryRun('ip', ['link', 'del', `${PREFIX}m${i}b`])
    }
    for (const b of [BRIDGE, BRIDGE_B]) tryRun('ip', ['link', 'del', b])
    tryRun('iptables', ['-D', ...FORWARD_RULE])
    tryRun('iptables', ['-D', ...FORWARD_RULE_B])
  }
}

/** Call a namespaced node's API with the token. */
export async function nsHttp<T = any> (node: NsNode, path: string, init: RequestInit & { json?: unknown } = {}): Promise<{ status: number, body: T }> {
  const { json, ...rest } = init
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}`, ...(rest.headers as Record<string, string> | undefined) }
  if (json !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(`${node.apiUrl}${path}`, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}), signal: rest.signal ?? AbortSignal.timeout(30_000) })
  const text = await res.text()
  let body: unknown = text
  try { body = JSON.parse(text) } catch { /* text */ }
  return { status: res.status, body: body as T }
}
