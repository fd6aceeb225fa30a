/** The swarm tab: crawl on a timer, draw the graph, list the nodes. */
import { request } from './api.js'
import { $, el, every, ms, setRows, shortId } from './format.js'
import { SwarmGraphView } from './graph.js'
import type { SwarmGraph } from './types.js'

/** Between crawls: a crawl dials peers, so the page does not repeat it faster than a person can follow. */
const CRAWL_EVERY_MS = 10_000

export interface SwarmPanel {
  latest(): SwarmGraph | undefined
  nameOf(peerId: string): string
}

export function swarmPanel (onError: (err: Error) => void): SwarmPanel {
  let latest: SwarmGraph | undefined
  const select = $<HTMLSelectElement>('mesh-topic')
  const view = new SwarmGraphView($('graph') as unknown as SVGSVGElement, $('tooltip'), node => {
    $('swarm-summary').textContent = `${node.nick ?? ''} ${node.id}`.trim()
  })
  select.addEventListener('change', () => { view.setTopic(select.value) })

  const render = (g: SwarmGraph): void => {
    latest = g
    view.update(g)
    const chosen = select.value
    select.replaceChildren(el('option', { value: '' }, '(none)'), ...g.topics.map(t => el('option', { value: t }, t)))
    // keep the user's choice; else show the first topic's mesh, which is what most people come to see
    select.value = g.topics.includes(chosen) ? chosen : (chosen === '' && g.topics.length > 0 && select.dataset.touched == null ? g.topics[0] : '')
    view.setTopic(select.value)
    const reached = g.nodes.filter(n => n.reached).length
    const summary = $('swarm-summary')
    summary.textContent = `${g.nodes.length} nodes · ${g.edges.length} links · crawled in ${ms(g.durationMs)}` +
      (reached < g.nodes.length ? ` · ${g.nodes.length - reached} unreached` : '') +
      (g.stoppedBy.length > 0 ? ` · stopped by ${g.stoppedBy.join(', ')} limit` : '')
    summary.dataset.nodes = String(g.nodes.length)
    summary.dataset.reached = String(reached)
    setRows($('swarm-nodes'), [...g.nodes].sort((a, b) => a.depth - b.depth || (a.nick ?? a.id).localeCompare(b.nick ?? b.id)).map(n => [
      el('span', { title: n.id }, n.nick != null ? `${n.nick} ${shortId(n.id)}` : shortId(n.id), n.id === g.origin ? ' (this node)' : ''),
      String(n.depth),
      String(n.degree),
      ms(n.queryMs),
      n.reached ? 'answered' : (n.reason ?? 'unreached')
    ]))
  }
  select.addEventListener('change', () => { select.dataset.touched = '1' })

  const crawl = every(CRAWL_EVERY_MS, async () => { render(await request<SwarmGraph>('POST', '/swarm')) }, onError)
  $('crawl-now').addEventListener('click', () => { crawl.kick() })

  return {
    latest: () => latest,
    nameOf: (peerId: string) => {
      const n = latest?.nodes.find(x => x.id === peerId)
      return n?.nick != null ? `${n.nick} ${shortId(peerId)}` : shortId(peerId)
    }
  }
}
