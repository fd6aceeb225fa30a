/** "This node": identity, peers, DHT k-buckets and topics, refreshed every two seconds. */
import { get, isApiClientError } from './api.js'
import { $, duration, el, every, ms, setRows } from './format.js'
import type { SwarmPanel } from './swarm-panel.js'
import type { NodeId, Peers, RoutingTable, Topics } from './types.js'

const REFRESH_MS = 2_000

export function nodePanel (swarm: SwarmPanel, onError: (err: Error) => void, onId: (id: NodeId) => void): void {
  every(REFRESH_MS, async () => {
    const [id, peers, table] = await Promise.all([get<NodeId>('/id'), get<Peers>('/peers'), get<RoutingTable>('/dht/routing-table')])
    onId(id)
    renderIdentity(id)
    $('peer-count').textContent = String(peers.peers.length)
    setRows($('peers'), peers.peers.map(p => [
      el('span', { title: p.id }, swarm.nameOf(p.id)),
      el('code', { title: p.remoteAddr }, p.remoteAddr.replace(/\/p2p\/[^/]+$/, '')),
      `${p.direction === 'inbound' ? 'in' : 'out'}${p.links.some(l => l.relayed) ? (p.links.some(l => !l.relayed) ? ' +relay' : ' relay') : ''}${p.links.some(l => l.origin === 'hole-punched') ? ' punched' : ''}`,
      ms(p.latencyMs),
      duration(p.ageMs)
    ]), 'no peers yet')
    $('peer-ids').replaceChildren(...peers.peers.map(p => el('option', { value: p.id }, swarm.nameOf(p.id))))
    renderBuckets(table)
    await renderTopics(swarm, id.peerId)
  }, onError)
}

function renderIdentity (id: NodeId): void {
  const row = (k: string, ...v: Array<Node | string>): Node[] => [el('dt', {}, k), el('dd', {}, ...v)]
  $('identity').replaceChildren(
    ...row('peer id', el('code', { class: 'wrap', 'data-testid': 'peer-id' }, id.peerId)),
    ...(id.nick != null ? row('nick', id.nick) : []),
    ...row('uptime', duration(id.uptimeMs)),
    ...row('agent', id.agentVersion),
    ...row('reachability', el('span', { 'data-testid': 'reachability', title: 'from dial-backs (AutoNAT)' }, id.reachability),
      ...(id.relayService.serving ? [el('span', { class: 'muted' }, ` relaying for ${id.relayService.reservations}`)] : [])),
    ...(id.relayAddresses.length > 0 ? row('via relays', ...id.relayAddresses.map(a => el('code', { class: 'wrap block' }, a))) : []),
    ...row('addresses', ...id.listen.map(a => el('code', { class: 'wrap block' }, a))),
    ...row('protocols', el('span', { class: 'muted' }, id.protocols.join(' ')))
  )
}

function renderBuckets (table: RoutingTable): void {
  $('dht-size').textContent = String(table.size)
  const max = Math.max(1, ...table.buckets.map(b => b.peers.length))
  $('buckets').replaceChildren(...(table.buckets.length === 0
    ? [el('p', { class: 'muted' }, 'routing table empty')]
    : table.buckets.map(b => {
      const bar = el('span', { class: 'bar' })
      bar.style.width = `${(b.peers.length / max) * 100}%`
      return el('div', { class: 'bucket', title: b.peers.map(p => p.id).join('\n') },
        el('code', {}, b.prefix === '' ? '(root)' : b.prefix), el('span', { class: 'track' }, bar), el('span', {}, String(b.peers.length)))
    })))
}

/** Topics from the messaging API; until that answers, from this node's own crawl report. */
async function renderTopics (swarm: SwarmPanel, self: string): Promise<void> {
  let rows: Array<[string, number, number | string]>
  try {
    rows = (await get<Topics>('/topics')).topics.map(t => [t.topic, t.meshPeers, t.subscribers])
  } catch (err) {
    if (!isApiClientError(err, 404)) throw err
    const g = swarm.latest()
    const me = g?.nodes.find(n => n.id === self)
    rows = (me?.topics ?? []).map(t => [t, g?.edges.filter(e => (e.source === self || e.target === self) && e.mesh.includes(t)).length ?? 0, '—'])
  }
  setRows($('node-topics'), rows.map(([t, mesh, subs]) => [t, String(mesh), String(subs)]), 'no topics')
}
