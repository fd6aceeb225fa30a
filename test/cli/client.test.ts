/**
 * The CLI's API client: where the API is and its token come from the flags, else from the settings' environment
 * variables (an empty one meaning unset, as for `gossipd start`); a failed answer, JSON error body or not, is an
 * `ApiClientError` read by the same code as the dashboard's.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiClientError, isApiClientError } from '../../src/api/client-error.js'
import { ApiClient } from '../../src/cli/client.js'
import { DEFAULT_API } from '../../src/constants.js'

describe('ApiClient settings', () => {
  it('reads GOSSIPD_API and GOSSIPD_API_TOKEN, and lets flags win', () => {
    const env = { GOSSIPD_API: '10.0.0.5:9000', GOSSIPD_API_TOKEN: 'a-token-of-16-chars' }
    const fromEnv = new ApiClient({ env })
    expect(fromEnv.base).toBe('http://10.0.0.5:9000')
    expect(fromEnv.headers()).toEqual({ authorization: 'Bearer a-token-of-16-chars' })
    const fromFlags = new ApiClient({ api: 'https://node.example/', token: 'flag-token', env })
    expect(fromFlags.base).toBe('https://node.example')
    expect(fromFlags.headers()).toEqual({ authorization: 'Bearer flag-token' })
  })

  it('treats empty variables as unset, as the node does', () => {
    const client = new ApiClient({ env: { GOSSIPD_API: '', GOSSIPD_API_TOKEN: '' } })
    expect(client.base).toBe(`http://${DEFAULT_API}`)
    expect(client.headers()).toEqual({})
  })
})

describe('API error answers', () => {
  let server: Server
  let client: ApiClient

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/json') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'peer-not-found', message: 'peer x not found' } }))
      } else if (req.url === '/html') {
        res.writeHead(502, { 'content-type': 'text/html' }).end('<html>bad gateway</html>')
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
      }
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    client = new ApiClient({ api: `127.0.0.1:${(server.address() as AddressInfo).port}`, env: {} })
  })

  afterAll(async () => { await new Promise(resolve => server.close(resolve)) })

  it('gives the API\'s code and message', async () => {
    const err = await client.get('/json').catch((e: unknown) => e)
    expect(isApiClientError(err, 404)).toBe(true)
    expect(err).toMatchObject({ name: 'ApiClientError', status: 404, code: 'peer-not-found', message: 'peer x not found' })
  })

  it('gives the status when the body is not the API\'s error shape', async () => {
    const err = await client.get('/html').catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'ApiClientError', status: 502, code: 'http-502', message: 'HTTP 502 Bad Gateway' })
    expect(apiClientError(500, '')).toMatchObject({ code: 'http-500', message: 'HTTP 500' })
    expect(apiClientError(400, 'null')).toMatchObject({ code: 'http-400' })
    expect(apiClientError(400, '{"error":{"code":7}}')).toMatchObject({ code: 'http-400', message: 'HTTP 400' })
  })

  it('says when the API cannot be reached', async () => {
    const closed = new ApiClient({ api: '127.0.0.1:1', env: {} })
    const err = await closed.get('/id').catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'ApiClientError', status: 0, code: 'unreachable' })
    expect(isApiClientError(err, 404)).toBe(false)
    expect(await client.get('/ok')).toEqual({ ok: true })
  })
})
