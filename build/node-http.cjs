// What the bundle's `import http from "http"` resolves to (package.json, build:bundle, --alias:http). UPnP's SSDP
// client imports node:http as an ES module; Node then builds an ES-module facade of node:http by reading all its
// exports, and one of them is a lazy getter that loads Node's fetch implementation (undici): about 30 ms of CPU
// at every start, for a module the node uses only with --upnp. A CommonJS require reads no export.
module.exports = require('node:http')
