/**
 * A direct message's body never crosses the wire in clear: capture loopback traffic with tcpdump during a send
 * and look for the body (as text, and as the base64 the frame carries). A plaintext control connection in the
 * same capture proves the capture would have seen it. Skips, saying why, where tcpdump is missing or may not
 * capture (CI's .ci/run installs it).
 */
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { readFile, rm } from 'node:fs/promises'
import { createConnection, createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, startNode, stopNode, tempDir, type TestNode } from './helpers.js'

function tcpdumpProblem (): string | undefined {
  try {
    execFileSync('sh', ['-c', 'command -v tcpdump'], { stdio: 'ignore' })
  } catch {
    return 'tcpdump is not installed (apt-get install -y tcpdump; .ci/run does this)'
  }
  try {
    execFileSync('tcpdump', ['-i', 'lo', '-c', '1', '-w', '/dev/null', 'tcp port 1'], { stdio: 'pipe', timeout: 1500 })
  } catch (err) {
    const e = err as { code?: string, stderr?: Buffer }
    // a timeout means tcpdump started and waited for a packet: capturing works
    if (e.code !== 'ETIMEDOUT' && !/listening on/.test(e.stderr?.toString() ?? '')) {
      return `tcpdump cannot capture on lo here: ${e.stderr?.toString().trim() ?? String(err)}`
    }
  }
  return undefined
}

const problem = tcpdumpProblem()
if (problem != null) console.warn(`skipping the capture test: ${problem}`)

describe.skipIf(problem != null)('direct message body on the wire', () => {
  let a: TestNode
  let b: TestNode
  let dir: string

  beforeAll(async () => {
    a = await startNode()
    b = await startNode()
    dir = await tempDir()
  })

  afterAll(async () => {
    await stopNode(a)
    await stopNode(b)
    await rm(dir, { recursive: true, force: true })
  })

  it('is never in clear between the peers, while a plaintext control in the same capture is found', async () => {
    const secret = `SECRET-${randomBytes(12).toString('hex')}`
    const control = `CONTROL-${randomBytes(12).toString('hex')}`
    const port = (t: TestNode): number => Number(t.node.libp2p.getMultiaddrs()[0].toString().split('/tcp/')[1].split('/')[0])

    const server = createServer(socket => { socket.resume() })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const controlPort = (server.address() as AddressInfo).port

    const pcap = join(dir, 'dm.pcap')
    const dump = spawn('tcpdump', ['-i', 'lo', '-U', '-s', '0', '-w', pcap, `tcp port ${port(a)} or tcp port ${port(b)} or tcp port ${controlPort}`], { stdio: ['ignore', 'ignore', 'pipe'] })
    await new Promise<void>((resolve, reject) => {
      dump.stderr.on('data', (d: Buffer) => { if (d.toString().includes('listening on')) resolve() })
      dump.once('exit', code => { reject(new Error(`tcpdump exited with ${code}`)) })
    })

    await connect(a, b)
    const sent = await a.node.direct.send(b.node.peerId.toString(), new TextEncoder().encode(secret))
    expect(sent.status).toBe('delivered')
    // the message really arrived, in clear, at the other end
    expect(new TextDecoder().decode(b.node.direct.inbox({ limit: 10 }).at(-1)!.data)).toBe(secret)
    // and the connection it used is straight between the two peers
    expect(a.node.libp2p.getConnections(b.node.peerId).map(c => c.remoteAddr.toString().split('/p2p/')[0])).toContain(b.node.libp2p.getMultiaddrs()[0].toString().split('/p2p/')[0])

    const sock = createConnection(controlPort, '127.0.0.1')
    await once(sock, 'connect')
    sock.end(control)
    await once(sock, 'close')

    // packets reach the file in order (-U), so once the control is there the message's packets are too
    const deadline = Date.now() + 15_000
    while (Date.now() < deadline && !(await readFile(pcap)).includes(Buffer.from(control))) {
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    dump.kill('SIGINT')
    await once(dump, 'exit')
    server.close()

    const captured = await readFile(pcap)
    expect(captured.includes(Buffer.from(control)), 'the control (plaintext) must be visible in the capture').toBe(true)
    expect(captured.includes(Buffer.from(secret)), 'the body in clear').toBe(false)
    expect(captured.includes(Buffer.from(Buffer.from(secret).toString('base64'))), 'the body as the frame\'s base64').toBe(false)
    expect(captured.includes(Buffer.from('"type":"msg"')), 'a DM frame in clear').toBe(false)
  })
})
