/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core) against a 10-node process swarm:
 * the graph shows every node, a message published in one node's page arrives in another's, a direct message is
 * acked, a file dropped on one node's page downloads to 100% on another's. Screenshots go to test-results/ui/.
 */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { uiDirectory } from '../../src/api/routes/ui.js'
import { buildApi } from '../../src/api/server.js'
import { TestNodes } from '../helpers/nodes.js'
import { startCliSwarm, type CliSwarm } from '../helpers/swarm.js'

const CHROMIUM = '/usr/bin/chromium'
const SHOTS = join('test-results', 'ui')
const LAPTOP = { width: 1366, height: 800 }
const PHONE = { width: 390, height: 844 }
const hasChromium = existsSync(CHROMIUM)

if (!hasChromium) {
  console.warn(`test/ui/dashboard.test.ts skipped: no browser at ${CHROMIUM} (apt-get install chromium)`)
}

async function shot (page: Page, name: string): Promise<void> {
  await mkdir(SHOTS, { recursive: true })
  await page.screenshot({ path: join(SHOTS, `${name}.png`) })
}

/** A route of the node's API exists (answers something other than 404). */
async function hasRoute (apiUrl: string, path: string): Promise<boolean> {
  return (await fetch(apiUrl + path)).status !== 404
}

describe.skipIf(!hasChromium)('dashboard in chromium, 10-node swarm', () => {
  let swarm: CliSwarm
  let browser: Browser
  const pages: Page[] = []

  const open = async (node: number, viewport = LAPTOP, tab = ''): Promise<Page> => {
    const page = await browser.newPage({ viewport })
    pages.push(page)
    const errors: string[] = []
    page.on('pageerror', err => { errors.push(err.message) })
    await page.goto(`${swarm.nodes[node].apiUrl}/ui/${tab !== '' ? `#${tab}` : ''}`)
    ;(page as Page & { errors: string[] }).errors = errors
    return page
  }

  beforeAll(async () => {
    if (uiDirectory() == null) throw new Error('dist/ui is missing: run `npm run build` first (npm test does)')
    await mkdir(SHOTS, { recursive: true })
    swarm = await startCliSwarm(10)
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
    })
  })

  afterAll(async () => {
    await browser?.close()
    await swarm?.stop()
  })

  it('draws all 10 nodes of the swarm, with latency on hover (laptop screen)', async () => {
    const page = await open(3)
    const ids = swarm.nodes.map(n => n.peerId!).sort()
    await page.waitForFunction(n => (globalThis as any).document.querySelectorAll('#graph g.node').length >= n, 10, { timeout: 30_000 })
    const drawn = await page.$$eval('#graph g.node', gs => gs.map(g => g.getAttribute('data-peer')))
    expect(drawn.sort()).toEqual(ids)
    await expect.poll(async () => page.locator('#swarm-summary').getAttribute('data-reached'), { timeout: 20_000 }).toBe('10')
    expect(await page.locator('#graph g.node.self').getAttribute('data-peer')).toBe(swarm.nodes[3].peerId)
    expect(await page.locator('#graph g.link').count()).toBeGreaterThanOrEqual(9)
    // let the layout settle, then hover a link: its tooltip names the latency
    await page.waitForTimeout(1_500)
    const link = page.locator('#graph g.link line.hit').first()
    const box = await link.evaluate((line: any) => {
      const m = line.getScreenCTM()
      const p = (x: number, y: number) => new (globalThis as any).DOMPoint(x, y).matrixTransform(m)
      const a = p(line.x1.baseVal.value, line.y1.baseVal.value)
      const b = p(line.x2.baseVal.value, line.y2.baseVal.value)
      return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 }
    })
    await page.mouse.move(box.x, box.y)
    await expect.poll(async () => page.locator('#tooltip').textContent(), { timeout: 5_000 }).toMatch(/latency/)
    await shot(page, 'laptop-swarm')
    // this node's panel beside the graph: id, peers, k-buckets
    await expect.poll(async () => page.locator('[data-testid="peer-id"]').textContent(), { timeout: 20_000 }).toBe(swarm.nodes[3].peerId)
    // on one host's loopback no dial-back can test an address: reachability stays unknown
    await expect.poll(async () => page.locator('[data-testid="reachability"]').textContent(), { timeout: 20_000 }).toBe('unknown')
    await expect.poll(async () => page.locator('#peers tr').count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(1)
    await expect.poll(async () => page.locator('#buckets .bucket').count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(1)
    await shot(page, 'laptop-node')
    expect((page as Page & { errors: string[] }).errors).toEqual([])
  }, 90_000)

  it('fits a phone screen: the graph first, the other panels one tap away', async () => {
    const page = await open(5, PHONE)
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('#graph g.node').length >= 10, undefined, { timeout: 30_000 })
    await page.waitForTimeout(1_500)
    const graph = await page.locator('#graph').boundingBox()
    expect(graph!.width).toBeLessThanOrEqual(PHONE.width)
    expect(graph!.height).toBeGreaterThan(300)
    // nothing wider than the screen
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
    await shot(page, 'phone-swarm')
    await page.getByRole('button', { name: 'This node' }).click()
    await expect.poll(async () => page.locator('[data-testid="peer-id"]').textContent(), { timeout: 20_000 }).toBe(swarm.nodes[5].peerId)
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
    await shot(page, 'phone-node')
  }, 90_000)

  it('publishes from one node\'s page and shows the message in another node\'s page; a direct message is acked', async (ctx) => {
    if (!await hasRoute(swarm.nodes[0].apiUrl, '/topics')) ctx.skip('the messaging API (GET /topics) is not in this build')
    const from = await open(2, LAPTOP, 'messages')
    const to = await open(7, PHONE, 'messages')
    for (const page of [from, to]) {
      await page.locator('#subscribe-topic').fill('dashboard')
      await page.getByRole('button', { name: 'Subscribe' }).click()
      await expect.poll(async () => page.locator('#current-topic').textContent(), { timeout: 20_000 }).toBe('dashboard')
      await expect.poll(async () => page.locator('#stream-state').textContent(), { timeout: 10_000 }).toBe('live')
    }
    // the publisher's page shows when the other subscriber is known
    await expect.poll(async () => from.locator('#topic-list li[data-topic="dashboard"]').textContent(), { timeout: 20_000 }).toMatch(/[1-9]\d* subs/)
    const text = `hello from the page ${Date.now()}`
    await from.locator('#publish-text').fill(text)
    await from.getByRole('button', { name: 'Publish' }).click()
    await expect.poll(async () => from.locator('#publish-result').textContent(), { timeout: 10_000 }).toMatch(/published to/)
    await expect.poll(async () => to.locator('#message-log').textContent(), { timeout: 15_000 }).toContain(text)
    await shot(to, 'phone-messages')

    await from.locator('#direct-to').fill(swarm.nodes[7].peerId!)
    await from.locator('#direct-text').fill('a direct hello')
    await from.getByRole('button', { name: 'Send' }).click()
    await expect.poll(async () => from.locator('#direct-result').textContent(), { timeout: 20_000 }).toMatch(/delivered, acked in/)
    await expect.poll(async () => to.locator('#inbox').textContent(), { timeout: 15_000 }).toContain('a direct hello')
    await shot(from, 'laptop-messages')
  }, 90_000)

  it('shares a file dropped on one node\'s page and downloads it to 100% on another\'s', async (ctx) => {
    if (!await hasRoute(swarm.nodes[0].apiUrl, '/files')) ctx.skip('the file API (GET /files) is not in this build')
    const seeder = await open(4, LAPTOP, 'files')
    const leecher = await open(8, LAPTOP, 'files')
    await seeder.waitForSelector('#drop-zone')
    // a real drop event carrying a file, as a person dragging it from their desktop would make
    const content = randomBytes(2 * 1024 * 1024).toString('base64')
    await seeder.evaluate(async (b64) => {
      const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0))
      const g = globalThis as any
      const dt = new g.DataTransfer()
      dt.items.add(new File([bytes], 'dropped.bin', { type: 'application/octet-stream' }))
      g.document.getElementById('drop-zone').dispatchEvent(new g.DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }))
    }, content)
    const idCell = seeder.locator('#uploads [data-testid="shared-id"]')
    await expect.poll(async () => idCell.count(), { timeout: 60_000 }).toBe(1)
    const fileId = (await idCell.textContent())!
    await expect.poll(async () => seeder.locator(`#file-list tr[data-file="${fileId}"]`).count(), { timeout: 20_000 }).toBe(1)
    await shot(seeder, 'laptop-files-shared')

    await leecher.locator('#download-id').fill(fileId)
    await leecher.getByRole('button', { name: 'Download' }).click()
    await expect.poll(async () => leecher.locator('#download-result').textContent(), { timeout: 10_000 }).toMatch(/download started/)
    const job = leecher.locator('#downloads li').first()
    await expect.poll(async () => job.getAttribute('data-state'), { timeout: 90_000 }).toBe('completed')
    expect(await job.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100')
    await shot(leecher, 'laptop-files-downloaded')
  }, 150_000)
})

