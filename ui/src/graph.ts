/**
 * The swarm graph: d3-force lays out the crawl's nodes and links in an SVG (zoom and pan with the wheel or a
 * drag, pinch on a phone). Positions survive a refresh, so a new crawl moves only what changed.
 */
import { forceCenter, forceCollide, forceLink, forceManyBody, forceSimulation, forceX, forceY, type SimulationLinkDatum, type SimulationNodeDatum } from 'd3-force'
import { select, type Selection } from 'd3-selection'
import { zoom, zoomIdentity } from 'd3-zoom'
import type { SwarmEdge, SwarmGraph, SwarmNode } from './types.js'
import { ms, shortId } from './format.js'

interface GNode extends SimulationNodeDatum { id: string, data: SwarmNode }
interface GLink extends SimulationLinkDatum<GNode> { key: string, data: SwarmEdge }

export class SwarmGraphView {
  private nodes = new Map<string, GNode>()
  private links: GLink[] = []
  private origin = ''
  private topic = ''
  private readonly root: Selection<SVGGElement, unknown, null, undefined>
  private readonly linkLayer: Selection<SVGGElement, unknown, null, undefined>
  private readonly nodeLayer: Selection<SVGGElement, unknown, null, undefined>
  private readonly simulation = forceSimulation<GNode, GLink>()
  private width = 800
  private height = 500
  private readonly zoom = zoom<SVGSVGElement, unknown>()
  private userMoved = false
  private ticks = 0

  constructor (private readonly svg: SVGSVGElement, private readonly tooltip: HTMLElement, private readonly onSelect: (node: SwarmNode) => void) {
    const s = select(svg)
    this.root = s.append('g')
    this.linkLayer = this.root.append('g').attr('class', 'links')
    this.nodeLayer = this.root.append('g').attr('class', 'nodes')
    this.zoom.scaleExtent([0.2, 5]).on('zoom', (e: { transform: { toString(): string }, sourceEvent: unknown }) => {
      this.root.attr('transform', e.transform.toString())
      // once the user zooms or pans, the view stays where they put it (a double click fits it again)
      if (e.sourceEvent != null) this.userMoved = true
    })
    s.call(this.zoom)
    s.on('dblclick.zoom', null)
    s.on('dblclick', () => { this.userMoved = false; this.fit() })
    this.simulation
      .force('link', forceLink<GNode, GLink>().id(d => d.id).distance(90).strength(0.3))
      .force('charge', forceManyBody().strength(-420))
      .force('collide', forceCollide(26))
      .force('x', forceX().strength(0.04))
      .force('y', forceY().strength(0.04))
      .on('tick', () => {
        this.tick()
        if (++this.ticks % 15 === 0) this.fit()
      })
      .on('end', () => { this.fit() })
    new ResizeObserver(() => { this.resize() }).observe(svg)
    this.resize()
    svg.addEventListener('pointerleave', () => { this.hideTip() })
  }

  /** Nodes in the drawing (for tests and the summary): every one has a circle with its peer id. */
  get size (): number {
    return this.nodes.size
  }

  setTopic (topic: string): void {
    this.topic = topic
    this.paint()
  }

  update (g: SwarmGraph): void {
    this.origin = g.origin
    const next = new Map<string, GNode>()
    for (const n of g.nodes) {
      const old = this.nodes.get(n.id)
      next.set(n.id, old != null ? Object.assign(old, { data: n }) : { id: n.id, data: n, ...this.spawnPoint(n, g) })
    }
    this.nodes = next
    this.links = g.edges
      .filter(e => next.has(e.source) && next.has(e.target))
      .map(e => ({ key: [e.source, e.target].sort().join(' '), source: e.source, target: e.target, data: e }))
    const origin = next.get(g.origin)
    if (origin != null) { origin.fx = 0; origin.fy = 0 }
    this.simulation.nodes([...next.values()])
    this.simulation.force<ReturnType<typeof forceLink<GNode, GLink>>>('link')?.links(this.links)
    this.simulation.alpha(this.links.length > 0 ? 0.6 : 0.3).restart()
    this.draw()
  }

  /** New nodes start next to a node they link to, so the layout grows instead of exploding. */
  private spawnPoint (n: SwarmNode, g: SwarmGraph): { x: number, y: number } {
    const e = g.edges.find(e => (e.source === n.id && this.nodes.has(e.target)) || (e.target === n.id && this.nodes.has(e.source)))
    const near = e == null ? undefined : this.nodes.get(e.source === n.id ? e.target : e.source)
    const angle = Math.random() * Math.PI * 2
    const r = near == null ? 80 + Math.random() * 80 : 30
    return { x: (near?.x ?? 0) + Math.cos(angle) * r, y: (near?.y ?? 0) + Math.sin(angle) * r }
  }

