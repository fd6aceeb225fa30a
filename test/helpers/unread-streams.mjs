/**
 * A peer in its own process that opens streams, writes one request frame on each and reads nothing, so a test can
 * measure what the node it asks holds for the answers without counting the asker's receive buffers.
 *
 *   node test/helpers/unread-streams.mjs <multiaddr> <protocol> <streams> <request as base64>
 *
 * Prints "ready" once every stream carries its request; exits when its stdin closes.
 */
/* global process, Buffer, AbortSignal */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'

const [target, protocol, count, request] = process.argv.slice(2)
const node = await createLibp2p({
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  connectionMonitor: { enabled: false }
})
const streams = []
for (let i = 0; i < Number(count); i++) {
  const stream = await node.dialProtocol(multiaddr(target), protocol, { signal: AbortSignal.timeout(10_000) })
  // paused before the request goes out, so no window update follows any answer: beyond the first window the
  // answer stays with the node that writes it
  stream.pause()
  await lpStream(stream).write(Buffer.from(request, 'base64'))
  streams.push(stream)
}
process.stdout.write('ready\n')
process.stdin.resume()
process.stdin.on('end', () => { void node.stop().then(() => process.exit(0)) })
