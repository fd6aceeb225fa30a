/**
 * Helper processes of the benchmarks: spawn a node script, read its JSON lines, stop it by its own pid.
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { NODE_FLAGS } from './swarm.js'

/** Start `node [flags] script ...args`; resolves with the child and its first JSON line on stdout. */
export async function spawnJson (script, args = [], { nodeFlags = NODE_FLAGS, timeoutMs = 120_000 } = {}) {
  const child = spawn(process.execPath, [...nodeFlags, script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', d => { stderr += d })
  const lines = createInterface({ input: child.stdout })
  const first = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${script} gave no answer in ${timeoutMs} ms`)) }, timeoutMs)
    lines.once('line', line => { clearTimeout(timer); resolve(JSON.parse(line)) })
    child.once('exit', code => { clearTimeout(timer); reject(new Error(`${script} exited ${code}: ${stderr.slice(-500)}`)) })
  })
  return { child, value: first }
}

/** Stop a child we started and wait for it. */
export async function stopChild (child) {
  if (child.exitCode != null || child.signalCode != null) return
  const exited = new Promise(resolve => child.once('exit', resolve))
  child.kill('SIGTERM')
  const t = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(t)
}
