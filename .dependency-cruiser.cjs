/**
 * The layering of lambda/src (docs/architecture.md), checked by test/architecture/dependencies.test.ts
 * on every `npm test`: no import cycles anywhere, and each layer imports only the layers below it.
 *
 *   entrypoints/  →  compose.ts  →  adapters  →  batch/  →  core/
 *   (driving adapters: http/, playground/, cli/; driven: chromium/, pdf/, storage/, files/,
 *    stepFunctions/; config beside them)
 */
const { existsSync } = require('node:fs');

const SRC = '^lambda/src/';
const DRIVEN = `${SRC}(chromium|pdf|storage|files|stepFunctions)/`;

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'An import cycle makes a module depend on itself: split it or move the shared piece down a layer.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-imports-only-core',
      comment: 'core/ is the domain and its ports; it knows no adapter, no configuration, no batch.',
      severity: 'error',
      from: { path: `${SRC}core/` },
      to: { path: SRC, pathNot: `${SRC}core/` },
    },
    {
      name: 'batch-imports-only-core',
      comment: 'batch/ holds the batch use cases and their ports; adapters are plugged in by compose.ts.',
      severity: 'error',
      from: { path: `${SRC}batch/` },
      to: { path: SRC, pathNot: `${SRC}(core|batch)/` },
    },
    {
      name: 'config-imports-only-core',
      severity: 'error',
      from: { path: `${SRC}config/` },
      to: { path: SRC, pathNot: `${SRC}(core|config)/` },
    },
    {
      name: 'adapters-do-not-import-each-other',
      comment: 'A driven adapter implements ports of core/ or batch/; it needs no other adapter.',
      severity: 'error',
      from: { path: `${SRC}(chromium|pdf|storage|files|stepFunctions)/` },
      to: { path: DRIVEN, pathNot: `${SRC}$1/` },
    },
    {
      name: 'adapters-do-not-import-the-root',
      severity: 'error',
      from: { path: DRIVEN },
      to: { path: `${SRC}(compose\\.ts$|entrypoints/|http/|playground/|cli/)` },
    },
    {
      name: 'driving-adapters-reach-adapters-through-compose',
      comment: 'http/, playground/ and cli/ get their adapters from compose.ts (the CLI may write its own output files).',
      severity: 'error',
      from: { path: `${SRC}(http|playground|cli)/` },
      to: { path: `${SRC}(chromium|pdf|storage|stepFunctions)/` },
    },
    {
      name: 'only-storage-knows-the-s3-sdk',
      severity: 'error',
      from: { path: SRC, pathNot: `${SRC}storage/` },
      to: { path: 'node_modules/@aws-sdk/(client-s3|s3-request-presigner)/' },
    },
    {
      name: 'only-chromium-knows-puppeteer',
      severity: 'error',
      from: { path: SRC, pathNot: `${SRC}chromium/` },
      to: { path: 'node_modules/(puppeteer-core|@sparticuz/chromium)/' },
    },
    {
      name: 'only-stepFunctions-knows-the-sfn-sdk',
      severity: 'error',
      from: { path: SRC, pathNot: `${SRC}stepFunctions/` },
      to: { path: 'node_modules/@aws-sdk/client-sfn/' },
    },
    {
      name: 'only-entrypoints-import-entrypoints',
      severity: 'error',
      from: { path: SRC, pathNot: `${SRC}(entrypoints|cli)/` },
      to: { path: `${SRC}entrypoints/` },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a cycle of types is still a cycle for the reader.
    tsPreCompilationDeps: true,
    // Paths are relative to where it runs: the repository, or a test's fixture tree without one.
    ...(existsSync('tsconfig.json') ? { tsConfig: { fileName: 'tsconfig.json' } } : {}),
  },
};
