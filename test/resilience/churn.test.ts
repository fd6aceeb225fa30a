/**
 * Churn: a 40-process swarm publishing steadily; 30% of the nodes are killed at random with SIGKILL and as many
 * new ones (fresh identities) join. The drill runs once and two tests read it:
 * - nothing is lost: every live subscriber stores every message (within LOSS_WAIT_MS after publishing stops), no
 *   node crashes, and no history holds a duplicate. CI gates on this one (.ci/run);
 * - on time: every message reaches every live subscriber within 5 s. A loaded 2-core machine can miss this
 *   deadline at the nodes that have just joined, so CI only counts it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalSwarm, SwarmNode } from '../../src/swarm/local-swarm.js'
import { eventually, http, sleep, startProcessSwarm } from '../helpers/process-nodes.js'

const NODES = 40
const KILL_FRACTION = 0.3
const PUBLISHERS = 4
const PUBLISH_INTERVAL_MS = 500
const DEADLINE_MS = 5_000
/** A node that just joined counts as a live subscriber once it has been subscribed this long (the issue's "after 5 s"). */
const SETTLE_MS = 5_000
const TOPIC = 'churn'
/**
 * How long after publishing stops (and the deadline has passed) a delivery still missing is waited for before it
 * counts as lost: past a settled node's history catch-up period (30 s), which fetches what gossip did not bring.
 */
const LOSS_WAIT_MS = 40_000

interface Published { id: string, at: number, by: number }

/** What the drill saw; the tests assert on it. */
interface Outcome {
  published: number
  expected: number
  onTime: number
  late: number
  worst: number
  /** Deliveries not stored when the deadline of the last message had passed. */
  missingAtDeadline: string[]
  /** Deliveries still not stored LOSS_WAIT_MS later, or never stored by a node before it was killed. */
  lost: string[]
  /** Nodes that were not killed and are not running. */
  crashed: string[]
  /** Nodes whose history holds a message twice. */
  duplicated: string[]
}

/**
 * 40 node processes need the machine: on a host already running far more than its cores can serve, start-up
 * handshakes time out and the figure would measure the neighbours. Then the test is skipped, saying why. The
 * measure is the run queue now (runnable processes, sampled over 2 s), not the load average, which trails a
 * busy minute long after it is over.
 */
