/**
 * The chat's nickname table: a peer may send any number of names and any number of peers may write; both are
 * capped, the least recently seen going first.
 */
import { describe, expect, it } from 'vitest'
import { NICK_MAX_LENGTH, NickBook, NICKS_MAX_PEERS, NICKS_PER_PEER } from '../../src/cli/chat-nicks.js'

describe('NickBook', () => {
  it('keeps a peer\'s latest nicknames only, however many it sends', () => {
    const book = new NickBook()
    for (let i = 0; i < 10_000; i++) book.saw('p', `nick${i}`)
    expect(book.of('p')).toEqual(Array.from({ length: NICKS_PER_PEER }, (_v, i) => `nick${9999 - i}`))
    expect(book.all()).toHaveLength(NICKS_PER_PEER)
    expect(book.peersNamed('nick0')).toEqual([])
  })

  it('keeps the most recently seen peers only, however many write', () => {
    const book = new NickBook()
    for (let i = 0; i < NICKS_MAX_PEERS * 4; i++) book.saw(`p${i}`, 'same')
    expect(book.size).toBe(NICKS_MAX_PEERS)
    expect(book.peersNamed('same')[0]).toBe(`p${NICKS_MAX_PEERS * 4 - 1}`)
    expect(book.peersNamed('p0')).toEqual([])
  })

  it('lists every peer sharing a nickname, and a peer seen again counts as recent', () => {
    const book = new NickBook({ maxPeers: 2 })
    book.saw('a', 'bob')
    book.saw('b', 'bob')
    expect(book.peersNamed('bob')).toEqual(['b', 'a'])
    book.saw('a', 'alice') // a is now the most recent; adding c evicts b
    book.saw('c', 'carol')
    expect(book.peersNamed('bob')).toEqual(['a'])
    expect(book.of('a')).toEqual(['alice', 'bob'])
    expect(book.all()).toEqual(['carol', 'alice', 'bob'])
  })

  it('ignores empty and overlong nicknames and stores them as printed', () => {
    const book = new NickBook()
    book.saw('p', '')
    book.saw('p', undefined)
    book.saw('p', 'x'.repeat(NICK_MAX_LENGTH + 1))
    expect(book.size).toBe(0)
    book.saw('p', 'bo\x1bb')
    expect(book.of('p')).toEqual(['bo\u241bb'])
  })
})
