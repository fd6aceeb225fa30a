/**
 * The gossipd dashboard. Served by the node itself at /ui; every data call goes to the same node's API.
 */
import './style.css'
import { getToken, isApiClientError, onUnauthorized, setToken, takeTokenFromFragment } from './api.js'
import { filesPanel } from './files-panel.js'
import { $ } from './format.js'
import { messagesPanel } from './messages-panel.js'
import { nodePanel } from './node-panel.js'
import { swarmPanel } from './swarm-panel.js'
import type { NodeId } from './types.js'

takeTokenFromFragment()

const status = $('status')
let lastError = ''
const onError = (err: Error): void => {
  if (isApiClientError(err, 401)) return
  lastError = err.message
  status.textContent = err.message
  status.className = 'status error'
}
const onOk = (id: NodeId): void => {
  $('whoami').textContent = `${id.nick ?? 'node'} …${id.peerId.slice(-8)}`
  $('whoami').title = id.peerId
  document.title = `gossipd · ${id.nick ?? id.peerId.slice(-8)}`
  if (status.classList.contains('error') && status.textContent === lastError) {
    status.textContent = 'connected'
    status.className = 'status ok'
  }
}

// token: asked for once, on the first 401, and kept in this browser
const dialog = $<HTMLDialogElement>('token-dialog')
const openTokenDialog = (why?: string): void => {
  if (dialog.open) return
  $('token-why').textContent = why ?? 'This node\'s API needs a bearer token. It is kept in this browser only.'
  $<HTMLInputElement>('token-input').value = getToken() ?? ''
  dialog.showModal()
}
onUnauthorized(() => {
  status.textContent = 'token needed'
  status.className = 'status error'
  openTokenDialog(getToken() == null ? 'This node\'s API needs a bearer token.' : 'The saved token was refused; enter the right one.')
})
$('token-button').addEventListener('click', () => { openTokenDialog() })
dialog.addEventListener('close', () => {
  if (dialog.returnValue !== 'save') return
  setToken($<HTMLInputElement>('token-input').value.trim())
  location.reload()
})

// tabs: on a wide screen the graph stays on the left and the tabs switch the right column
const wide = window.matchMedia('(min-width: 1100px)')
const show = (tab: string): void => {
  document.body.dataset.tab = tab === 'swarm' && wide.matches ? 'node' : tab
  document.querySelectorAll<HTMLButtonElement>('nav.tabs button').forEach(b => { b.setAttribute('aria-selected', String(b.dataset.tab === document.body.dataset.tab)) })
}
document.querySelectorAll<HTMLButtonElement>('nav.tabs button').forEach(b => { b.addEventListener('click', () => { show(b.dataset.tab ?? 'swarm') }) })
wide.addEventListener('change', () => { show(document.body.dataset.tab ?? 'swarm') })
show(location.hash.replace(/^#/, '') || (wide.matches ? 'node' : 'swarm'))

const swarm = swarmPanel(onError)
nodePanel(swarm, onError, onOk)
messagesPanel(swarm, onError)
filesPanel(onError)
