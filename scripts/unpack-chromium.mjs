#!/usr/bin/env node
// Unpacks the bundled Chromium into the temp directory once, before the tests start.
//
// Why: @sparticuz/chromium unpacks itself on first use, writing <tmpdir>/chromium in place. On a
// fresh machine two jest workers would both start writing it at once, and one could launch a
// half-written binary. Unpacking here, in one process, makes every later call a no-op.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const chromium = require('@sparticuz/chromium');
chromium.setGraphicsMode = false;
const started = Date.now();
const path = await chromium.executablePath(process.env.CHROMIUM_PACK_DIR || undefined);
console.log(`chromium: ${path} (${Date.now() - started} ms)`);
