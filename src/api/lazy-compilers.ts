/**
 * Fastify's own schema compilers (ajv for requests, fast-json-stringify for responses), each compiling a route's
 * schema on that route's first request instead of when the app starts.
 *
 * Compiling every schema of every route up front cost a node about 0.3 s of CPU at start-up: negligible for one
 * node, but a swarm of dozens starting on a few cores pays it all at once, in the middle of the join. Most nodes
 * never see most routes called. Errors and coercion are the compilers' own, unchanged; a schema that does not
 * compile fails its route's first request (every route is exercised by the API tests).
 */
import ajvCompiler, { type BuildCompilerFromPool } from '@fastify/ajv-compiler'
import serializerCompiler, { type SerializerFactory } from '@fastify/fast-json-stringify-compiler'

/** A function standing for `compile()`'s result, which it builds on its first call (or property read). */
function lazy<F extends (...args: never[]) => unknown> (compile: () => F, properties: string[]): F {
  let compiled: F | undefined
  const get = (): F => (compiled ??= compile())
  const fn = function (this: unknown, ...args: Parameters<F>): unknown {
    return get().apply(this, args)
  }
  // fastify reads a failed validation's `errors`, and `schemaEnv` to let ajv coerce a part's root value
  for (const name of properties) {
    Object.defineProperty(fn, name, { get: () => (get() as unknown as Record<string, unknown>)[name] })
  }
  return fn as unknown as F
}

/** What `schemaController.compilersFactory` takes: fastify's own factories, wrapped. */
export function lazyCompilers (): { buildValidator: BuildCompilerFromPool, buildSerializer: SerializerFactory } {
  const buildValidator = ajvCompiler()
  const buildSerializer = serializerCompiler()
  return {
    // fastify calls the compiler with a route definition ({ schema, method, url, httpPart }), which the ajv
    // compiler's typings do not say
    buildValidator: (externalSchemas, options) => {
      const compile = buildValidator(externalSchemas, options) as unknown as (route: unknown) => (...args: unknown[]) => unknown
      return ((route: unknown) => lazy(() => compile(route), ['errors', 'schemaEnv'])) as unknown as ReturnType<BuildCompilerFromPool>
    },
    buildSerializer: (externalSchemas, options) => {
      const compile = buildSerializer(externalSchemas, options)
      return route => lazy(() => compile(route), [])
    }
  }
}
