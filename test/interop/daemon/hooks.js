/**
 * Module resolution hook (registered by register.js): the suite's one import of its build tool, `aegir/chai`,
 * resolves to chai.js. Every other specifier resolves as usual.
 */
const AEGIR_CHAI = 'aegir/chai'
const shim = new URL('./chai.js', import.meta.url).href

export async function resolve (specifier, context, nextResolve) {
  if (specifier === AEGIR_CHAI) return { url: shim, shortCircuit: true }
  return nextResolve(specifier, context)
}
