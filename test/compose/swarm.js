/**
 * One compose project of the repository's docker-compose.yml: build, up with N nodes, list the nodes with their
 * published API ports, stop some, tear everything down (containers, network and volumes).
 */
import { execFile, execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import process from 'node:process'
import { promisify } from 'node:util'
import { NodeApi } from './curl.js'
import { sh, shLoud } from './engine.js'
import { log } from './log.js'

const run = promisify(execFile)

export class ComposeSwarm {
  /**
   * @param {{ compose: string[], repo: string, project: string, image: string, token: string,
   *   bootstrapPort: number, nodePorts: [number, number] }} init
   */
  constructor (init) {
    Object.assign(this, init)
    this.env = {
      ...process.env,
      GOSSIPD_API_TOKEN: init.token,
      GOSSIPD_IMAGE: init.image,
      GOSSIPD_BOOTSTRAP_API_PORT: String(init.bootstrapPort),
      GOSSIPD_API_PORTS: `${init.nodePorts[0]}-${init.nodePorts[1]}`,
      GOSSIPD_LOG_LEVEL: 'info',
      // docker-compose 1.29 gives up on an engine API call after 60 s, which a busy machine can exceed while 40
      // containers start
      COMPOSE_HTTP_TIMEOUT: '300',
      DOCKER_CLIENT_TIMEOUT: '300'
    }
    /** @type {NodeApi[]} */
    this.nodes = []
    /** Every volume the project's containers mounted (the nodes' /data volumes are anonymous, not labelled). */
    this.volumes = new Set()
  }

  args (...rest) {
    const [cmd, ...pre] = this.compose
    return [cmd, [...pre, '-f', join(this.repo, 'docker-compose.yml'), '-p', this.project, ...rest]]
  }

  async build (context) {
    await shLoud('docker', ['build', '--network', 'host', '--force-rm', '-t', this.image, context])
  }

  /** Start the bootstrap and `total - 1` scaled nodes. */
  async up (total) {
    const [cmd, args] = this.args('up', '-d', '--no-build', '--scale', `node=${total - 1}`)
    await sh(cmd, args, { env: this.env, timeout: 10 * 60_000 })
    await this.refresh()
  }

  /** Re-read the project's containers and their published API ports. */
  async refresh () {
    const ids = (await sh('docker', ['ps', '-q', '--filter', `label=com.docker.compose.project=${this.project}`])).split('\n').filter(Boolean)
    if (ids.length === 0) {
      this.nodes = []
      return
    }
    const info = JSON.parse(await sh('docker', ['inspect', ...ids]))
    for (const c of info) {
      for (const m of c.Mounts ?? []) if (m.Type === 'volume') this.volumes.add(m.Name)
    }
    const nodes = info.map((c) => {
      const binding = c.NetworkSettings.Ports?.['8080/tcp']?.[0]
      const api = new NodeApi(c.Name.replace(/^\//, ''), Number(binding?.HostPort), this.token)
      api.service = c.Config.Labels['com.docker.compose.service']
      api.hostIps = (c.NetworkSettings.Ports?.['8080/tcp'] ?? []).map(b => b.HostIp)
      return api
    })
    // bootstrap first, then the nodes by number, so reports read naturally
    const num = (n) => Number(/(\d+)$/.exec(n.name)?.[1] ?? 0)
    nodes.sort((a, b) => (a.service === 'bootstrap' ? -1 : b.service === 'bootstrap' ? 1 : num(a) - num(b)))
    this.nodes = nodes
  }

  /**
   * Stop containers the way an orchestrator does (SIGTERM, then SIGKILL after the grace period); answers each
   * one's exit code, 0 meaning the node left the swarm gracefully.
   */
  async stop (names, graceS = 15) {
    await sh('docker', ['stop', '-t', String(graceS), ...names], { timeout: (graceS + 60) * 1000 })
    const codes = await sh('docker', ['inspect', '--format', '{{.Name}} {{.State.ExitCode}}', ...names])
    return Object.fromEntries(codes.split('\n').map(l => l.trim().split(' ')).map(([n, c]) => [n.replace(/^\//, ''), Number(c)]))
  }

  /** Memory in MiB of every running container of the project. */
  async memory () {
    const out = await sh('docker', ['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}}', ...this.nodes.map(n => n.name)], { timeout: 120_000 })
    const units = { B: 1 / 1048576, KiB: 1 / 1024, MiB: 1, GiB: 1024, kB: 1 / 1024, MB: 1, GB: 1024 }
    return out.split('\n').map((line) => {
      const m = /^\S+ ([\d.]+)(\w+)/.exec(line)
      return m == null ? NaN : Number(m[1]) * (units[m[2]] ?? NaN)
    }).filter(Number.isFinite)
  }

  /** A container's state and last log lines, for a failure message. */
  async diagnose (name, lines = 4) {
    try {
      const state = await sh('docker', ['inspect', '--format',
        '{{.State.Status}} restarts={{.RestartCount}} oom={{.State.OOMKilled}} exit={{.State.ExitCode}} health={{if .State.Health}}{{.State.Health.Status}}{{end}}', name])
      const { stdout, stderr } = await run('docker', ['logs', '--tail', String(lines), name])
      const tail = `${stdout}${stderr}`.trim().split('\n').map(l => l.slice(0, 300)).join('\n    ')
      return `${name}: ${state}\n    ${tail}`
    } catch (err) {
      return `${name}: ${err.message}`
    }
  }

  /** Save containers' full logs under `dir` (for a failed check); answers the files written. */
  async saveLogs (names, dir) {
    mkdirSync(dir, { recursive: true })
    const files = []
    for (const name of names) {
      try {
        const { stdout, stderr } = await run('docker', ['logs', '--timestamps', name], { maxBuffer: 64 * 1024 * 1024 })
        const file = join(dir, `${name}.log`)
        writeFileSync(file, `${stdout}${stderr}`)
        files.push(file)
      } catch {
        // the container is gone: nothing to keep
      }
    }
    return files
  }

  /** `compose config` without a token: answers the error the user would see (null if it was accepted). */
  async configWithoutToken () {
    const [cmd, args] = this.args('config', '-q')
    const env = { ...this.env, GOSSIPD_API_TOKEN: '' }
    try {
      await sh(cmd, args, { env })
      return null
    } catch (err) {
      return err.message
    }
  }

  /** Remove containers, network and volumes. Synchronous, so it also runs from a signal handler. */
  downSync () {
    const [cmd, args] = this.args('down', '-v', '--remove-orphans', '-t', '10')
    try {
      execFileSync(cmd, args, { env: this.env, stdio: ['ignore', 'ignore', 'pipe'], timeout: 5 * 60_000 })
    } catch (err) {
      log(`compose down failed: ${String(err.stderr ?? err.message).trim().split('\n').pop()}`)
    }
  }

  /** What of the project is left: containers, volumes and networks (all should be gone after down). */
  async leftovers () {
    const filter = ['--filter', `label=com.docker.compose.project=${this.project}`]
    const containers = (await sh('docker', ['ps', '-aq', ...filter])).split('\n').filter(Boolean)
    const existing = new Set((await sh('docker', ['volume', 'ls', '-q'])).split('\n').filter(Boolean))
    const volumes = [...this.volumes].filter(v => existing.has(v))
    const networks = (await sh('docker', ['network', 'ls', '-q', ...filter])).split('\n').filter(Boolean)
    return { containers: containers.length, volumes: volumes.length, networks: networks.length }
  }
}
