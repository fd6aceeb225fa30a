import { createServer } from 'node:net'

/** Ask the OS for `count` distinct free TCP ports on a host (held together so none repeats). */
export async function freePorts (count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, async () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, host, () => { resolve(s) })
  })))
  const ports = servers.map(s => (s.address() as { port: number }).port)
  await Promise.all(servers.map(async s => new Promise(resolve => s.close(resolve))))
  return ports
}
