/**
 * `gossipd chat`: an interactive prompt attached to a running node's API. Plain lines go to the current peer
 * (a direct message) or topic; incoming messages are printed as they arrive, from the node's live streams.
 * With piped stdin it reads commands line by line and leaves at end of input, so it can be scripted.
 */
import { appendFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Command } from 'commander'
import type { MessageView } from '../messaging/body.js'
import type { NodeInfo } from '../node/host.js'
import type { PeerEntry } from '../node/peers.js'
import { parsePeerId } from '../node/peer-id.js'
import type { ApiClient } from './client.js'
import { CHAT_HELP, decodeChatLine, encodeChatLine, renderDirectMessage, renderTopicMessage, shortId } from './chat-format.js'
import { NickBook } from './chat-nicks.js'
import { follow, type Follower } from './chat-stream.js'
import { terminalSafe } from './terminal-text.js'

/** Nicknames an unresolved `/msg` names as known, the latest first: enough to spot a typo, one line long. */
const NICKS_NAMED_IN_ERRORS = 8

type Target = { kind: 'peer', id: string } | { kind: 'topic', name: string }

export interface ChatOptions {
  client: ApiClient
  nick?: string
  input?: NodeJS.ReadableStream
  output?: NodeJS.WritableStream
}

export class ChatSession {
  private target?: Target
  private nick?: string
  private self = ''
  private logFile?: string
  private lastPeers: string[] = []
  /** Nicknames seen on incoming messages and topic lines, so `/msg bob hi` works. */
  private readonly nicks = new NickBook()
  private readonly topics = new Map<string, Follower>()
  private inbox?: Follower
  private readonly out: NodeJS.WritableStream

  constructor (private readonly opts: ChatOptions) {
    this.nick = opts.nick
    this.out = opts.output ?? process.stdout
  }

  print (line: string): void {
    this.out.write(line + '\n')
    if (this.logFile != null) {
      try {
        appendFileSync(this.logFile, line + '\n')
      } catch (err) {
        this.logFile = undefined
        this.out.write(`! cannot write the log: ${terminalSafe((err as Error).message)}; logging stopped\n`)
      }
    }
  }

  async run (): Promise<void> {
    const { client } = this.opts
    const info = await client.get<NodeInfo>('/id')
    this.self = info.peerId
    this.nick ??= info.nick
    this.print(`connected to node ${info.peerId}${this.nick != null ? ` as ${this.nick}` : ''}; /help lists the commands`)
    this.inbox = follow({
      url: `${client.base}/direct/inbox`,
      headers: client.headers(),
      onMessage: m => { this.onDirect(m) },
      onError: err => { this.print(`! inbox stream: ${terminalSafe(err.message)}; reconnecting`) }
    })
    const rl = createInterface({ input: this.opts.input ?? process.stdin, terminal: false })
    // lines are handled one at a time, in order, even when a send waits for an ack
    let chain = Promise.resolve(true)
    await new Promise<void>(resolve => {
      rl.on('line', line => {
        chain = chain.then(async going => going && this.handle(line.trim()))
        void chain.then(going => { if (!going) rl.close() })
      })
      rl.on('close', () => { void chain.then(() => { resolve() }) })
    })
    this.close()
  }

  close (): void {
    this.inbox?.stop()
    for (const f of this.topics.values()) f.stop()
    this.topics.clear()
  }

  /** Handle one input line; false when the session should end. */
  async handle (line: string): Promise<boolean> {
    if (line === '') return true
    try {
      if (!line.startsWith('/')) {
        await this.say(line)
        return true
      }
      const [cmd, ...rest] = line.split(/\s+/)
      const arg = line.slice(cmd.length).trim()
      switch (cmd) {
        case '/help': this.print(CHAT_HELP); break
        case '/quit': case '/exit': this.print('bye'); return false
        case '/peers': await this.peers(); break
        case '/connect': await this.connect(arg); break
        case '/msg': await this.msg(rest[0], arg.slice((rest[0] ?? '').length).trim()); break
        case '/join': await this.join(arg); break
        case '/leave': await this.leave(); break
        case '/nick': this.setNick(arg); break
        case '/status': await this.status(); break
        case '/log': this.setLog(arg); break
        default: this.print(`! unknown command ${cmd}; /help lists them`)
      }
    } catch (err) {
      // an API error may quote what a peer sent
      this.print(`! ${terminalSafe((err as Error).message)}`)
    }
    return true
  }

