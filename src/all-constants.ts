/**
 * Every folder's constants in one namespace, for the library's `constants` export (src/index.ts). Code inside
 * gossipd imports the constants.ts of the folder that owns a value instead.
 */
export * from './constants.js'
export * from './node/constants.js'
export * from './messaging/constants.js'
export * from './files/constants.js'
export * from './crawl/constants.js'
export * from './api/constants.js'
