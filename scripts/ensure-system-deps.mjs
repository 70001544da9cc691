#!/usr/bin/env node
// Installs the Debian packages the tests need (poppler-utils: pdftotext, pdffonts, pdfinfo,
// pdftoppm; qpdf, which checks a PDF's structure where poppler silently repairs it) when they are
// missing. Rendering itself needs no system package: the bundled Chromium
// and the fonts come from npm.
import { execFileSync, spawnSync } from 'node:child_process';

const TOOLS = ['pdftotext', 'pdffonts', 'pdfinfo', 'pdftoppm', 'qpdf'];
const PACKAGES = ['poppler-utils', 'qpdf'];

const missing = TOOLS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get']).status === 0;
if (!hasApt) {
  console.error(`Missing ${missing.join(', ')}; install ${PACKAGES.join(' ')} with your package manager.`);
  process.exit(1);
}
const sudo = isRoot ? [] : ['sudo'];
console.log(`Installing ${PACKAGES.join(' ')} (missing: ${missing.join(', ')})…`);
const run = (args) => execFileSync(sudo.length ? 'sudo' : args[0], sudo.length ? args : args.slice(1), {
  stdio: 'inherit',
  env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
});
run(['apt-get', 'update', '-qq']);
run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...PACKAGES]);