const MAX_RUNNABLE_PER_CORE = 4
async function runnableNow (): Promise<number> {
  const samples: number[] = []
  for (let i = 0; i < 10; i++) {
    const text = await readFile('/proc/loadavg', 'utf8').catch(() => '')
    // "0.50 0.40 0.30 3/450 1234": runnable/total; this process is one of the runnable
    samples.push(Math.max(0, Number(/ (\d+)\//.exec(text)?.[1] ?? 0) - 1))
    await sleep(200)
  }
  return samples.sort((a, b) => a - b)[samples.length >> 1]
}
const runnable = await runnableNow()
const tooBusy = process.env.CHURN_IGNORE_LOAD == null && runnable > MAX_RUNNABLE_PER_CORE * cpus().length
  ? `the machine is overloaded: ${runnable} runnable processes on ${cpus().length} cores (set CHURN_IGNORE_LOAD=1 to run anyway)`
  : undefined

describe.skipIf(tooBusy != null)(`churn in a ${NODES}-node swarm${tooBusy != null ? ` (skipped: ${tooBusy})` : ''}`, () => {
  let swarm: LocalSwarm
  let dir: string
  /** When each node (by index and incarnation) subscribed, and when it was killed. */
  const life = new Map<string, { index: number, subscribedAt: number, killedAt?: number }>()
  const incarnation = new Map<number, number>()
  const key = (index: number): string => `${index}.${incarnation.get(index) ?? 0}`

  /** How many mesh peers the node has for the topic. */
  const meshSize = async (node: SwarmNode): Promise<number> => (await http(node, `/topics/${TOPIC}/peers`)).body.mesh.length

  async function subscribe (node: SwarmNode): Promise<void> {
    const res = await http(node, `/topics/${TOPIC}`, { method: 'PUT' })
    expect(res.status).toBe(200)
    life.set(key(node.index), { index: node.index, subscribedAt: Date.now() })
  }

  beforeAll(async () => {
    ({ swarm, dir } = await startProcessSwarm(NODES, 'resilience-churn'))
    await Promise.all(swarm.nodes.map(subscribe))
    // meshes formed: every node has a mesh peer for the topic
    let meshes: number[] = []
    await eventually(async () => {
      meshes = await Promise.all(swarm.nodes.map(meshSize))
      return meshes.every(m => m >= 1)
    }, 120_000, 1_000)
    const lonely = swarm.nodes.filter((_, i) => !(meshes[i] >= 1)).map(n => n.name)
    expect(lonely, 'nodes without a mesh peer 2 minutes after start (see their node.log)').toEqual([])
    // "a swarm publishing steadily": the drill starts once the join storm is over, not in the middle of it
    const settled = await swarm.settle({ timeoutMs: 120_000 })
    console.log(`churn: swarm joined ${settled.joinedMs} ms and quiet (${settled.cores} cores) ${settled.quietMs} ms after the meshes formed`)
  }, 300_000)

  afterAll(async () => {
    await swarm?.stop()
    if (dir != null && process.env.KEEP_TEST_DIRS == null) await rm(dir, { recursive: true, force: true })
  })

  /** The drill, run once for both tests. */
  let outcome: Promise<Outcome> | undefined
  const drill = async (): Promise<Outcome> => (outcome ??= runDrill())

  async function runDrill (): Promise<Outcome> {
    const publishers = swarm.nodes.slice(1, 1 + PUBLISHERS)
    const published: Published[] = []
    let publishing = true
    let failedPublishes = 0
    const loops = publishers.map(async (p, i) => {
      let n = 0
      await sleep(i * PUBLISH_INTERVAL_MS / PUBLISHERS)
      while (publishing) {
        const at = Date.now()
        const res = await http(p, `/topics/${TOPIC}/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: `${p.index}:${n++}` }).catch(() => undefined)
        if (res?.status === 200) published.push({ id: res.body.id, at, by: p.index })
        else failedPublishes++
        await sleep(Math.max(0, PUBLISH_INTERVAL_MS - (Date.now() - at)))
      }
    })

    await sleep(10_000)
    // kill 30% at random, never the bootstrap (new nodes join through it) nor a publisher
    const candidates = swarm.nodes.slice(1 + PUBLISHERS)
    const victims = candidates.sort(() => Math.random() - 0.5).slice(0, Math.round(NODES * KILL_FRACTION))
    // what the victims stored, read just before they die (their data goes with them)
    const received = new Map<string, Map<string, number>>()
    await Promise.all(victims.map(async v => {
      const messages = (await http(v, `/topics/${TOPIC}/messages?limit=1000`)).body.messages as Array<{ id: string, receivedAt: number }>
      received.set(key(v.index), new Map(messages.map(m => [m.id, m.receivedAt])))
    }))
    if (process.env.CHURN_DETAIL != null) {
      // how full the meshes are before the kill: a node at gossipsub's upper bound refuses a newcomer's GRAFT
      const sizes = await Promise.all(swarm.nodes.map(meshSize))
      const counts = new Map<number, number>()
      for (const m of sizes) counts.set(m, (counts.get(m) ?? 0) + 1)
      console.log(`churn: mesh sizes before the kill (size: nodes): ${[...counts].sort((a, b) => a[0] - b[0]).map(([m, c]) => `${m}: ${c}`).join(', ')}`)
    }
    const killedAt = Date.now()
    await Promise.all(victims.map(async v => {
      await swarm.kill(v.index, 'SIGKILL')
      life.get(key(v.index))!.killedAt = killedAt
    }))
    console.log(`churn: killed ${victims.length} nodes (${victims.map(v => v.index).join(', ')})`)
    await sleep(2_000)
    // as many new nodes join, each with a fresh identity and data directory, on the killed nodes' ports
    const joinStarted = Date.now()
    // CHURN_DETAIL=1: each newcomer's mesh size for the topic, every 500 ms for 20 s after it subscribed
    const meshWatch: Array<Promise<void>> = []
    const meshTimes = new Map<string, string>()
    const watchMesh = async (v: SwarmNode): Promise<void> => {
      const k = key(v.index)
      const since = life.get(k)!.subscribedAt
      const seen: string[] = []
      let last = -1
      while (Date.now() - since < 20_000) {
        const mesh = await meshSize(v).catch(() => -1)
        if (mesh !== last) seen.push(`${((Date.now() - since) / 1000).toFixed(1)} s: ${mesh}`)
        last = mesh
        await sleep(500)
      }
      meshTimes.set(k, seen.join(', '))
    }
    const cpuBefore = await swarm.cpuSecondsUsed()
    const bootstrap = [swarm.nodes[0]]
    const bootstrapBefore = await swarm.cpuSecondsUsed(bootstrap)
    await Promise.all(victims.map(async v => {
      const fresh = await mkdtemp(join(dir, `new-${v.index}-`))
      v.args[v.args.indexOf('--data-dir') + 1] = fresh
      v.dataDir = fresh
      v.logFile = join(fresh, 'node.log')
      if (process.env.CHURN_DEBUG != null) v.args[v.args.indexOf('--log-level') + 1] = 'debug'
      incarnation.set(v.index, (incarnation.get(v.index) ?? 0) + 1)
      swarm.spawn(v)
      await swarm.waitReady(v)
      await subscribe(v)
      if (process.env.CHURN_DETAIL != null) meshWatch.push(watchMesh(v))
    }))
    const joinedIn = Date.now() - joinStarted
    await sleep(10_000)
    // how busy the machine was while they joined: the newcomers' start-up and every node's new connections
    const seconds = (Date.now() - joinStarted) / 1000
    const cores = (await swarm.cpuSecondsUsed() - cpuBefore) / seconds
    // every newcomer's first peer: its DHT lookups, subscriptions and first catch-ups all start there
    const bootstrapCores = (await swarm.cpuSecondsUsed(bootstrap) - bootstrapBefore) / seconds
    // the newcomers are fresh processes: everything they used, start-up included
    const newcomersCpu = await swarm.cpuSecondsUsed(victims)
    console.log(`churn: ${victims.length} new nodes up and subscribed in ${joinedIn} ms; from their start to 10 s later the swarm used ${cores.toFixed(2)} cores, the bootstrap alone ${bootstrapCores.toFixed(2)}, the new nodes ${(newcomersCpu / seconds).toFixed(2)} (${(newcomersCpu / victims.length).toFixed(2)} CPU s each)`)
    await sleep(15_000)
    publishing = false
    await Promise.all(loops)
    await Promise.all(meshWatch)
    await sleep(DEADLINE_MS + 1_000)

    // no crash: every process that was not killed is still running
    const crashed = swarm.nodes.filter(n => !swarm.isRunning(n.index)).map(n => n.name)

    // what every live node stored, and whether its history holds a message twice
    const duplicated: string[] = []
    const readHistory = async (n: SwarmNode): Promise<void> => {
      const messages = (await http(n, `/topics/${TOPIC}/messages?limit=1000`)).body.messages as Array<{ id: string, receivedAt: number }>
      const ids = messages.map(m => m.id)
      if (new Set(ids).size !== ids.length && !duplicated.includes(n.name)) duplicated.push(n.name)
      received.set(key(n.index), new Map(messages.map(m => [m.id, m.receivedAt])))
    }
    await Promise.all(swarm.nodes.filter(n => swarm.isRunning(n.index)).map(readHistory))
    let expected = 0
    let onTime = 0
    const missing: Array<{ id: string, at: string }> = []
    /**
     * Every delivery that arrived: its publish-to-store time (for the margin under the deadline), the node that
     * stored it, and when it was published after the newcomers' start (where the slowest fall).
     */
    const delivered: Array<{ ms: number, at: string, publishedAfterJoinMs: number, by: number }> = []
    /** Late or missing deliveries at nodes that joined during the drill (incarnation > 0), and at the others. */
    const faults = { newcomers: 0, others: 0 }
    /** Per node: its late deliveries, the worst, and when their messages were published after it subscribed. */
    const lateAt = new Map<string, { late: number, worst: number, firstLateAt: number, lastLateAt: number }>()
    for (const m of published) {
      for (const [k, l] of life) {
        if (l.index === m.by) continue
        // a live subscriber: subscribed (and settled) before the message, and alive until its deadline had passed
        if (l.subscribedAt + SETTLE_MS > m.at || (l.killedAt != null && l.killedAt < m.at + DEADLINE_MS)) continue
        expected++
        const got = received.get(k)?.get(m.id)
        if (got != null) delivered.push({ ms: got - m.at, at: k, publishedAfterJoinMs: m.at - joinStarted, by: m.by })
        if (got != null && got - m.at <= DEADLINE_MS) {
          onTime++
          continue
        }
        faults[k.endsWith('.0') ? 'others' : 'newcomers']++
        if (got == null) missing.push({ id: m.id, at: k })
        else {
          const e = lateAt.get(k) ?? { late: 0, worst: 0, firstLateAt: Infinity, lastLateAt: 0 }
          e.late++
          e.worst = Math.max(e.worst, got - m.at)
          e.firstLateAt = Math.min(e.firstLateAt, m.at - l.subscribedAt)
          e.lastLateAt = Math.max(e.lastLateAt, m.at - l.subscribedAt)
          lateAt.set(k, e)
        }
      }
    }
    const late = [...lateAt.values()].reduce((sum, e) => sum + e.late, 0)
    const worst = Math.max(0, ...[...lateAt.values()].map(e => e.worst))
    // CHURN_DETAIL=1: for each new node, its late deliveries (how many, the worst, and when their messages were
    // published relative to its subscription), when it stored its first message, and its catch-up counters
    if (process.env.CHURN_DETAIL != null) {
      for (const n of swarm.nodes) {
        const k = key(n.index)
        if (k.endsWith('.0')) continue
        const metrics = (await (await fetch(`${n.apiUrl}/metrics`)).text()).split('\n').filter(l => /caught_up_total|catch_ups_total|messages_received_total/.test(l) && !l.startsWith('#')).map(l => l.replace('gossipd_', '')).join(' ')
        const msgs = [...(received.get(k)?.values() ?? [])].sort((a, b) => a - b)
        console.log(`detail ${k}: mesh after subscribing ${meshTimes.get(k) ?? '?'}`)
        console.log(`detail ${k}: late ${JSON.stringify(lateAt.get(k) ?? null)} first stored ${(msgs[0] ?? 0) - life.get(k)!.subscribedAt} ms after subscribing; ${metrics}`)
      }
    }
    console.log(`churn: ${published.length} messages published (${failedPublishes} publish calls failed), ${expected} deliveries expected, ${onTime} within ${DEADLINE_MS} ms, ${late} late (worst ${worst} ms), ${missing.length} missing; faults at newcomers ${faults.newcomers}, at others ${faults.others}`)
    delivered.sort((x, y) => x.ms - y.ms)
    const at = (q: number): number => delivered[Math.min(delivered.length - 1, Math.floor(q * delivered.length))]?.ms ?? NaN
    console.log(`churn: delivery latency p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms: ${(DEADLINE_MS / at(1)).toFixed(1)}x under the ${DEADLINE_MS} ms deadline`)
    // each: the latency, the receiving node (index.incarnation; a newcomer's incarnation is 1), and when the message
    // was published relative to the newcomers' start
    const worstTen = delivered.slice(-10).reverse()
    console.log(`churn: slowest deliveries: ${worstTen.map(s => `${s.ms} ms at ${s.at}${s.at.endsWith('.0') ? '' : ' (new)'} from ${s.by}, published ${(s.publishedAfterJoinMs / 1000).toFixed(1)} s after the newcomers' start`).join('; ')}`)
    const missingAtDeadline = missing.map(m => `${m.id} at node ${m.at}`)
    if (missing.length > 0) console.log(`churn: first missing at the deadline: ${missingAtDeadline.slice(0, 10).join('; ')}`)

    // lost: still missing LOSS_WAIT_MS later. Only a running node's history can still change: a killed node's was
    // read just before it died (its key names an incarnation no longer running)
    let lost = missing
    const lostBy = Date.now() + LOSS_WAIT_MS
    while (Date.now() < lostBy) {
      const waiting = new Set(lost.map(m => m.at))
      const rereadable = swarm.nodes.filter(n => waiting.has(key(n.index)) && swarm.isRunning(n.index))
      if (rereadable.length === 0) break
      await sleep(2_000)
      await Promise.all(rereadable.map(readHistory))
      lost = lost.filter(m => received.get(m.at)?.get(m.id) == null)
    }
    if (missing.length > 0) console.log(`churn: of ${missing.length} deliveries missing at the deadline, ${lost.length} still missing ${LOSS_WAIT_MS / 1000} s later`)
    return {
      published: published.length,
      expected,
      onTime,
      late,
      worst,
      missingAtDeadline,
      lost: lost.map(m => `${m.id} at node ${m.at}`),
      crashed,
      duplicated
    }
  }

  it(`loses nothing while ${KILL_FRACTION * 100}% of the nodes are replaced: every live subscriber stores every message, no node crashes, no history holds a duplicate`, async () => {
    const o = await drill()
    expect(o.published).toBeGreaterThan(100)
    expect(o.crashed, 'nodes that stopped running without being killed').toEqual([])
    expect(o.duplicated, 'nodes whose history holds a message twice').toEqual([])
    expect(o.lost, `deliveries never stored, ${LOSS_WAIT_MS / 1000} s after the deadline`).toEqual([])
  }, 600_000)

  it(`delivers every message to every live subscriber within ${DEADLINE_MS / 1000} s while ${KILL_FRACTION * 100}% of the nodes are replaced`, async () => {
    const o = await drill()
    expect(o.missingAtDeadline).toEqual([])
    expect(o.late).toBe(0)
    expect(o.onTime).toBe(o.expected)
  }, 600_000)
})
