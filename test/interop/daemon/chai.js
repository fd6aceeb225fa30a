/**
 * What `aegir/chai` gives the @libp2p/interop suite: chai with the plugins its assertions use. aegir is the
 * suite's build tool, installed as a peer dependency only to provide this import; hooks.js resolves the
 * specifier to this file instead.
 *
 * - chai-as-promised: `expect(promise).to.eventually...`
 * - chai-parentheses: property assertions called as functions, `expect(x).to.exist()`
 * - chai-bites: `expect(bytes).to.equalBytes(other)`
 *
 * The plugins are applied in aegir's order (chai-as-promised first, see chaijs/chai#1298).
 */
import chai from 'chai'
import chaiAsPromised from 'chai-as-promised'
import chaiBites from 'chai-bites'
import chaiParentheses from 'chai-parentheses'

chai.use(chaiAsPromised)
chai.use(chaiParentheses)
chai.use(chaiBites)

export const expect = chai.expect
export const assert = chai.assert
export { chai }
