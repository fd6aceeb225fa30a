/**
 * A small SVG line chart: one or more series of (x, y) points on linear axes with tick labels and a legend.
 * Enough to draw the benchmark curves without a plotting dependency.
 */
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b']

function niceStep (span, ticks) {
  const raw = span / ticks
  const mag = 10 ** Math.floor(Math.log10(raw))
  const norm = raw / mag
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag
}

function ticksOf (min, max, count = 5) {
  const step = niceStep(max - min || 1, count)
  const out = []
  for (let v = Math.floor(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Math.round(v * 1e6) / 1e6)
  return out
}

const esc = s => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/**
 * @param {{ title: string, xLabel: string, yLabel: string, series: Array<{ name: string, points: Array<[number, number]>, dashed?: boolean }>, width?: number, height?: number }} chart
 */
export function lineChart ({ title, xLabel, yLabel, series, width = 640, height = 400 }) {
  const pad = { left: 64, right: 160, top: 40, bottom: 52 }
  const pts = series.flatMap(s => s.points).filter(p => Number.isFinite(p[0]) && Number.isFinite(p[1]))
  const xMax = Math.max(...pts.map(p => p[0]), 1)
  const yMax = Math.max(...pts.map(p => p[1]), 1)
  const xTicks = ticksOf(0, xMax)
  const yTicks = ticksOf(0, yMax)
  const xTop = xTicks[xTicks.length - 1]
  const yTop = yTicks[yTicks.length - 1]
  const w = width - pad.left - pad.right
  const h = height - pad.top - pad.bottom
  const X = x => pad.left + (x / xTop) * w
  const Y = y => pad.top + h - (y / yTop) * h
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${pad.left + w / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`
  ]
  for (const t of yTicks) {
    out.push(`<line x1="${pad.left}" x2="${pad.left + w}" y1="${Y(t)}" y2="${Y(t)}" stroke="#e5e5e5"/>`)
    out.push(`<text x="${pad.left - 6}" y="${Y(t) + 4}" text-anchor="end">${t}</text>`)
  }
  for (const t of xTicks) {
    out.push(`<line x1="${X(t)}" x2="${X(t)}" y1="${pad.top}" y2="${pad.top + h}" stroke="#f0f0f0"/>`)
    out.push(`<text x="${X(t)}" y="${pad.top + h + 16}" text-anchor="middle">${t}</text>`)
  }
  out.push(`<rect x="${pad.left}" y="${pad.top}" width="${w}" height="${h}" fill="none" stroke="#333"/>`)
  out.push(`<text x="${pad.left + w / 2}" y="${height - 12}" text-anchor="middle">${esc(xLabel)}</text>`)
  out.push(`<text transform="translate(16 ${pad.top + h / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`)
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]
    const valid = s.points.filter(p => Number.isFinite(p[0]) && Number.isFinite(p[1]))
    const d = valid.map((p, j) => `${j === 0 ? 'M' : 'L'}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join(' ')
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="6 4"' : ''}/>`)
    for (const p of valid) out.push(`<circle cx="${X(p[0]).toFixed(1)}" cy="${Y(p[1]).toFixed(1)}" r="3" fill="${color}"/>`)
    const ly = pad.top + 10 + i * 20
    out.push(`<line x1="${pad.left + w + 12}" x2="${pad.left + w + 36}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="6 4"' : ''}/>`)
    out.push(`<text x="${pad.left + w + 42}" y="${ly + 4}">${esc(s.name)}</text>`)
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}
