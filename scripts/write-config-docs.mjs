#!/usr/bin/env node
// npm run docs:config: regenerates the configuration tables in README.md and docs/*.md from the
// configuration table in lambda/src/config/configTable.ts (run `npm run build` first).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { withConfigTables } = require('pdf-export');

const files = [join(root, 'README.md'), ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(root, 'docs', f))];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const updated = withConfigTables(text);
  if (updated !== text) {
    writeFileSync(file, updated);
    console.log(`docs:config: ${file.slice(root.length + 1)} updated`);
  }
}
