/** Messages: subscribe to topics, follow one live (SSE), publish to it; send a direct message and see its ack. */
import { followEvents, get, isApiClientError, request } from './api.js'
import { $, el, every, ms } from './format.js'
import type { SwarmPanel } from './swarm-panel.js'
import type { DirectResult, History, Message, Published, Topics } from './types.js'

const LOG_LIMIT = 200
/** Messages of the history shown when a topic is opened; the live stream goes on from there. */
const HISTORY_SHOWN = 100
const path = (topic: string): string => `/topics/${encodeURIComponent(topic)}`

function text (m: Message): string {
  if (m.encoding === 'utf8') return m.data
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(atob(m.data), c => c.charCodeAt(0)))
  } catch {
    return `(${m.data.length} base64 chars)`
  }
}

function append (log: HTMLElement, m: Message, who: string): void {
  if (log.querySelector(`[data-seq="${m.seq}"]`) != null) return
  const time = new Date(m.receivedAt).toLocaleTimeString()
  log.append(el('li', { 'data-seq': String(m.seq) }, el('span', { class: 'meta' }, `${time} ${who}`), el('span', { class: 'body' }, text(m))))
  while (log.children.length > LOG_LIMIT) log.firstElementChild?.remove()
  log.scrollTop = log.scrollHeight
}

export function messagesPanel (swarm: SwarmPanel, onError: (err: Error) => void): void {
  let current = ''
  let follow: AbortController | undefined
  const log = $('message-log')
  const who = (m: Message): string => m.nick ?? swarm.nameOf(m.from)
  const state = (live: boolean, error?: string): void => {
    const badge = $('stream-state')
    badge.textContent = live ? 'live' : error != null ? 'reconnecting' : ''
    badge.className = `badge ${live ? 'ok' : 'warn'}`
  }

  const open = async (topic: string): Promise<void> => {
    follow?.abort()
    current = topic
    $('current-topic').textContent = topic
    log.replaceChildren()
    document.querySelectorAll<HTMLElement>('#topic-list [data-topic]').forEach(li => { li.classList.toggle('active', li.dataset.topic === topic) })
    const controller = new AbortController()
    follow = controller
    let last: number | undefined
    try {
      // the newest page: learn the last sequence number, then read the page before it
      const { lastSeq } = await get<History>(`${path(topic)}/messages?limit=1`)
      const history = await get<History>(`${path(topic)}/messages?after=${Math.max(0, lastSeq - HISTORY_SHOWN)}&limit=${HISTORY_SHOWN}`)
      history.messages.forEach(m => { append(log, m, who(m)) })
      last = Math.max(lastSeq, history.lastSeq)
    } catch (err) {
      onError(err as Error)
    }
    void followEvents(`${path(topic)}/messages`, e => {
      if (e.event !== 'message') return
      const m = JSON.parse(e.data) as Message
      append(log, m, who(m))
    }, { signal: controller.signal, lastEventId: last != null ? String(last) : undefined, onState: state })
  }

  const topics = every(3_000, async () => {
    let list: Topics['topics']
    try {
      list = (await get<Topics>('/topics')).topics
    } catch (err) {
      if (isApiClientError(err, 404)) {
        $('topic-list').replaceChildren(el('li', { class: 'muted' }, 'this node has no messaging API yet'))
        return
      }
      throw err
    }
    $('topic-list').replaceChildren(...list.map(t => {
      const openButton = el('button', { type: 'button', class: 'chip-main' }, t.topic, el('small', {}, ` mesh ${t.meshPeers} · ${t.subscribers} subs`))
      openButton.addEventListener('click', () => { void open(t.topic) })
      const leave = el('button', { type: 'button', class: 'ghost', title: `unsubscribe from ${t.topic}`, 'aria-label': `unsubscribe from ${t.topic}` }, '×')
      leave.addEventListener('click', () => {
        void request('DELETE', path(t.topic)).then(() => {
          if (current === t.topic) { follow?.abort(); current = ''; $('current-topic').textContent = '—'; log.replaceChildren() }
          topics.kick()
        }, onError)
      })
      return el('li', { 'data-topic': t.topic, class: t.topic === current ? 'active' : '' }, openButton, leave)
    }))
    if (current === '' && list.length > 0) await open(list[0].topic)
  }, onError)

  $('subscribe-form').addEventListener('submit', ev => {
    ev.preventDefault()
    const input = $<HTMLInputElement>('subscribe-topic')
    const topic = input.value.trim()
    if (topic === '') return
    void request('PUT', path(topic)).then(async () => {
      input.value = ''
      await open(topic)
      topics.kick()
    }, onError)
  })

  $('publish-form').addEventListener('submit', ev => {
    ev.preventDefault()
    const input = $<HTMLInputElement>('publish-text')
    const result = $('publish-result')
    if (current === '') { result.textContent = 'subscribe to a topic first'; return }
    void request<Published>('POST', `${path(current)}/messages`, { data: input.value, encoding: 'utf8' }).then(r => {
      result.textContent = `published to ${r.recipients} peer${r.recipients === 1 ? '' : 's'}`
      result.className = 'result ok'
      input.value = ''
    }, (err: Error) => {
      result.textContent = err.message
      result.className = 'result error'
    })
  })

  $('direct-form').addEventListener('submit', ev => {
    ev.preventDefault()
    const to = $<HTMLInputElement>('direct-to').value.trim()
    const input = $<HTMLInputElement>('direct-text')
    const result = $('direct-result')
    result.textContent = 'sending…'
    result.className = 'result'
    void request<DirectResult>('POST', '/direct', { to, data: input.value, encoding: 'utf8' }).then(r => {
      result.textContent = r.status === 'delivered' ? `delivered, acked in ${ms(r.rttMs)}` : `queued in the outbox: ${r.error ?? 'not reachable now'}`
      result.className = `result ${r.status === 'delivered' ? 'ok' : 'warn'}`
      input.value = ''
    }, (err: Error) => {
      result.textContent = err.message
      result.className = 'result error'
    })
  })

  // incoming direct messages, live
  const inbox = $('inbox')
  void followEvents('/direct/inbox', e => {
    if (e.event !== 'message') return
    const m = JSON.parse(e.data) as Message
    append(inbox, m, who(m))
  }, { signal: new AbortController().signal })
}
