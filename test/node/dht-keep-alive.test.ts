/**
 * kad-dht's keep-alive tag on its closest peers (libp2p redials such a peer whenever it disconnects) is removed as
 * soon as it is set; other tags stay. The guard fails when kad-dht renames the tag.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { KEEP_ALIVE, type Peer, type PeerUpdate } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { DHT_KEEP_ALIVE_TAG } from '../../src/node/constants.js'
import { dropDhtKeepAlive } from '../../src/node/dht-keep-alive.js'

describe('dropDhtKeepAlive', () => {
  it('removes kad-dht\'s keep-alive tag and nothing else, until stopped', async () => {
    const id = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const events = new EventTarget()
    const merges: unknown[] = []
    const libp2p = {
      addEventListener: events.addEventListener.bind(events),
      removeEventListener: events.removeEventListener.bind(events),
      peerStore: { merge: async (_peer: unknown, data: unknown) => { merges.push(data) } }
    } as unknown as Parameters<typeof dropDhtKeepAlive>[0]
    const update = (tags: Record<string, number>): void => {
      const peer = { id, tags: new Map(Object.entries(tags).map(([k, value]) => [k, { value }])) } as unknown as Peer
      events.dispatchEvent(new CustomEvent<PeerUpdate>('peer:update', { detail: { peer } }))
    }
    const stop = dropDhtKeepAlive(libp2p)
    update({ 'kad-close': 50, [DHT_KEEP_ALIVE_TAG]: 1 })
    update({ 'kad-close': 50, 'keep-alive-other': 1 })
    expect(merges).toEqual([{ tags: { [DHT_KEEP_ALIVE_TAG]: undefined } }])
    stop()
    update({ [DHT_KEEP_ALIVE_TAG]: 1 })
    expect(merges).toHaveLength(1)
  })

  it('names the tag kad-dht sets (guard: fails when @libp2p/kad-dht renames it)', () => {
    expect(DHT_KEEP_ALIVE_TAG).toBe(`${KEEP_ALIVE}-kad-dht`)
    const root = join('node_modules', '@libp2p', 'kad-dht')
    const constants = readFileSync(join(root, 'dist/src/constants.js'), 'utf8')
    expect(constants).toContain('export const KEEP_ALIVE_TAG = `${KEEP_ALIVE}-kad-dht`;')
    expect(readFileSync(join(root, 'dist/src/routing-table/closest-peers.js'), 'utf8')).toContain('[KEEP_ALIVE_TAG]: {')
  })
})
