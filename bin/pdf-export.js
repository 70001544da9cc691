#!/usr/bin/env node
// Thin launcher: the CLI is written in TypeScript and compiled to dist/ by `npm run build`.
const { runCli } = require('../dist/lambda/src/entrypoints/cli.js');
runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