  private async say (text: string): Promise<void> {
    if (this.target == null) {
      this.print('! nobody to talk to: /msg <peer> or /join <topic> first')
      return
    }
    if (this.target.kind === 'topic') {
      await this.opts.client.post(`/topics/${encodeURIComponent(this.target.name)}/messages`, { data: encodeChatLine(text, this.nick) })
      return
    }
    await this.direct(this.target.id, text)
  }

  private async direct (to: string, text: string): Promise<void> {
    const res = await this.opts.client.post<{ status: string, rttMs?: number }>('/direct', { to, data: text, ...(this.nick != null ? { nick: this.nick } : {}) })
    this.print(res.status === 'delivered'
      ? `→ ${this.name(to)}: ${text}  (delivered, ${res.rttMs} ms)`
      : `→ ${this.name(to)}: ${text}  (queued: the peer is unreachable; it will be retried)`)
  }

  private name (peer: string): string {
    const n = this.nicks.of(peer)[0]
    return n != null ? `${n} (${shortId(peer)})` : shortId(peer)
  }

  /** A numbered list of peers that `/msg <number>` picks from, with the nicknames known for each. */
  private list (peers: Array<{ id: string, detail?: string }>): void {
    this.lastPeers = peers.map(p => p.id)
    peers.forEach((p, i) => {
      const nicks = this.nicks.of(p.id)
      this.print(`  ${i + 1}. ${terminalSafe(p.id)}${nicks.length > 0 ? ` (${nicks.join(', ')})` : ''}${p.detail != null ? `  ${p.detail}` : ''}`)
    })
  }

  private async peers (): Promise<void> {
    const { peers } = await this.opts.client.get<{ peers: PeerEntry[] }>('/peers')
    if (peers.length === 0) this.print('no peers connected')
    this.list(peers.map(p => ({ id: p.id, detail: `${terminalSafe(p.remoteAddr)}  ${p.latencyMs ?? '?'} ms` })))
  }

  private async connect (addr: string): Promise<void> {
    if (addr === '') throw new Error('usage: /connect <multiaddr>')
    const res = await this.opts.client.post<{ id: string }>('/peers', { multiaddr: addr })
    this.print(`connected to ${terminalSafe(res.id)}`)
  }

  /**
   * A peer by number in the last list shown, by a nickname seen on its messages, or by id. Undefined when a
   * nickname names several peers: they are listed, numbered, for the user to pick one.
   */
  private resolvePeer (ref: string): string | undefined {
    if (/^\d+$/.test(ref)) {
      const id = this.lastPeers[Number(ref) - 1]
      if (id == null) throw new Error(`no peer number ${ref} in the last list: /peers lists them`)
      return id
    }
    const named = this.nicks.peersNamed(ref)
    if (named.length === 1) return named[0]
    if (named.length > 1) {
      this.print(`"${ref}" is the nickname of ${named.length} peers:`)
      this.list(named.map(id => ({ id })))
      this.print('which one? /msg <number> [text]')
      return undefined
    }
    try {
      return parsePeerId(ref).toString()
    } catch {
      const known = this.nicks.all()
      const shown = known.length === 0 ? 'none seen yet' : `known: ${known.slice(0, NICKS_NAMED_IN_ERRORS).join(', ')}${known.length > NICKS_NAMED_IN_ERRORS ? `, and ${known.length - NICKS_NAMED_IN_ERRORS} more` : ''}`
      throw new Error(`no peer "${terminalSafe(ref)}": not a number from /peers, not a nickname seen (${shown}), not a peer id`)
    }
  }