describe.skipIf(!hasChromium)('dashboard on an API with a token', () => {
  it('asks for the token once, keeps it, and sends it on every call', async () => {
    const nodes = new TestNodes()
    const node = await nodes.add({ nick: 'locked' })
    const api = await buildApi(node, { token: 'page-token' })
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] })
    try {
      const url = await api.listen({ host: '127.0.0.1', port: 0 })
      const page = await browser.newPage({ viewport: PHONE })
      await page.goto(`${url}/ui/`)
      const dialog = page.locator('#token-dialog')
      await expect.poll(async () => dialog.evaluate(d => (d as any).open), { timeout: 10_000 }).toBe(true)
      await shot(page, 'phone-token')
      await page.locator('#token-input').fill('page-token')
      await page.getByRole('button', { name: 'Save' }).click()
      await page.waitForLoadState('load')
      await expect.poll(async () => page.locator('#swarm-summary').getAttribute('data-nodes'), { timeout: 15_000 }).toBe('1')
      expect(await page.evaluate(() => (globalThis as any).localStorage.getItem('gossipd.token'))).toBe('page-token')
      expect(await dialog.evaluate(d => (d as any).open)).toBe(false)
      // a fresh visit uses the kept token: no dialog
      await page.reload()
      await expect.poll(async () => page.locator('#swarm-summary').getAttribute('data-nodes'), { timeout: 15_000 }).toBe('1')
      expect(await dialog.evaluate(d => (d as any).open)).toBe(false)
    } finally {
      await browser.close()
      await api.close()
      await nodes.cleanup()
    }
  }, 60_000)
})
