/**
 * File-sharing check in a compose swarm, through curl: a random file shared on one node, downloaded by others
 * (found through the DHT), its bytes read back from each and compared by SHA-256. A build without the file
 * routes reports the check as skipped, not failed.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { isMissingRoute, mapLimit, waitFor } from './curl.js'
import { SkipError } from './report.js'

const DOWNLOAD_TIMEOUT_MS = 180_000
const FILE_BYTES = 4 * 1024 * 1024 + 12_345 // several chunks, the last one partial

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex')

export async function checkFileSharing (swarm, { seeder, fetchers, dir }) {
  const source = join(dir, 'shared.bin')
  writeFileSync(source, randomBytes(FILE_BYTES))
  const want = sha256(readFileSync(source))
  const shared = await seeder.post('/files?name=compose-shared.bin', { file: source, timeoutS: 120 })
  if (isMissingRoute(shared)) throw new SkipError('endpoint missing (POST /files answers 404)')
  if (shared.status !== 200 && shared.status !== 201) throw new Error(`share on ${seeder.name}: ${shared.status} ${shared.raw}`)
  const id = shared.body.id

  const started = Date.now()
  const jobs = await mapLimit(fetchers, 5, async (n) => {
    const res = await n.post(`/files/${encodeURIComponent(id)}/download`, { json: {} })
    if (isMissingRoute(res)) throw new SkipError('endpoint missing (POST /files/{id}/download answers 404)')
    if (res.status < 200 || res.status > 202) throw new Error(`download on ${n.name}: ${res.status} ${res.raw}`)
    return res.body.id ?? res.body.job
  })
  const states = new Map()
  await waitFor(async () => {
    await mapLimit(fetchers, 5, async (n, i) => {
      if (['completed', 'failed', 'cancelled'].includes(states.get(n)?.state)) return
      const res = await n.get(`/downloads/${encodeURIComponent(jobs[i])}`)
      if (res.status === 200) states.set(n, { ...res.body, seconds: (Date.now() - started) / 1000 })
    })
    return fetchers.every(n => ['completed', 'failed', 'cancelled'].includes(states.get(n)?.state))
  }, { timeoutMs: DOWNLOAD_TIMEOUT_MS, intervalMs: 1000 })

  const hashes = await mapLimit(fetchers, 5, async (n, i) => {
    const out = join(dir, `fetched-${i}.bin`)
    const res = await n.get(`/files/${encodeURIComponent(id)}/content`, { output: out, timeoutS: 120 })
    return res.status === 200 ? sha256(readFileSync(out)) : `HTTP ${res.status}`
  })
  const complete = fetchers.filter(n => states.get(n)?.state === 'completed').length
  const matching = hashes.filter(h => h === want).length
  const slowest = Math.max(...fetchers.map(n => states.get(n)?.seconds ?? NaN))
  const detail = `${(FILE_BYTES / 1048576).toFixed(1)} MiB shared on ${seeder.name} (${shared.body.chunks} chunks): ` +
    `${complete}/${fetchers.length} downloads completed (slowest ${slowest.toFixed(1)} s), ${matching}/${fetchers.length} SHA-256 match`
  if (complete !== fetchers.length || matching !== fetchers.length) {
    const bad = fetchers.map((n, i) => `${n.name}: ${states.get(n)?.state ?? 'no status'} ${states.get(n)?.error ?? ''} ${hashes[i] === want ? '' : hashes[i].slice(0, 12)}`)
    throw new Error(`${detail}; ${bad.join('; ')}`)
  }
  return detail
}