  private async msg (ref: string | undefined, text: string): Promise<void> {
    if (ref == null || ref === '') throw new Error('usage: /msg <peer> [text]')
    const id = this.resolvePeer(ref)
    if (id == null) return
    this.target = { kind: 'peer', id }
    this.print(`talking to ${this.name(id)}`)
    if (text !== '') await this.direct(id, text)
  }

  private async join (topic: string): Promise<void> {
    if (topic === '') throw new Error('usage: /join <topic>')
    const path = `/topics/${encodeURIComponent(topic)}`
    await this.opts.client.request('PUT', path)
    if (!this.topics.has(topic)) {
      this.topics.set(topic, follow({
        url: `${this.opts.client.base}${path}/messages`,
        headers: this.opts.client.headers(),
        onMessage: m => { this.onTopic(m) },
        onError: err => { this.print(`! #${terminalSafe(topic)} stream: ${terminalSafe(err.message)}; reconnecting`) }
      }))
    }
    this.target = { kind: 'topic', name: topic }
    this.print(`joined #${terminalSafe(topic)}`)
  }

  private async leave (): Promise<void> {
    const t = this.target
    if (t == null) {
      this.print('! not in a topic or conversation')
      return
    }
    this.target = undefined
    if (t.kind === 'peer') {
      this.print(`stopped talking to ${this.name(t.id)}`)
      return
    }
    this.topics.get(t.name)?.stop()
    this.topics.delete(t.name)
    await this.opts.client.request('DELETE', `/topics/${encodeURIComponent(t.name)}`)
    this.print(`left #${terminalSafe(t.name)}`)
  }

  private setNick (name: string): void {
    if (name === '' || name.length > 64) throw new Error('usage: /nick <name> (1 to 64 characters)')
    this.nick = name
    this.print(`you are now ${name}`)
  }

  private async status (): Promise<void> {
    const [info, { peers }, outbox] = await Promise.all([
      this.opts.client.get<NodeInfo>('/id'),
      this.opts.client.get<{ peers: PeerEntry[] }>('/peers'),
      this.opts.client.get<{ counts: Record<string, number> }>('/direct/outbox?limit=1')
    ])
    const target = this.target == null ? 'nobody' : this.target.kind === 'topic' ? `#${terminalSafe(this.target.name)}` : this.name(this.target.id)
    this.print(`node ${info.peerId}, up ${Math.round(info.uptimeMs / 1000)} s, ${peers.length} peers`)
    this.print(`nick ${this.nick ?? '(none)'}; talking to ${target}; topics ${[...this.topics.keys()].map(t => `#${terminalSafe(t)}`).join(' ') || '(none)'}`)
    this.print(`outbox: ${outbox.counts.queued ?? 0} queued, ${outbox.counts.delivered ?? 0} delivered, ${outbox.counts.expired ?? 0} expired${this.logFile != null ? `; logging to ${this.logFile}` : ''}`)
  }

  private setLog (arg: string): void {
    if (arg === '' || arg === 'off') {
      this.print(this.logFile != null ? `stopped logging to ${this.logFile}` : 'not logging')
      this.logFile = undefined
      return
    }
    this.logFile = arg
    this.print(`logging to ${arg}`)
  }

  private onDirect (m: MessageView): void {
    if (m.from !== this.self) this.nicks.saw(m.from, m.nick)
    this.print(renderDirectMessage(m, this.self))
  }

  private onTopic (m: MessageView): void {
    if (m.from !== this.self && m.encoding === 'utf8') this.nicks.saw(m.from, decodeChatLine(m.data)?.nick)
    this.print(renderTopicMessage(m, this.self))
  }
}

export function registerChatCommand (program: Command, client: (opts: { api?: string, apiToken?: string }) => ApiClient, clientOptions: (cmd: Command) => Command): void {
  clientOptions(program.command('chat').description('chat through a running node: topics, direct messages, /help for commands'))
    .option('--nick <name>', 'your nickname (default: the node\'s --nick)')
    .action(async (opts: { api?: string, apiToken?: string, nick?: string }) => {
      await new ChatSession({ client: client(opts), nick: opts.nick }).run()
      process.exit(0)
    })
}
