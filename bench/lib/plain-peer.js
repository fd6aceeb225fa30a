/**
 * The baseline of the transfer benchmark: a bare js-libp2p node (TCP + Noise + Yamux, every setting at its
 * default) in its own process, so sender and receiver each have a core, as two gossipd nodes do.
 *
 *   node bench/lib/plain-peer.js server            prints {"addr": ...}, sinks /bench/sink/1.0.0 streams
 *   node bench/lib/plain-peer.js client ADDR BYTES  sends BYTES, prints {"bytes", "ms", CPU seconds of both ends} once the server acks
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'

const PROTOCOL = '/bench/sink/1.0.0'
/** Write size: one Noise frame's payload is at most 65519 bytes, so 64 KiB writes fill frames. */
const WRITE_BYTES = 64 * 1024

const [mode, addr, bytesArg] = process.argv.slice(2)

async function node (listen) {
  return createLibp2p({
    addresses: { listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()]
  })
}

if (mode === 'server') {
  const server = await node(['/ip4/127.0.0.1/tcp/0'])
  await server.handle(PROTOCOL, async (stream) => {
    const cpu0 = process.cpuUsage()
    let n = 0
    for await (const chunk of stream) n += chunk.byteLength
    const cpu = process.cpuUsage(cpu0)
    const ack = new Uint8Array(16)
    new DataView(ack.buffer).setBigUint64(0, BigInt(n))
    new DataView(ack.buffer).setFloat64(8, (cpu.user + cpu.system) / 1e6)
    stream.send(ack)
    await stream.close()
  })
  process.stdout.write(JSON.stringify({ addr: server.getMultiaddrs()[0].toString() }) + '\n')
  process.on('SIGTERM', () => { void server.stop().then(() => process.exit(0)) })
} else if (mode === 'client') {
  const total = Number(bytesArg)
  const client = await node([])
  const block = new Uint8Array(WRITE_BYTES).fill(7)
  const stream = await client.dialProtocol(multiaddr(addr), PROTOCOL)
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  for (let sent = 0; sent < total; sent += WRITE_BYTES) {
    const piece = total - sent >= WRITE_BYTES ? block : block.subarray(0, total - sent)
    if (!stream.send(piece)) await stream.onDrain()
  }
  await stream.close()
  const ack = []
  for await (const chunk of stream) ack.push(...chunk.subarray())
  const ms = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  if (ack.length !== 16) throw new Error('no acknowledgement from the server')
  const view = new DataView(Uint8Array.from(ack).buffer)
  const received = Number(view.getBigUint64(0))
  const receiverCpuSeconds = view.getFloat64(8)
  if (received !== total) throw new Error(`the server received ${received} of ${total} bytes`)
  process.stdout.write(JSON.stringify({ bytes: total, ms, senderCpuSeconds: (cpu.user + cpu.system) / 1e6, receiverCpuSeconds }) + '\n')
  await client.stop()
  process.exit(0)
} else {
  process.stderr.write('usage: plain-peer.js server | client ADDR BYTES\n')
  process.exit(2)
}
