/**
 * File names are labels shown to people, never paths: the store keys files by id, and a name that looks like a
 * path is refused rather than cleaned, so a user sees why.
 */
import { FILE_MAX_NAME_BYTES } from './constants.js'
import { InvalidFileNameError } from '../errors.js'

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/

/** Throws `InvalidFileNameError` unless `name` is a plain label; returns it NFC-normalised. */
export function checkFileName (name: string): string {
  const n = name.normalize('NFC')
  if (n.length === 0) throw new InvalidFileNameError('the file name is empty')
  if (Buffer.byteLength(n, 'utf8') > FILE_MAX_NAME_BYTES) throw new InvalidFileNameError(`the file name is longer than ${FILE_MAX_NAME_BYTES} bytes`)
  if (n === '.' || n === '..') throw new InvalidFileNameError(`"${n}" is not a file name`)
  if (n.includes('/') || n.includes('\\')) throw new InvalidFileNameError(`the file name "${n}" contains a path separator; names are labels, not paths`)
  if (CONTROL.test(n)) throw new InvalidFileNameError('the file name contains control characters')
  return n
}
