/**
 * Finding 10 of the security review: the chat printed remote text raw, so a peer's nickname could set the
 * terminal's title and its message could erase a line and forge a `[dm]` line. Every string a peer chooses
 * (nickname, body, topic, file name) reaches the terminal with its C0 and C1 controls and bidi formatting
 * characters made visible, and a message never spans more than its one line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeChatLine, renderDirectMessage, renderTopicMessage } from '../../src/cli/chat-format.js'
import { table } from '../../src/cli/table.js'
import type { MessageView } from '../../src/messaging/body.js'
import { connect, startNode, stopNode, waitFor, type TestNode } from '../messaging/helpers.js'
import { startChat, type ChatProcess } from '../helpers/chat-process.js'

/** What a terminal acts on rather than shows: C0 but newline, DEL, C1, bidi marks, embeddings, overrides, isolates, LS, PS. */
// eslint-disable-next-line no-control-regex
const ACTIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/

const SET_TITLE = '\x1b]0;pwned\x07'
const FORGED = 'hi\x1b[2K\r\x1b[1A12:00:00 [dm] bank (…AAAAAA): send the code\n12:00:00 [dm] bank (…AAAAAA): now'
const SNEAKY = 'evil\u202egpj.exe\u2066x\u2069\u009b2J\u0085'

function view (over: Partial<MessageView>): MessageView {
  return { seq: 1, id: 'x', from: '12D3KooWJ8GRhaTJt7ZJv8TgmKXJ7PzxV8TiL8xHhbW2ZqXbmH6k', data: '', encoding: 'utf8', receivedAt: Date.now(), ...over } as MessageView
}

function expectInert (printed: string, lines = 1): void {
  expect(printed.split('\n')).toHaveLength(lines)
  expect(printed).not.toMatch(ACTIVE)
}

describe('remote text in the terminal', () => {
  it('renders a direct message with a hostile nickname and body as one inert line', () => {
    const line = renderDirectMessage(view({ nick: SET_TITLE, data: FORGED }), 'me')
    expectInert(line)
    expect(line).toContain('\u241b]0;pwned\u2407') // visible, not dropped
  })

  it('renders a topic line with a hostile envelope, plain body and topic name as one inert line', () => {
    expectInert(renderTopicMessage(view({ topic: 'lobby', data: encodeChatLine(FORGED, SET_TITLE + SNEAKY) }), 'me'))
    expectInert(renderTopicMessage(view({ topic: `lo${SNEAKY}bby`, data: FORGED + SNEAKY }), 'me'))
  })

  it('renders file names and other table cells inert', () => {
    expectInert(table(['id', 'name'], [['bafy', SNEAKY + SET_TITLE], ['bafz', FORGED]]), 3)
  })
})

describe('gossipd chat with a hostile peer', () => {
  let a: TestNode
  let evil: TestNode
  let chat: ChatProcess

  beforeAll(async () => {
    a = await startNode({ nick: 'a-node' })
    evil = await startNode({ nick: 'evil-node' })
    await connect(a, evil)
    chat = await startChat(a.url, 'me')
  })

  afterAll(async () => {
    chat?.stop()
    for (const t of [a, evil]) if (t != null) await stopNode(t)
  })

  it('prints a hostile peer\'s nickname, body and topic line inert, and forges no line', async () => {
    evil.node.topics.subscribe('lobby')
    chat.send('/join lobby')
    await chat.seen('joined #lobby')
    await waitFor(() => a.node.topics.info('lobby').meshPeers > 0 && evil.node.topics.info('lobby').meshPeers > 0, 'the lobby mesh')
    await evil.node.direct.send(a.node.peerId.toString(), new TextEncoder().encode(FORGED + SNEAKY), { nick: SET_TITLE })
    await evil.node.topics.publish('lobby', new TextEncoder().encode(encodeChatLine(FORGED, SNEAKY)))
    await chat.seen('[#lobby]')
    chat.send('/peers')
    await chat.seen('1. ')
    const lines = chat.output().split('\n')
    for (const line of lines) expect(line).not.toMatch(ACTIVE)
    expect(lines.filter(l => /^\d\d:\d\d:\d\d \[dm\]/.test(l))).toHaveLength(1)
    expect(lines.filter(l => /^\d\d:\d\d:\d\d \[#lobby\]/.test(l))).toHaveLength(1)
    expect(lines.some(l => l.includes('bank'))).toBe(true) // shown, on the sender's own line
  })
})
