/**
 * JSON frames checked against a TypeBox schema, for the protocols whose frames are JSON a peer wrote (peers,
 * history): UTF-8 decoded strictly, parsed, then checked. A fault is raised with the caller's error class,
 * saying what was wrong and where.
 */
import { Value } from '@sinclair/typebox/value'

type Schema = Parameters<typeof Value.Check>[0]

export function encodeJsonFrame (value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value))
}

/** Decode `bytes` (the frame called `what` in messages) as JSON matching `schema`, or throw `fault(message)`. */
export function decodeJsonFrame<T> (schema: Schema, bytes: Uint8Array, what: string, fault: (message: string) => Error): T {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (err) {
    throw fault(`${what} is not UTF-8 JSON: ${(err as Error).message}`)
  }
  if (!Value.Check(schema, value)) {
    const first = Value.Errors(schema, value).First()
    throw fault(`${what} does not match the schema${first != null ? `: ${first.path || '/'} ${first.message}` : ''}`)
  }
  return value as T
}
