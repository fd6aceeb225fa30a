/**
 * `gossipd chat` driven through piped stdin, attached to one of two in-process nodes: commands, topic talk,
 * direct messages both ways, nicknames, the log file, and a clean exit.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, startNode, stopNode, tempDir, waitFor, type TestNode } from './helpers.js'

describe('gossipd chat', () => {
  let a: TestNode
  let b: TestNode
  let chat: ChildProcessWithoutNullStreams
  let output = ''
  let logDir: string

  const send = (line: string): void => { chat.stdin.write(line + '\n') }
  const seen = async (text: string): Promise<void> => waitFor(() => output.includes(text), `chat output "${text}"; got:\n${output}`)

  beforeAll(async () => {
    a = await startNode({ nick: 'alice-node' })
    b = await startNode({ nick: 'bob' })
    await connect(a, b)
    logDir = await tempDir()
    chat = spawn(process.execPath, ['bin/gossipd.js', 'chat', '--api', a.url, '--nick', 'alice'], { stdio: ['pipe', 'pipe', 'pipe'] })
    chat.stdout.on('data', (d: Buffer) => { output += d.toString() })
    chat.stderr.on('data', (d: Buffer) => { output += d.toString() })
    await seen('/help lists the commands')
  })

  afterAll(async () => {
    if (chat.exitCode == null) chat.kill()
    await stopNode(a)
    await stopNode(b)
    await rm(logDir, { recursive: true, force: true })
  })

  it('lists commands and peers', async () => {
    send('/help')
    await seen('/join <topic>')
    send('/peers')
    await seen(`1. ${b.node.peerId.toString()}`)
  })

  it('joins a topic, shows others\' messages and publishes plain lines with its nickname', async () => {
    send('/log ' + join(logDir, 'chat.log'))
    await seen('logging to')
    b.node.topics.subscribe('lobby')
    send('/join lobby')
    await seen('joined #lobby')
    await waitFor(() => b.node.topics.info('lobby').meshPeers > 0 && a.node.topics.info('lobby').meshPeers > 0, 'the lobby mesh')
    await b.node.topics.publish('lobby', new TextEncoder().encode('plain hello from b'))
    await seen('[#lobby]')
    await seen('plain hello from b')
    send('hi lobby')
    await waitFor(() => b.node.topics.history('lobby', { limit: 10 }).some(m => new TextDecoder().decode(m.data).includes('hi lobby')), 'the chat line at b')
    const line = b.node.topics.history('lobby', { limit: 10 }).map(m => JSON.parse(new TextDecoder().decode(m.data).startsWith('{') ? new TextDecoder().decode(m.data) : 'null')).find(v => v != null)
    expect(line).toEqual({ nick: 'alice', text: 'hi lobby' })
    await seen('me: hi lobby')
  })

  it('sends direct messages with /msg and shows incoming ones with the sender\'s nickname', async () => {
    send(`/msg ${b.node.peerId.toString()} hello bob`)
    await seen('(delivered,')
    const inbox = b.node.direct.inbox({ limit: 10 })
    expect(inbox.map(m => [m.nick, new TextDecoder().decode(m.data)])).toEqual([['alice', 'hello bob']])
    send('and a plain line to bob')
    await waitFor(() => b.node.direct.inboxStats().count === 2, 'the second DM at b')

    await b.node.direct.send(a.node.peerId.toString(), new TextEncoder().encode('hey alice'), { nick: 'bob' })
    await seen('[dm] bob (')
    await seen('hey alice')
    // the nickname now names the peer
    send('/msg bob by nickname')
    await waitFor(() => b.node.direct.inboxStats().count === 3, 'the DM addressed by nickname')
  })

  it('renames, reports status, leaves, logs to the file and quits cleanly', async () => {
    send('/nick alicia')
    await seen('you are now alicia')
    send('/join lobby')
    await seen('joined #lobby')
    send('/status')
    await seen('talking to #lobby')
    await seen('outbox: 0 queued, 3 delivered')
    send('/leave')
    await seen('left #lobby')
    expect(a.node.topics.isSubscribed('lobby')).toBe(false)
    send('/nonsense')
    await seen('unknown command /nonsense')
    const exited = new Promise<number | null>(resolve => chat.once('exit', resolve))
    send('/quit')
    expect(await exited).toBe(0)
    const log = await readFile(join(logDir, 'chat.log'), 'utf8')
    expect(log).toContain('plain hello from b')
    expect(log).toContain('hey alice')
    expect(log).toContain('left #lobby')
  })
})
