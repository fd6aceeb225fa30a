/**
 * Checks of the core node in a compose swarm: readiness, peer tables, DHT routing tables, and graceful leave.
 * Each check answers a one-line detail with its numbers, or throws with what went wrong.
 */
import { mapLimit, percentile, waitFor } from './curl.js'
import { log } from './log.js'

export const READY_TIMEOUT_MS = 300_000
export const TABLES_TIMEOUT_MS = 180_000
export const MIN_DHT_PEERS = 10

const summary = (values) => `min ${Math.min(...values)}, median ${percentile(values, 50)}, max ${Math.max(...values)}`

/** Every node answers GET /ready with 200; also learns each node's peer id. */
export async function checkReady (swarm, started, logDir) {
  const pending = new Set(swarm.nodes)
  let lastLog = Date.now()
  const ok = await waitFor(async () => {
    await mapLimit([...pending], 10, async (n) => {
      const res = await n.get('/ready', { timeoutS: 10 })
      if (res.status === 200) pending.delete(n)
    })
    if (Date.now() - lastLog > 30_000) {
      lastLog = Date.now()
      log(`  ${swarm.nodes.length - pending.size}/${swarm.nodes.length} ready`)
    }
    return pending.size === 0
  }, { timeoutMs: READY_TIMEOUT_MS, intervalMs: 3000 })
  if (!ok) {
    const why = await Promise.all([...pending].slice(0, 3).map(async (n) => {
      const res = await n.get('/ready', { timeoutS: 10 })
      return `  GET /ready ${res.status} ${res.raw.slice(0, 200)}; ${await swarm.diagnose(n.name)}`
    }))
    const saved = await swarm.saveLogs([swarm.nodes[0].name, ...[...pending].map(n => n.name)], logDir)
    throw new Error(`${pending.size} of ${swarm.nodes.length} nodes not ready after ${READY_TIMEOUT_MS / 1000} s: ${[...pending].map(n => n.name).join(', ')}\n${why.join('\n')}\n  full logs: ${saved.length} files in ${logDir}`)
  }
  const ids = await mapLimit(swarm.nodes, 10, async (n) => {
    const res = await n.get('/id')
    if (res.status !== 200) {
      const saved = await swarm.saveLogs([n.name], logDir)
      throw new Error(`GET /id on ${n.name}: ${res.status} ${res.raw.slice(0, 200)}; ${await swarm.diagnose(n.name)}\n  full log: ${saved.join(', ')}`)
    }
    n.peerId = res.body.peerId
    return n.peerId
  })
  if (new Set(ids).size !== ids.length) throw new Error('two nodes share a peer id')
  return `${swarm.nodes.length}/${swarm.nodes.length} ready ${((Date.now() - started) / 1000).toFixed(0)} s after \`up\`, ${ids.length} distinct peer ids`
}

/**
 * The APIs are published on 127.0.0.1 only and guarded by the token: no token or a wrong one is refused with
 * 401, /health answers without one, and compose itself refuses to start without a token.
 */
export async function checkApiGuard (swarm) {
  const exposed = swarm.nodes.filter(n => n.hostIps.length === 0 || n.hostIps.some(ip => ip !== '127.0.0.1'))
  if (exposed.length > 0) throw new Error(`API published beyond 127.0.0.1 on ${exposed.map(n => `${n.name} (${n.hostIps.join(',')})`).join(', ')}`)
  const rows = await mapLimit(swarm.nodes, 10, async n => ({
    none: (await n.get('/peers', { token: null })).status,
    wrong: (await n.get('/peers', { token: 'not-the-token-0123456789' })).status,
    health: (await n.get('/health', { token: null })).status
  }))
  const bad = rows.filter(r => r.none !== 401 || r.wrong !== 401 || r.health !== 200)
  if (bad.length > 0) throw new Error(`${bad.length} nodes answered without a valid token: ${JSON.stringify(bad[0])}`)
  const refusal = await swarm.configWithoutToken()
  if (refusal == null || !refusal.includes('GOSSIPD_API_TOKEN')) throw new Error(`compose accepted a project without GOSSIPD_API_TOKEN: ${refusal}`)
  return `${swarm.nodes.length} APIs on 127.0.0.1 only; no token or a wrong one: 401 on all; /health without token: 200 on all; compose without a token refuses ("${refusal.slice(refusal.lastIndexOf(': ') + 2).trim().slice(0, 90)}")`
}

/** Every peer table non-empty and every DHT routing table holds at least MIN_DHT_PEERS peers. */
export async function checkTables (swarm) {
  let peers = []
  let dht = []
  const ok = await waitFor(async () => {
    const rows = await mapLimit(swarm.nodes, 10, async (n) => {
      const [p, d] = await Promise.all([n.get('/peers'), n.get('/dht/routing-table')])
      return [p.body?.peers?.length ?? 0, d.body?.size ?? 0]
    })
    peers = rows.map(r => r[0])
    dht = rows.map(r => r[1])
    return peers.every(c => c > 0) && dht.every(c => c >= MIN_DHT_PEERS)
  }, { timeoutMs: TABLES_TIMEOUT_MS, intervalMs: 5000 })
  const detail = `peer tables ${summary(peers)}; DHT tables ${summary(dht)}`
  if (!ok) {
    const low = swarm.nodes.filter((_, i) => peers[i] === 0 || dht[i] < MIN_DHT_PEERS).map(n => n.name)
    throw new Error(`${detail}; below target: ${low.slice(0, 8).join(', ')}`)
  }
  return detail
}

/** Stop nodes with SIGTERM: each must exit 0 (a graceful leave) well within the grace period. */
export async function checkGracefulStop (swarm, victims) {
  const started = Date.now()
  const codes = await swarm.stop(victims.map(v => v.name))
  const seconds = (Date.now() - started) / 1000
  const bad = Object.entries(codes).filter(([, c]) => c !== 0)
  if (bad.length > 0) {
    throw new Error(`${bad.length} nodes did not exit 0 on SIGTERM: ${bad.map(([n, c]) => `${n}=${c}`).join(', ')}`)
  }
  return `${victims.length} nodes stopped with SIGTERM in ${seconds.toFixed(1)} s, all exited 0`
}

/** After nodes leave: the rest stay ready, and no peer table still lists a stopped node. */
export async function checkSurvivors (swarm, survivors, victims) {
  const gone = new Set(victims.map(v => v.peerId))
  let stale = []
  let lonely = []
  const ok = await waitFor(async () => {
    const rows = await mapLimit(survivors, 10, async (n) => {
      const [ready, peers] = await Promise.all([n.get('/ready'), n.get('/peers')])
      const ids = (peers.body?.peers ?? []).map(p => p.id)
      return { n, ready: ready.status === 200, stale: ids.filter(id => gone.has(id)).length }
    })
    stale = rows.filter(r => r.stale > 0).map(r => r.n.name)
    lonely = rows.filter(r => !r.ready).map(r => r.n.name)
    return stale.length === 0 && lonely.length === 0
  }, { timeoutMs: 60_000, intervalMs: 3000 })
  if (!ok) {
    throw new Error(`${lonely.length} survivors not ready (${lonely.slice(0, 5).join(', ')}), ${stale.length} still list stopped peers (${stale.slice(0, 5).join(', ')})`)
  }
  return `${survivors.length}/${survivors.length} survivors ready, none lists any of the ${victims.length} stopped peers`
}
