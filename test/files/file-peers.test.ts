import { describe, expect, it } from 'vitest'
import { FILES_PEER_HINT_TTL_MS, FILES_PEER_HINTS } from '../../src/files/constants.js'
import { FilePeers } from '../../src/files/file-peers.js'

describe('fellow downloaders a node names', () => {
  it('names the others who asked for the file, most recent first, never the asker', () => {
    let now = 1_000
    const peers = new FilePeers(() => now)
    peers.seen('f', 'a'); now++
    peers.seen('f', 'b'); now++
    peers.seen('g', 'c'); now++
    peers.seen('f', 'a')
    expect(peers.others('f', 'b')).toEqual(['a'])
    expect(peers.others('f', 'x')).toEqual(['a', 'b'])
    expect(peers.others('g', 'c')).toEqual([])
    expect(peers.others('unknown', 'a')).toEqual([])
  })

  it('forgets peers not heard from within the TTL', () => {
    let now = 0
    const peers = new FilePeers(() => now)
    peers.seen('f', 'old')
    now = FILES_PEER_HINT_TTL_MS / 2
    peers.seen('f', 'new')
    now = FILES_PEER_HINT_TTL_MS + 1
    expect(peers.others('f', 'x')).toEqual(['new'])
  })

  it('names at most FILES_PEER_HINTS peers', () => {
    let now = 0
    const peers = new FilePeers(() => now++)
    for (let i = 0; i < FILES_PEER_HINTS * 3; i++) peers.seen('f', `p${i}`)
    const named = peers.others('f', 'x')
    expect(named).toHaveLength(FILES_PEER_HINTS)
    expect(named[0]).toBe(`p${FILES_PEER_HINTS * 3 - 1}`)
  })
})
