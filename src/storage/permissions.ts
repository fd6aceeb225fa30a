/**
 * The data directory holds the node's private key, its messages and the files it stores: only its owner may
 * read it. New entries are created 0700/0600; this tightens what a volume, a copy or an older version left
 * looser, at every start.
 */
import { chmod, lstat, readdir } from 'node:fs/promises'
import { join } from 'node:path'

/** Mode of the data directory and every directory in it. */
export const DATA_DIR_MODE = 0o700

/** Mode of every file in the data directory. */
export const DATA_FILE_MODE = 0o600

/** Bits that let anyone but the owner in. */
const OTHERS = 0o077

/** Chmod `path` to `mode` when group or others have any access; symlinks are left alone (never followed). */
async function tighten (path: string, recurse: boolean): Promise<void> {
  let st
  try {
    st = await lstat(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw err
  }
  if (st.isDirectory()) {
    if ((st.mode & OTHERS) !== 0) await chmod(path, DATA_DIR_MODE)
    if (recurse) {
      for (const name of await readdir(path)) await tighten(join(path, name), true)
    }
  } else if (st.isFile() && (st.mode & OTHERS) !== 0) {
    await chmod(path, DATA_FILE_MODE)
  }
}

/**
 * Make `dataDir` 0700 and the entries named in `owned` (files 0600, directories 0700 with all they hold) no
 * looser. Only named entries are touched: a data directory pointed at a shared folder keeps the rest as it was.
 */
export async function secureDataDir (dataDir: string, owned: string[]): Promise<void> {
  await tighten(dataDir, false)
  for (const name of owned) await tighten(join(dataDir, name), true)
}
