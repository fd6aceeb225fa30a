import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Connection } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Multiaddr } from '@multiformats/multiaddr'
import { pino } from 'pino'
import type { Logger } from '../../src/logger.js'
import { describe, expect, it } from 'vitest'
import { Bootstrapper, resolveBootstrapAddr } from '../../src/node/bootstrapper.js'

function capturingLogger (): { log: Logger, lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const log: Logger = pino({ level: 'debug' }, { write: (s: string) => { lines.push(JSON.parse(s)) } })
  return { log, lines }
}

describe('bootstrapper', () => {
  it('resolves DNS names to IP multiaddrs and keeps the peer id', async () => {
    expect((await resolveBootstrapAddr('/dns4/localhost/tcp/4001')).toString()).toBe('/ip4/127.0.0.1/tcp/4001')
    const id = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    expect((await resolveBootstrapAddr(`/dns4/localhost/tcp/4001/p2p/${id}`)).toString()).toBe(`/ip4/127.0.0.1/tcp/4001/p2p/${id}`)
    expect((await resolveBootstrapAddr('/ip4/10.1.2.3/tcp/7')).toString()).toBe('/ip4/10.1.2.3/tcp/7')
  })

  it('retries an unreachable bootstrap with growing delays and logs each retry', async () => {
    const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const remote = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const { log, lines } = capturingLogger()
    const attempts: number[] = []
    const dialed: string[] = []
    let connected!: () => void
    const done = new Promise<void>(resolve => { connected = resolve })
    const b = new Bootstrapper({
      peerId,
      log,
      dial: async (ma: Multiaddr) => {
        attempts.push(Date.now())
        dialed.push(ma.toString())
        if (attempts.length < 4) throw new Error('connect ECONNREFUSED')
        connected()
        return { remotePeer: remote } as unknown as Connection
      }
    }, { list: ['/dns4/localhost/tcp/4001'], retryMinMs: 20, retryMaxMs: 60, jitter: 0 })
    b.start()
    await done
    b.stop()
    expect(dialed.every(a => a === '/ip4/127.0.0.1/tcp/4001')).toBe(true)
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i])
    expect(gaps[0]).toBeGreaterThanOrEqual(15)
    expect(gaps[1]).toBeGreaterThanOrEqual(35)
    expect(gaps[2]).toBeGreaterThanOrEqual(55)
    const retries = lines.filter(l => l.msg === 'bootstrap peer not reachable yet, retrying')
    expect(retries.map(l => l.retryInMs)).toEqual([20, 40, 60])
    await new Promise(resolve => setTimeout(resolve, 10))
    expect(lines.some(l => l.msg === 'connected to bootstrap peer' && l.peer === remote.toString())).toBe(true)
  })

  it('stops retrying when stopped', async () => {
    const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    let attempts = 0
    const b = new Bootstrapper({ peerId, log: pino({ level: 'silent' }), dial: async () => { attempts++; throw new Error('refused') } },
      { list: ['/ip4/127.0.0.1/tcp/1'], retryMinMs: 10, retryMaxMs: 10, jitter: 0 })
    b.start()
    await new Promise(resolve => setTimeout(resolve, 50))
    b.stop()
    const seen = attempts
    await new Promise(resolve => setTimeout(resolve, 60))
    expect(seen).toBeGreaterThan(1)
    expect(attempts).toBe(seen)
  })
})
