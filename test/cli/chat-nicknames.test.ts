/**
 * Nicknames in `gossipd chat` (issue 23): a nickname seen on a topic line or a direct message names its peer in
 * `/msg` and shows in `/peers`; a nickname two peers share is listed for the user to pick from, never guessed;
 * a name that resolves to nothing says what was tried and changes nobody's conversation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeChatLine } from '../../src/cli/chat-format.js'
import { connect, startNode, stopNode, waitFor, type TestNode } from '../messaging/helpers.js'
import { startChat, type ChatProcess } from '../helpers/chat-process.js'

const text = (data: Uint8Array): string => new TextDecoder().decode(data)
const inboxTexts = (t: TestNode): string[] => t.node.direct.inbox({ limit: 100 }).map(m => text(m.data))

describe('gossipd chat nicknames', () => {
  let a: TestNode
  let b: TestNode
  let c: TestNode
  let chat: ChatProcess

  beforeAll(async () => {
    a = await startNode({ nick: 'a-node' })
    b = await startNode({ nick: 'b-node' })
    c = await startNode({ nick: 'c-node' })
    await connect(a, b)
    await connect(a, c)
    chat = await startChat(a.url, 'me')
    b.node.topics.subscribe('lobby')
    c.node.topics.subscribe('lobby')
    chat.send('/join lobby')
    await chat.seen('joined #lobby')
    await waitFor(() => a.node.topics.info('lobby').meshPeers === 2 && b.node.topics.info('lobby').meshPeers > 0 && c.node.topics.info('lobby').meshPeers > 0, 'the lobby mesh')
  })

  afterAll(async () => {
    chat?.stop()
    for (const t of [a, b, c]) if (t != null) await stopNode(t)
  })

  it('resolves a nickname seen only on a topic line in /msg', async () => {
    await b.node.topics.publish('lobby', new TextEncoder().encode(encodeChatLine('hello lobby', 'bee')))
    await chat.seen('bee (…')
    chat.send('/msg bee psst')
    await waitFor(() => inboxTexts(b).includes('psst'), `"psst" at b; chat said:\n${chat.output()}`)
    expect(chat.output()).toContain(`talking to bee (…${b.node.peerId.toString().slice(-6)})`)
  })

  it('shows the nicknames known for each peer in /peers', async () => {
    chat.send('/peers')
    await chat.seen(`${b.node.peerId.toString()} (bee)`)
  })

  it('lists the peers sharing a nickname and asks for a number instead of picking one', async () => {
    await c.node.topics.publish('lobby', new TextEncoder().encode(encodeChatLine('I am twin', 'twin')))
    await chat.seen('I am twin')
    await b.node.direct.send(a.node.peerId.toString(), new TextEncoder().encode('me too'), { nick: 'twin' })
    await chat.seen('me too')
    const before = chat.output().length
    chat.send('/msg twin guessed')
    await chat.seen('"twin" is the nickname of 2 peers')
    await chat.seen('/msg <number>')
    const answer = chat.output().slice(before)
    const listed = [...answer.matchAll(/^ {2}(\d)\. (\S+)/gm)].map(m => [m[1], m[2]])
    expect(listed.map(l => l[1]).sort()).toEqual([b.node.peerId.toString(), c.node.peerId.toString()].sort())
    expect(answer).not.toContain('talking to')
    // the number picks; lines are handled in order, so once this one arrives the guess would have too
    const [number, picked] = listed[0]
    const pickedNode = picked === b.node.peerId.toString() ? b : c
    chat.send(`/msg ${number} picked`)
    await waitFor(() => inboxTexts(pickedNode).includes('picked'), `"picked" at the chosen peer; chat said:\n${chat.output()}`)
    expect([...inboxTexts(b), ...inboxTexts(c)]).not.toContain('guessed')
  })

  it('says what it tried for an unknown name and does not change the conversation', async () => {
    const before = chat.output().length
    chat.send('/msg nobody hi')
    await chat.seen('no peer "nobody"')
    const answer = chat.output().slice(before)
    expect(answer).not.toContain('talking to')
    expect(answer).toContain('not a number from /peers')
    expect(answer).toContain('not a nickname seen (known: ')
    expect(answer).toMatch(/known: [^)]*\bbee\b/)
    expect(answer).toContain('not a peer id')
    // plain lines still go to the peer picked before
    chat.send('still here')
    await waitFor(() => [...inboxTexts(b), ...inboxTexts(c)].includes('still here'), 'the plain line at the peer picked before')
  })
})
