/**
 * A forwarded message is never sent back to its author: go and rust peers count that copy as invalid.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { gossipsub } from '@libp2p/gossipsub'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { excludingAuthor, skipAuthorOnForward } from '../../src/node/gossip-forward.js'

describe('gossip forward', () => {
  it('adds the author to the peers a forward leaves out, keeping those already left out', async () => {
    const author = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const calls: Array<Set<string> | undefined> = []
    const forward = excludingAuthor((_id, _raw, _src, exclude) => { calls.push(exclude) })
    forward('id', { from: author.toMultihash().bytes }, 'source', new Set(['other']))
    forward('id', { from: author.toMultihash().bytes }, 'source')
    forward('id', {}, 'source')
    expect(calls[0]).toEqual(new Set(['other', author.toString()]))
    expect(calls[1]).toEqual(new Set([author.toString()]))
    expect(calls[2]).toBeUndefined()
  })

  it('wraps the gossipsub release in use, whose forward takes the peers to leave out (fails when it moves)', async () => {
    const privateKey = await generateKeyPair('Ed25519')
    // gossipsub's constructor reads only these of its components
    const components = { privateKey, peerId: peerIdFromPrivateKey(privateKey), logger: defaultLogger() } as unknown as Parameters<ReturnType<typeof gossipsub>>[0]
    const prototype = Object.getPrototypeOf(gossipsub()(components)) as Record<string, unknown>
    const forward = prototype.forwardMessage
    expect(typeof forward).toBe('function')
    // (msgIdStr, rawMsg, propagationSource, excludePeers)
    expect((forward as (...args: unknown[]) => void).length).toBe(4)
    expect(String(forward)).toMatch(/selectPeersToForward\(rawMsg\.topic, propagationSource, excludePeers\)/)
    const instance = Object.create(prototype) as { forwardMessage: unknown }
    skipAuthorOnForward(instance)
    expect(instance.forwardMessage).not.toBe(forward)
  })
})
