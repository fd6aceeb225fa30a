import { describe, expect, it } from 'vitest'
import * as errors from '../../src/errors.js'
import { ERROR_STATUS, UnauthorizedError } from '../../src/api/errors.js'

/** Every exported error class, built with placeholder arguments (the constructors only format a message). */
function everyError (): errors.GossipdError[] {
  const values: unknown[] = Object.values(errors)
  return values
    .filter((v): v is new (...args: any[]) => errors.GossipdError => typeof v === 'function' && v.prototype instanceof errors.GossipdError)
    .map(C => new C('x', 'y'))
}

describe('errors', () => {
  it('every error class has a name of its own, a code and an HTTP status for that code', () => {
    const all = [...everyError(), new UnauthorizedError()]
    expect(all.length).toBeGreaterThan(20)
    for (const err of all) {
      expect(err.name, err.constructor.name).toBe(err.constructor.name)
      expect(err.code).toMatch(/^[a-z-]+$/)
      expect(ERROR_STATUS[err.code], `${err.name} (${err.code}) has no status`).toBeGreaterThanOrEqual(400)
      expect(errors.isGossipdError(err)).toBe(true)
    }
  })

  it('matches by name, not by class identity', () => {
    const foreign = Object.assign(new Error('from another copy of the module'), { name: 'FileNotFoundError' })
    expect(errors.isError(foreign, 'FileNotFoundError')).toBe(true)
    expect(errors.isError(new errors.FileNotFoundError('f'), 'FileNotFoundError', 'DownloadNotFoundError')).toBe(true)
    expect(errors.isError(new Error('plain'), 'FileNotFoundError')).toBe(false)
    expect(errors.isGossipdError(Object.assign(new Error('system'), { code: 'ECONNRESET' }))).toBe(false)
  })

  it('keeps each status the API answered with before the statuses left the error classes', () => {
    expect(ERROR_STATUS[new errors.NoSubscribersError('t').code]).toBe(409)
    expect(ERROR_STATUS[new errors.MessageTooLargeError(2, 1).code]).toBe(413)
    expect(ERROR_STATUS[new errors.RangeNotSatisfiableError().code]).toBe(416)
    expect(ERROR_STATUS[new errors.NotStartedError().code]).toBe(503)
    expect(ERROR_STATUS[new UnauthorizedError().code]).toBe(401)
  })
})
