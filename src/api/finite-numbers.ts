import type { FastifyInstance, FastifyRequest } from 'fastify'
import { InvalidRequestError } from '../errors.js'

/**
 * Refuse numbers that are not finite. The validator coerces query strings such as `1e309` or `Infinity` to
 * `Infinity`, and then skips its `minimum`/`maximum` checks (they only test finite numbers), so without this an
 * out-of-range value would reach a route as Infinity. JSON cannot carry Infinity, so only coerced values can.
 */
export function registerFiniteCheck (app: FastifyInstance): void {
  app.addHook('preHandler', async (req: FastifyRequest) => {
    for (const [part, values] of [['querystring', req.query], ['params', req.params]] as const) {
      if (values == null || typeof values !== 'object') continue
      for (const [key, value] of Object.entries(values)) {
        if (typeof value === 'number' && !Number.isFinite(value)) {
          throw new InvalidRequestError(`${part}/${key} must be a finite number`)
        }
      }
    }
  })
}
