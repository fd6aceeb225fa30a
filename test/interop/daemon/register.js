// loaded by mocha (--require) before the spec file, so the suite's imports already go through hooks.js
import { register } from 'node:module'

register('./hooks.js', import.meta.url)
