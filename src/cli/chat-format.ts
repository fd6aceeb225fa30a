/**
 * How chat lines travel and show. On a topic, a chat line is published as a small JSON envelope so others see
 * the author's nickname: `{"nick": "alice", "text": "hi"}`; anything else on the topic shows as plain text. A
 * direct message carries the nickname in the protocol itself, so its body is the bare text.
 */
import type { MessageView } from '../messaging/body.js'
import { terminalSafe } from './terminal-text.js'

export interface ChatEnvelope {
  nick?: string
  text: string
}

export function encodeChatLine (text: string, nick?: string): string {
  return JSON.stringify(nick != null ? { nick, text } : { text })
}

/** The envelope in a topic message, if it holds one. */
export function decodeChatLine (data: string): ChatEnvelope | undefined {
  if (!data.startsWith('{')) return undefined
  try {
    const v = JSON.parse(data) as unknown
    if (v == null || typeof v !== 'object') return undefined
    const { nick, text } = v as Record<string, unknown>
    if (typeof text !== 'string') return undefined
    return typeof nick === 'string' ? { nick, text } : { text }
  } catch {
    return undefined
  }
}

/** The last 6 characters of a peer id: enough to tell a swarm's peers apart on screen. */
export function shortId (peerId: string): string {
  return `…${peerId.slice(-6)}`
}

function clock (ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8)
}

function who (m: MessageView, self: string, nick?: string): string {
  if (m.from === self) return 'me'
  return nick != null ? `${terminalSafe(nick)} (${shortId(terminalSafe(m.from))})` : shortId(terminalSafe(m.from))
}

/** A body as a line of text: itself (terminal-safe) when UTF-8, its size when binary. */
function textOf (m: MessageView): string {
  return m.encoding === 'utf8' ? terminalSafe(m.data) : `<${Buffer.from(m.data, 'base64').byteLength} bytes>`
}

export function renderTopicMessage (m: MessageView, self: string): string {
  const env = m.encoding === 'utf8' ? decodeChatLine(m.data) : undefined
  const text = env != null ? terminalSafe(env.text) : textOf(m)
  return `${clock(m.receivedAt)} [#${terminalSafe(m.topic ?? '?')}] ${who(m, self, env?.nick)}: ${text}`
}

export function renderDirectMessage (m: MessageView, self: string): string {
  return `${clock(m.receivedAt)} [dm] ${who(m, self, m.nick)}: ${textOf(m)}`
}

export const CHAT_HELP = `commands:
  /peers                 connected peers (numbered: /msg 2 hi)
  /connect <multiaddr>   connect to a peer
  /msg <peer> [text]     talk to a peer (id, number from the last list, or nickname); text is sent at once
  /join <topic>          join a topic and talk there
  /leave                 leave the current topic (or stop talking to the current peer)
  /nick <name>           your nickname, shown to others
  /status                node, nickname, where your lines go, topics, outbox
  /log <file> | /log off copy everything shown here to a file
  /help                  this list
  /quit                  leave the chat (the node keeps running)
plain lines go to the current peer or topic.`
