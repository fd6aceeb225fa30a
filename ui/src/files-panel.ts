/** Files: what this node shares, sharing by drag and drop, and downloads with progress bars. */
import { apiClientError, get, headers, isApiClientError, request } from './api.js'
import { $, bytes, el, every, shortId } from './format.js'
import type { Download, Downloads, FileEntry, Files } from './types.js'

const ACTIVE = new Set(['pending', 'running'])

/** Upload with a progress figure: fetch cannot report upload progress, XMLHttpRequest can. */
async function upload (file: File, onProgress: (fraction: number) => void): Promise<FileEntry> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', `/files?name=${encodeURIComponent(file.name)}`)
    for (const [k, v] of Object.entries(headers({ 'content-type': 'application/octet-stream' }))) xhr.setRequestHeader(k, v)
    xhr.upload.onprogress = e => { if (e.lengthComputable) onProgress(e.loaded / e.total) }
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(JSON.parse(xhr.responseText) as FileEntry)
      else reject(apiClientError(xhr.status, xhr.responseText, xhr.statusText))
    }
    xhr.onerror = () => { reject(new Error('upload failed: connection lost')) }
    xhr.send(file)
  })
}

function progressBar (fraction: number, label: string): HTMLElement {
  const pct = Math.round(Math.min(1, Math.max(0, fraction)) * 100)
  const fill = el('span', { class: 'fill' })
  fill.style.width = `${pct}%`
  return el('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(pct), 'aria-label': label }, fill, el('span', { class: 'pct' }, `${pct}%`))
}

export function filesPanel (onError: (err: Error) => void): void {
  const list = every(5_000, async () => {
    let files: FileEntry[]
    try {
      files = (await get<Files>('/files')).files
    } catch (err) {
      if (isApiClientError(err, 404)) {
        $('file-list').replaceChildren(el('tr', {}, el('td', { colspan: '4', class: 'muted' }, 'this node has no file API yet')))
        return
      }
      throw err
    }
    $('file-count').textContent = String(files.length)
    $('file-list').replaceChildren(...(files.length === 0
      ? [el('tr', {}, el('td', { colspan: '4', class: 'muted' }, 'no files shared yet'))]
      : files.map(f => {
        const copy = el('button', { type: 'button', class: 'ghost', title: 'copy the file id' }, 'copy id')
        copy.addEventListener('click', () => { void navigator.clipboard?.writeText(f.id) })
        return el('tr', { 'data-file': f.id }, el('td', {}, f.name), el('td', {}, bytes(f.size)), el('td', {}, el('code', { title: f.id }, shortId(f.id))), el('td', {}, copy))
      })))
  }, onError)

  const share = (files: FileList | File[]): void => {
    for (const file of Array.from(files)) {
      const row = el('li', {}, el('span', {}, file.name), progressBar(0, `upload of ${file.name}`))
      $('uploads').prepend(row)
      void upload(file, f => { row.replaceChildren(el('span', {}, file.name), progressBar(f, `upload of ${file.name}`)) }).then(entry => {
        row.replaceChildren(el('span', {}, `${entry.name} shared · ${bytes(entry.size)} · `), el('code', { 'data-testid': 'shared-id' }, entry.id))
        list.kick()
      }, (err: Error) => {
        row.replaceChildren(el('span', { class: 'error' }, `${file.name}: ${err.message}`))
      })
    }
  }

  const zone = $('drop-zone')
  const input = $<HTMLInputElement>('file-input')
  input.addEventListener('change', () => { if (input.files != null) share(input.files); input.value = '' })
  zone.addEventListener('dragover', ev => { ev.preventDefault(); zone.classList.add('over') })
  zone.addEventListener('dragleave', () => { zone.classList.remove('over') })
  zone.addEventListener('drop', ev => {
    ev.preventDefault()
    zone.classList.remove('over')
    if (ev.dataTransfer?.files != null) share(ev.dataTransfer.files)
  })
  zone.addEventListener('keydown', ev => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); input.click() } })

  let anyActive = false
  let completedSeen = 0
  const renderDownloads = async (): Promise<void> => {
    let jobs: Download[]
    try {
      jobs = (await get<Downloads>('/downloads')).downloads
    } catch (err) {
      if (isApiClientError(err, 404)) return
      throw err
    }
    anyActive = jobs.some(j => ACTIVE.has(j.state))
    // a finished download is a file this node now holds and shares
    const done = jobs.filter(j => j.state === 'completed').length
    if (done > completedSeen) list.kick()
    completedSeen = done
    $('downloads').replaceChildren(...jobs.map(j => {
      const fraction = j.state === 'completed' ? 1 : j.size != null && j.size > 0 ? j.bytesDone / j.size : j.chunks != null && j.chunks > 0 ? j.chunksDone / j.chunks : 0
      const detail = j.state === 'running'
        ? `${bytes(j.bytesDone)} of ${bytes(j.size)} · ${bytes(j.rate)}/s · ${j.providers.length} provider${j.providers.length === 1 ? '' : 's'}`
        : j.state === 'failed' ? `failed: ${j.error ?? 'unknown error'}` : `${j.state} · ${bytes(j.size)}`
      return el('li', { 'data-job': j.id, 'data-state': j.state },
        el('div', { class: 'job-head' }, el('strong', {}, j.name ?? shortId(j.fileId)), el('span', { class: `state ${j.state}` }, j.state)),
        progressBar(fraction, `download of ${j.name ?? j.fileId}`),
        el('div', { class: 'muted small' }, detail))
    }))
  }
  // fast while something downloads, slow otherwise
  const poll = async (): Promise<void> => {
    try { await renderDownloads() } catch (err) { onError(err as Error) }
    setTimeout(() => { void poll() }, anyActive ? 500 : 3_000)
  }
  void poll()

  $('download-form').addEventListener('submit', ev => {
    ev.preventDefault()
    const input = $<HTMLInputElement>('download-id')
    const result = $('download-result')
    const id = input.value.trim()
    void request<Download>('POST', `/files/${encodeURIComponent(id)}/download`, {}).then(r => {
      result.textContent = `download started (job ${r.id})`
      result.className = 'result ok'
      input.value = ''
      anyActive = true
      void renderDownloads().catch(onError)
    }, (err: Error) => {
      result.textContent = err.message
      result.className = 'result error'
    })
  })
}
