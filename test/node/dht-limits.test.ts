import { createHash } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Key } from 'interface-datastore/key'
import { base32 } from 'multiformats/bases/base32'
import { describe, expect, it } from 'vitest'
import { frameWatcher, limitOpenedStreams } from '../../src/node/dht-frames.js'
import { isAcceptedProviderKey, ProviderLimitDatastore } from '../../src/node/provider-store.js'

const sha256Multihash = (seed: number): Uint8Array => Uint8Array.from([0x12, 0x20, ...createHash('sha256').update(String(seed)).digest()])

describe('frameWatcher', () => {
  it('follows length prefixes split across chunks and stops at the first frame over the limit', () => {
    const seen: number[] = []
    const watch = frameWatcher(300, n => { seen.push(n) })
    // 200 (0xc8 0x01) split between chunks, its payload, then 400 (0x90 0x03)
    watch(Uint8Array.of(0xc8))
    watch(Uint8Array.of(0x01, ...new Uint8Array(150)))
    watch(new Uint8Array(50))
    expect(seen).toEqual([])
    watch(Uint8Array.of(0x90, 0x03, 1, 2, 3))
    expect(seen).toEqual([400])
  })

  it('refuses a length prefix longer than five bytes', () => {
    const seen: number[] = []
    frameWatcher(1 << 30, n => { seen.push(n) })(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x01))
    expect(seen.length).toBe(1)
  })
})

describe('limitOpenedStreams', () => {
  it('watches the streams kad-dht opens and passes everything else through', async () => {
    class FakeStream extends EventTarget {
      aborted?: Error
      abort (err: Error): void { this.aborted = err }
    }
    const small = new FakeStream()
    const large = new FakeStream()
    const opened = [small, large]
    const manager = { openStream: async () => opened.shift(), getConnections: () => ['a connection'] }
    const limited = limitOpenedStreams(manager as any, 100)
    expect(limited.getConnections()).toEqual(['a connection'])
    const message = (bytes: number[]): Event => Object.assign(new Event('message'), { data: Uint8Array.from(bytes) })
    expect(await limited.openStream({} as any, '/kad')).toBe(small)
    small.dispatchEvent(message([0x05, 1, 2, 3, 4, 5]))
    expect(small.aborted).toBeUndefined()
    expect(await limited.openStream({} as any, '/kad')).toBe(large)
    // an answer announcing 200 bytes
    large.dispatchEvent(message([0xc8, 0x01]))
    expect(large.aborted?.name).toBe('DhtMessageTooLargeError')
  })
})

describe('ProviderLimitDatastore', () => {
  it('accepts sha2-256 keys only', () => {
    expect(isAcceptedProviderKey(base32.baseEncode(sha256Multihash(1)))).toBe(true)
    expect(isAcceptedProviderKey(base32.baseEncode(Uint8Array.of(0x00, 0x04, 1, 2, 3, 4)))).toBe(false)
    expect(isAcceptedProviderKey(base32.baseEncode(Uint8Array.of(0x12, 0x04, 1, 2, 3, 4)))).toBe(false)
    expect(isAcceptedProviderKey('!!')).toBe(false)
  })

  it('caps records per remote peer and in total, frees a slot on delete, and leaves its own records alone', async () => {
    const self = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const [a, b] = await Promise.all([1, 2].map(async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))
    const ds = new ProviderLimitDatastore({ self, maxPerPeer: 3, maxTotal: 5 })
    const key = (i: number, peer: string): Key => new Key(`/dht/provider/${base32.baseEncode(sha256Multihash(i))}/${peer}`)
    const put = async (i: number, peer: string): Promise<string> => {
      try { await ds.put(key(i, peer), Uint8Array.of(1)); return 'ok' } catch (err) { return (err as Error).name }
    }
    expect(await Promise.all([0, 1, 2, 3].map(async i => put(i, a)))).toEqual(['ok', 'ok', 'ok', 'ProviderRecordRefusedError'])
    // writing a held record again (a refresh) is not a new one
    expect(await put(0, a)).toBe('ok')
    expect(await Promise.all([0, 1, 2].map(async i => put(i, b)))).toEqual(['ok', 'ok', 'ProviderRecordRefusedError'])
    expect(ds.remoteRecords()).toBe(5)
    await ds.delete(key(0, a))
    expect(ds.remoteRecords(a)).toBe(2)
    expect(await put(2, b)).toBe('ok')
    expect(await Promise.all([0, 1, 2, 3, 4, 5].map(async i => put(i, self.toString())))).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok'])
    expect(ds.remoteRecords()).toBe(5)
  })
})