  private draw (): void {
    const link = this.linkLayer.selectAll<SVGGElement, GLink>('g.link').data(this.links, d => d.key)
    link.exit().remove()
    const linkEnter = link.enter().append('g').attr('class', 'link')
    linkEnter.append('line').attr('class', 'hit')
    linkEnter.append('line').attr('class', 'stroke')
    linkEnter
      .on('pointerenter pointermove', (ev: PointerEvent, d) => { this.showTip(ev, linkTip(d.data, this.nodes)) })
      .on('pointerleave', () => { this.hideTip() })

    const node = this.nodeLayer.selectAll<SVGGElement, GNode>('g.node').data([...this.nodes.values()], d => d.id)
    node.exit().remove()
    const nodeEnter = node.enter().append('g').attr('class', 'node').attr('tabindex', '0')
    nodeEnter.append('circle')
    nodeEnter.append('text').attr('dy', '0.32em')
    nodeEnter
      .on('pointerenter pointermove', (ev: PointerEvent, d) => { this.showTip(ev, nodeTip(d.data)) })
      .on('pointerleave', () => { this.hideTip() })
      .on('click', (_ev, d) => { this.onSelect(d.data) })
    this.paint()
    this.tick()
  }

  /** Classes and sizes that depend on the data and the chosen topic. */
  private paint (): void {
    const topic = this.topic
    this.linkLayer.selectAll<SVGGElement, GLink>('g.link')
      .classed('mesh', d => topic !== '' && d.data.mesh.includes(topic))
      .attr('data-latency', d => d.data.latencyMs ?? '')
    this.nodeLayer.selectAll<SVGGElement, GNode>('g.node')
      .attr('data-peer', d => d.id)
      .attr('aria-label', d => `${d.data.nick ?? shortId(d.id)}${d.id === this.origin ? ' (this node)' : ''}`)
      .classed('self', d => d.id === this.origin)
      .classed('unreached', d => !d.data.reached)
      .classed('subscribed', d => topic !== '' && d.data.topics.includes(topic))
      .each(function (d) {
        const g = select(this)
        g.select('circle').attr('r', 7 + Math.min(9, Math.sqrt(d.data.degree) * 2))
        g.select('text').attr('x', 12 + Math.min(9, Math.sqrt(d.data.degree) * 2)).text(d.data.nick ?? shortId(d.id))
      })
  }

  private tick (): void {
    const xy = (n: GNode | string | number): [number, number] => typeof n === 'object' ? [n.x ?? 0, n.y ?? 0] : [0, 0]
    this.linkLayer.selectAll<SVGGElement, GLink>('g.link').selectAll<SVGLineElement, GLink>('line')
      .attr('x1', d => xy(d.source)[0]).attr('y1', d => xy(d.source)[1])
      .attr('x2', d => xy(d.target)[0]).attr('y2', d => xy(d.target)[1])
    this.nodeLayer.selectAll<SVGGElement, GNode>('g.node').attr('transform', d => `translate(${d.x ?? 0},${d.y ?? 0})`)
  }

  private resize (): void {
    const r = this.svg.getBoundingClientRect()
    this.width = Math.max(200, r.width)
    this.height = Math.max(200, r.height)
    this.svg.setAttribute('viewBox', `${-this.width / 2} ${-this.height / 2} ${this.width} ${this.height}`)
    this.simulation.force('center', forceCenter(0, 0))
  }

  /** Scale and centre the drawing to fill the view, unless the user has moved it. */
  fit (): void {
    if (this.userMoved || this.nodes.size === 0) return
    const xs = [...this.nodes.values()].map(n => n.x ?? 0)
    const ys = [...this.nodes.values()].map(n => n.y ?? 0)
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)]
    // room for the labels right of the circles
    const k = Math.min(1.6, (this.width - 140) / Math.max(1, x1 - x0), (this.height - 70) / Math.max(1, y1 - y0))
    const t = zoomIdentity.scale(Math.max(0.2, k)).translate(-(x0 + x1) / 2 - 20 / k, -(y0 + y1) / 2)
    select(this.svg).call(this.zoom.transform, t)
  }

  private showTip (ev: PointerEvent, lines: string[]): void {
    this.tooltip.replaceChildren(...lines.map((l, i) => {
      const d = document.createElement(i === 0 ? 'strong' : 'div')
      d.textContent = l
      return d
    }))
    this.tooltip.hidden = false
    const box = this.svg.getBoundingClientRect()
    const x = Math.min(ev.clientX - box.left + 14, box.width - this.tooltip.offsetWidth - 4)
    const y = Math.min(ev.clientY - box.top + 14, box.height - this.tooltip.offsetHeight - 4)
    this.tooltip.style.left = `${Math.max(4, x)}px`
    this.tooltip.style.top = `${Math.max(4, y)}px`
  }

  private hideTip (): void {
    this.tooltip.hidden = true
  }
}

function nodeTip (n: SwarmNode): string[] {
  return [
    n.nick != null ? `${n.nick} ${shortId(n.id)}` : n.id,
    n.id,
    `${n.depth} hop${n.depth === 1 ? '' : 's'} · ${n.degree} link${n.degree === 1 ? '' : 's'}${n.queryMs != null ? ` · answered in ${ms(n.queryMs)}` : ''}`,
    n.reached ? (n.topics.length > 0 ? `topics: ${n.topics.join(', ')}` : 'no topics') : `unreached: ${n.reason ?? 'unknown'}`
  ]
}

function linkTip (e: SwarmEdge, nodes: Map<string, GNode>): string[] {
  const name = (id: string): string => nodes.get(id)?.data.nick ?? shortId(id)
  return [
    `latency ${ms(e.latencyMs)}`,
    `${name(e.source)} ↔ ${name(e.target)}`,
    e.mesh.length > 0 ? `mesh: ${e.mesh.join(', ')}` : 'in no topic mesh'
  ]
}
