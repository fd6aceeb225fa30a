/**
 * A `gossipd chat` process driven through piped stdin, its stdout and stderr gathered as one text. Lines are
 * handled in order, so a later command's answer shows that earlier ones are done.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { waitFor } from '../messaging/helpers.js'

export interface ChatProcess {
  send(line: string): void
  /** Wait until the output holds `text`; times out naming what it got. */
  seen(text: string): Promise<void>
  /** Everything printed so far. */
  output(): string
  /** Stop the process if it still runs. */
  stop(): void
}

export async function startChat (api: string, nick: string): Promise<ChatProcess> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['bin/gossipd.js', 'chat', '--api', api, '--nick', nick], { stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr.on('data', (d: Buffer) => { out += d.toString() })
  const chat: ChatProcess = {
    send: line => { child.stdin.write(line + '\n') },
    seen: async text => waitFor(() => out.includes(text), `chat output "${text}"; got:\n${out}`),
    output: () => out,
    stop: () => { if (child.exitCode == null) child.kill() }
  }
  await chat.seen('/help lists the commands')
  return chat
}
