/**
 * fast-check arbitraries of hostile HTTP requests for any route of the API: wrong types, missing fields, huge
 * and deeply nested bodies, bad peer ids and multiaddrs, traversal names and invalid UTF-8.
 */
import fc from 'fast-check'

export interface RouteSpec {
  method: string
  /** OpenAPI path, e.g. `/topics/{topic}/messages`. */
  path: string
  /** Query parameter names the route knows. */
  query: string[]
  hasBody: boolean
}

export interface HostileRequest {
  method: string
  url: string
  headers: Record<string, string>
  payload?: string | Buffer
}

/** Routes of an OpenAPI document (`/openapi.json`). */
export function routesOf (doc: { paths: Record<string, Record<string, { parameters?: Array<{ in: string, name: string }>, requestBody?: unknown }>> }): RouteSpec[] {
  const routes: RouteSpec[] = []
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      routes.push({
        method: method.toUpperCase(),
        path,
        query: (op.parameters ?? []).filter(p => p.in === 'query').map(p => p.name),
        hasBody: op.requestBody != null || method === 'post' || method === 'put'
      })
    }
  }
  return routes
}

const TRAVERSAL = [
  '..', '../../etc/passwd', '..%2f..%2fetc%2fpasswd', '%2e%2e%2f%2e%2e%2f', '....//....//', '..\\..\\windows\\win.ini',
  '/etc/passwd', '%00', 'a%00b', '.', '%2e', 'CON', 'nul', '~', '%', '%zz', '%c0%af', '%ff%fe', '%ed%a0%80', '%e2%80%ae'
]

const BAD_PEER_IDS = [
  '12D3KooW', 'Qm', 'QmInvalid', '12D3KooW' + 'x'.repeat(44), '16Uiu2HAm', 'bafzbeig', 'z', '0', '-1', 'null',
  'undefined', '[object Object]', '12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '/p2p/12D3KooW'
]

/** Multiaddrs that cannot be dialed: malformed, or with impossible values. Nothing here reaches the network. */
const BAD_MULTIADDRS = [
  '', '/', 'ip4/127.0.0.1/tcp/1', '/ip4/999.0.0.1/tcp/1', '/ip4/127.0.0.1/tcp/99999', '/ip4/127.0.0.1/tcp/-1',
  '/ip6/::1/tcp/', '/dns4/', '/tcp/80', '/ip4/1.2.3.4/udp/1/quic-v1/webtransport/certhash/zzz', '/p2p/nope',
  '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWnot', '/unix/%2e%2e%2f', '/'.repeat(1000), '/ip4/' + '1.'.repeat(500)
]

/** A string that can be anything: printable, control characters, lone surrogates, huge. */
const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.constantFrom(...TRAVERSAL, ...BAD_PEER_IDS, ...BAD_MULTIADDRS),
  fc.integer({ min: 1, max: 20_000 }).map(n => 'a'.repeat(n))
)

/** Percent-encode a string for a URL; lone surrogates cannot be encoded, so they go in as raw invalid UTF-8. */
function encode (s: string): string {
  try {
    return encodeURIComponent(s)
  } catch {
    return '%ed%a0%80'
  }
}

/** A path segment: encoded arbitrary text, or a hostile raw form (traversal, bad percent escapes). */
const segment = fc.oneof(
  { weight: 3, arbitrary: anyString.map(encode) },
  { weight: 2, arbitrary: fc.constantFrom(...TRAVERSAL) },
  { weight: 1, arbitrary: fc.constantFrom(...BAD_PEER_IDS).map(encode) }
)

/** A value of any JSON type, or none. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  anyString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined),
  fc.array(fc.jsonValue(), { maxLength: 5 }), fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 5 })
)

/** Field names the API's bodies use, so wrong types and missing fields hit the real validators. */
const FIELDS = ['to', 'data', 'encoding', 'nick', 'multiaddr', 'sender', 'msg', 'from', 'name', 'id', 'type', '__proto__', 'constructor']

function deep (depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
}

const INVALID_UTF8 = [
  Buffer.from([0xff, 0xfe, 0xfd]), Buffer.from([0x7b, 0x22, 0x64, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]),
  Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]), Buffer.from('{"data":"\ud800"}', 'utf16le'), Buffer.from([0xe2, 0x82])
]

const body: fc.Arbitrary<string | Buffer | undefined> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), anyValue, { maxKeys: 5 }).map(o => JSON.stringify(o)) },
  { weight: 2, arbitrary: fc.jsonValue().map(v => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 100, max: 100_000 }), fc.constantFrom('array' as const, 'object' as const)).map(([d, k]) => deep(d, k)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }).map(n => JSON.stringify({ data: 'x'.repeat(n * 700_000) })) },
  { weight: 1, arbitrary: fc.constantFrom(...INVALID_UTF8) },
  { weight: 1, arbitrary: fc.string().map(s => '{"data":' + s) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }).map(b => Buffer.from(b)) }
)

const contentType = fc.constantFrom(
  'application/json', 'application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1',
  'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded',
  'application/xml', '*/*', 'application/json\r\nx: y', ''
)

const queryString = (names: string[]): fc.Arbitrary<string> => fc.array(
  fc.tuple(fc.oneof(fc.constantFrom(...names, 'x', '__proto__'), fc.string({ maxLength: 8 })), fc.oneof(
    anyString, fc.integer().map(String), fc.constantFrom('-1', '0', '1e309', '-1e309', 'Infinity', 'NaN', 'true', '', '9'.repeat(400), '1.5', '[]', '{}')
  )),
  { maxLength: 4 }
).map(pairs => pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&'))

/** Hostile requests for one route. */
export function hostileRequest (route: RouteSpec): fc.Arbitrary<HostileRequest> {
  const names = [...route.path.matchAll(/\{(\w+)\}/g)].map(m => m[1])
  return fc.record({
    params: fc.array(segment, { minLength: names.length, maxLength: names.length }),
    query: queryString(route.query.length > 0 ? route.query : ['q']),
    body: route.hasBody ? body : fc.oneof(fc.constant(undefined), body),
    contentType,
    range: fc.option(fc.constantFrom('bytes=0-', 'bytes=-1', 'bytes=5-1', 'bytes=a-b', 'bytes=0-1,2-3', 'items=1-2', 'bytes=99999999999999999999-'), { nil: undefined }),
    lastEventId: fc.option(anyString.map(s => s.replace(/[^\x20-\x7e]/g, '')), { nil: undefined })
  }).map(({ params, query, body, contentType, range, lastEventId }) => {
    let i = 0
    const path = route.path.replace(/\{\w+\}/g, () => params[i++])
    const headers: Record<string, string> = {}
    if (body !== undefined && contentType !== '') headers['content-type'] = contentType.replace(/[\r\n]/g, '')
    if (range != null) headers.range = range
    if (lastEventId != null) headers['last-event-id'] = lastEventId
    return { method: route.method, url: query !== '' ? `${path}?${query}` : path, headers, ...(body !== undefined ? { payload: body } : {}) }
  })
}
