#!/usr/bin/env node
// Unpacks the bundled Chromium into the temp directory once, before the tests start (after the
// build: it runs the service's own unpacker, dist/lambda/src/chromium/unpackChromium.js).
//
// Why: the unpacker lets one process at a time unpack and marks a complete unpack, but a fresh
// machine's first test workers would still wait on each other for ~2 s each; unpacking here, in
// one process, makes every later call a no-op.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { unpackChromium } = require('../dist/lambda/src/chromium/unpackChromium.js');
const started = Date.now();
const path = await unpackChromium(process.env.CHROMIUM_PACK_DIR || undefined);
console.log(`chromium: ${path} (${Date.now() - started} ms)`);
