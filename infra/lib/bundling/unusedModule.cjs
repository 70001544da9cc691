// Stands in, in the render functions' bundles, for a package puppeteer-core requires when it loads
// but only uses to download browsers through proxies (`proxy-agent`), which the service never does
// (infra/lib/constructs/ServiceFunction.ts, PRINTER_UNUSED_MODULES, says why and what it saves).
// Anything taken from it is undefined, so a use would fail at once rather than quietly.
module.exports = {};
