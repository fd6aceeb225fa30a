import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Connection } from '@libp2p/interface'
import { RELAY_V2_STOP_CODEC } from '@libp2p/circuit-relay-v2'
import { describe, expect, it } from 'vitest'
import { silentLogger } from '../../src/logger.js'
import { MAX_PEER_ADDRESSES } from '../../src/node/constants.js'
import { activeCircuits, natGater } from '../../src/node/nat.js'
import { NatPolicy } from '../../src/node/nat-policy.js'
import { Reachability, type ReachabilityState } from '../../src/node/reachability.js'

function fakeReachability (initial: ReachabilityState): { state: ReachabilityState, set(s: ReachabilityState): void, onChange(l: (s: ReachabilityState) => void): () => void } {
  const listeners = new Set<(s: ReachabilityState) => void>()
  const r = {
    state: initial,
    set (s: ReachabilityState) { r.state = s; for (const l of listeners) l(s) },
    onChange (l: (s: ReachabilityState) => void) { listeners.add(l); return () => { listeners.delete(l) } }
  }
  return r
}

function harness (mode: 'auto' | 'on' | 'off', reservations = 2): { policy: NatPolicy, reach: ReturnType<typeof fakeReachability>, log: string[] } {
  const reach = fakeReachability('unknown')
  const log: string[] = []
  let serving = true
  const policy = new NatPolicy({
    reachability: reach,
    setDhtMode: async m => { log.push(`dht:${m}`) },
    relayServer: { start: async () => { serving = true; log.push('relay:start') }, stop: async () => { serving = false; log.push('relay:stop') }, isStarted: () => serving },
    listenOnRelays: async n => { log.push(`reserve:${n}`) },
    log: silentLogger()
  }, { relayService: mode, relayReservations: reservations })
  return { policy, reach, log }
}

const settle = async (): Promise<void> => { await new Promise(resolve => setTimeout(resolve, 10)) }

describe('NAT policy', () => {
  it('unknown stays a DHT server and, in auto, serves no relay; public serves; private is a client with reservations, once', async () => {
    const { policy, reach, log } = harness('auto')
    await policy.start()
    expect(log).toEqual(['dht:server', 'relay:stop'])
    reach.set('public')
    await settle()
    expect(log.slice(2)).toEqual(['dht:server', 'relay:start'])
    reach.set('private')
    await settle()
    reach.set('unknown')
    reach.set('private')
    await settle()
    expect(log.slice(4)).toEqual(['dht:client', 'relay:stop', 'reserve:2', 'dht:server', 'dht:client'])
    await policy.stop()
  })

  it('--relay-service on keeps serving whatever dial-backs say; --relay-reservations 0 reserves nothing', async () => {
    const { policy, reach, log } = harness('on', 0)
    await policy.start()
    reach.set('private')
    await settle()
    expect(log).toEqual(['dht:server', 'dht:client'])
    await policy.stop()
  })
})

describe('relay circuit cap', () => {
  const conn = (stop: number): Connection => ({ streams: Array.from({ length: stop }, () => ({ protocol: RELAY_V2_STOP_CODEC, direction: 'outbound' })) }) as unknown as Connection
  it('counts outbound STOP streams and refuses circuits at the cap', async () => {
    const conns = [conn(2), conn(1)]
    expect(activeCircuits(conns)).toBe(3)
    expect(await natGater({ getConnections: () => conns, maxCircuits: 3 }).denyOutboundRelayedConnection?.({} as never, {} as never)).toBe(true)
    expect(await natGater({ getConnections: () => conns, maxCircuits: 4 }).denyOutboundRelayedConnection?.({} as never, {} as never)).toBe(false)
  })
})

describe('reachability candidates', () => {
  it('public listen addresses and observed IPs with the listen port; private, loopback and relayed ones never; observed IPs bounded', async () => {
    const self = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const r = new Reachability({
      peerId: self,
      getConnections: () => [],
      protocolsOf: async () => [],
      listenAddrs: () => [multiaddr('/ip4/192.168.1.11/tcp/4001'), multiaddr('/ip4/127.0.0.1/tcp/4002')],
      knownVerifiers: async () => [],
      dial: async () => { throw new Error('no') },
      confirm: () => {},
      log: silentLogger()
    })
    expect(r.candidates()).toEqual([])
    r.observe(multiaddr('/ip4/10.0.0.5/tcp/5555'), other)
    expect(r.candidates()).toEqual([])
    r.observe(multiaddr('/ip4/21.0.0.1/tcp/40123'), other)
    expect(r.candidates().map(String)).toEqual(['/ip4/21.0.0.1/tcp/4001'])
    for (let i = 0; i < 100; i++) r.observe(multiaddr(`/ip4/31.0.${i}.1/tcp/1`), other)
    expect(r.candidates().length).toBeLessThanOrEqual(MAX_PEER_ADDRESSES)
    expect(r.state).toBe('unknown')
  })
})
