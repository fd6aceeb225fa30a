/**
 * Memory measured the way the security tests assert it: after a forced full GC, the heap and the memory
 * outside it (Buffers, ArrayBuffers), so what a test counts is what is still held.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

let gc: (() => void) | undefined

/** A full GC; works without `--expose-gc` on the command line. */
export function forceGc (): void {
  if (gc == null) {
    gc = (globalThis as { gc?: () => void }).gc
    if (gc == null) {
      setFlagsFromString('--expose-gc')
      gc = runInNewContext('gc') as () => void
    }
  }
  gc()
  gc()
}

/** Bytes held after a GC: the JS heap plus external memory. */
export async function heldBytes (): Promise<number> {
  await new Promise(resolve => setTimeout(resolve, 200))
  forceGc()
  const m = process.memoryUsage()
  return m.heapUsed + m.external
}

export const MiB = 1024 * 1024
