/**
 * `gossipd share`, `gossipd get` and `gossipd files`: thin clients of a running node's files API. Bytes are
 * streamed both ways; `get` shows the download's progress from its SSE feed with a cli-progress bar.
 */
import { createReadStream, createWriteStream, existsSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { SingleBar, Presets } from 'cli-progress'
import type { Command } from 'commander'
import type { DownloadStatus, FileEntry } from '../files/index.js'
import { checkFileName } from '../files/names.js'
import { ApiClientError } from '../api/client-error.js'
import { parseSse } from '../api/sse-parse.js'
import type { ApiClient } from './client.js'
import { table } from './table.js'
import { terminalSafe } from './terminal-text.js'

export interface ClientFlags { api?: string, apiToken?: string }

export function formatBytes (n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++ }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`
}

export async function share (client: ApiClient, path: string, name?: string): Promise<FileEntry> {
  const size = (await stat(path)).size
  const res = await client.fetch(`/files?name=${encodeURIComponent(name ?? basename(path))}`, {
    method: 'POST',
    body: Readable.toWeb(createReadStream(path)) as ReadableStream,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    duplex: 'half'
  } as RequestInit)
  return await res.json() as FileEntry
}

/** Start (or join) a download and follow it to its end, drawing a progress bar when `bar` is set. */
export async function follow (client: ApiClient, id: string, opts: { from?: string[], bar: boolean }): Promise<DownloadStatus> {
  const job = await (await client.fetch(`/files/${encodeURIComponent(id)}/download`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(opts.from != null && opts.from.length > 0 ? { from: opts.from } : {})
  })).json() as DownloadStatus
  const res = await client.fetch(`/downloads/${job.id}`, { headers: { accept: 'text/event-stream' } })
  const bar = opts.bar ? new SingleBar({ format: '{name} |{bar}| {percentage}% {done}/{total} {rate}/s {peers} peers', hideCursor: true }, Presets.shades_classic) : undefined
  let last = job
  let started = false
  try {
    for await (const e of parseSse(res.body as ReadableStream<Uint8Array>)) {
      last = JSON.parse(e.data) as DownloadStatus
      const total = last.size ?? 0
      const payload = { name: terminalSafe(last.name ?? id.slice(0, 12)), done: formatBytes(last.bytesDone), total: formatBytes(total), rate: formatBytes(last.rate), peers: last.providers.filter(p => p.state === 'active').length }
      if (bar != null && last.size != null) {
        if (!started) { bar.start(Math.max(total, 1), last.bytesDone, payload); started = true }
        bar.update(total === 0 ? 1 : last.bytesDone, payload)
      }
      if (last.state !== 'pending' && last.state !== 'running') break
    }
  } finally {
    bar?.stop()
  }
  return last
}

/** Copy a stored file's bytes from the node to a local path (never over an existing file). */
export async function save (client: ApiClient, id: string, path: string): Promise<void> {
  if (existsSync(path)) throw new ApiClientError(0, 'exists', `${path} exists; not overwriting it (choose another with -o)`)
  const res = await client.fetch(`/files/${encodeURIComponent(id)}/content`)
  await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(path, { flags: 'wx' }))
}

export function registerFileCommands (program: Command, client: (opts: ClientFlags) => ApiClient, clientOptions: (cmd: Command) => Command): void {
  clientOptions(program.command('share <path>').description('share a file: stream it to the node, which stores and announces it'))
    .option('--name <name>', 'the name peers see (default: the file\'s base name)')
    .option('--json', 'print JSON')
    .action(async (path: string, opts: ClientFlags & { name?: string, json?: boolean }) => {
      const f = await share(client(opts), path, opts.name)
      process.stdout.write(opts.json === true ? JSON.stringify(f, null, 2) + '\n' : `${f.id}\n${terminalSafe(f.name)}, ${formatBytes(f.size)} in ${f.chunks} chunks\n`)
    })

  clientOptions(program.command('get <id>').description('download a file through the swarm, with a progress bar, and save it'))
    .option('-o, --output <path>', 'where to save it (default: its name, in the current directory)')
    .option('--from <peers>', 'peer ids to fetch from besides the DHT\'s providers, comma separated')
    .option('--no-save', 'leave the file in the node\'s store only')
    .action(async (id: string, opts: ClientFlags & { output?: string, from?: string, save: boolean }) => {
      const c = client(opts)
      if (opts.output != null && opts.save && existsSync(opts.output)) throw new ApiClientError(0, 'exists', `${opts.output} exists; not overwriting it`)
      const from = opts.from?.split(',').map(s => s.trim()).filter(s => s !== '')
      const done = await follow(c, id, { from, bar: process.stderr.isTTY === true })
      if (done.state !== 'completed') {
        process.stderr.write(`gossipd: download ${done.state}${done.error != null ? `: ${terminalSafe(done.error)}` : ''}\n`)
        process.exit(1)
      }
      if (!opts.save) {
        process.stdout.write(`${done.fileId} is in the node's store\n`)
        return
      }
      const out = resolve(opts.output ?? checkFileName(done.name ?? id))
      await save(c, id, out)
      process.stdout.write(`saved ${terminalSafe(out)} (${formatBytes(done.size ?? 0)})\n`)
    })

  clientOptions(program.command('files').description('list the files a node shares'))
    .option('--json', 'print JSON')
    .action(async (opts: ClientFlags & { json?: boolean }) => {
      const { files } = await client(opts).get<{ files: FileEntry[] }>('/files')
      if (opts.json === true) {
        process.stdout.write(JSON.stringify(files, null, 2) + '\n')
        return
      }
      process.stdout.write(table(['id', 'name', 'size', 'origin'], files.map(f => [f.id, f.name, formatBytes(f.size), f.origin])) + `\n${files.length} files\n`)
    })
}
