#!/usr/bin/env node
// npm run bench:lambda: the HTTP function as `cdk deploy` ships it, in the Lambda sandbox
// (docs/lambda-sandbox.md), pinned to one core like a small Lambda:
//
//   cold   a new container per run (fresh /tmp): Node 22 start + bundle load (+ source maps),
//          then the first POST /reports: font unpack + Chromium launch + render + S3 upload;
//          median of --cold runs (default 5). Building the sandbox itself (mounts, setpriv:
//          `setup`, about 0.4 s, nothing Lambda has) is measured apart and not counted.
//   warm   POST /reports on one warm container, each with data never rendered before;
//          median of --warm runs (default 10) after one cold invocation that is not counted
//
// Every POST prints a different county (scripts/gen-reports.mjs), so none is answered from the
// bucket. S3 (s3rver) and the Runtime API run in this process, outside the pinned core.
// Needs root (the sandbox mounts file systems in a private mount namespace).
//
// Usage: npm run bench:lambda [-- --cold 5 --warm 10 --cpus 0 --json out.json]
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TEMPLATE = 'county-annual-report';

const { values: args } = parseArgs({
  options: {
    cold: { type: 'string', default: '5' },
    warm: { type: 'string', default: '10' },
    cpus: { type: 'string', default: '0' },
    json: { type: 'string' },
    echo: { type: 'boolean', default: false },
  },
});
const coldRuns = Number(args.cold);
const warmRuns = Number(args.warm);

// The sandbox helpers are TypeScript (test/lambda/helpers/); bundle them as cdk.json bundles the app.
const bundle = join(root, 'node_modules', '.cache', 'lambda-sandbox', 'sandboxedService.cjs');
await build({
  entryPoints: [join(root, 'test', 'lambda', 'helpers', 'sandboxedService.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  outfile: bundle,
  logLevel: 'warning',
});
const { startSandboxedService } = require(bundle);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
const duBytes = (dir) => Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);

const counties = execFileSync(process.execPath, [join(root, 'scripts', 'gen-reports.mjs'), TEMPLATE, String(coldRuns + warmRuns + 1), '--seed', '2027'], {
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
})
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));
let next = 0;
const postEvent = () => {
  const body = JSON.stringify({ template: TEMPLATE, data: counties[next++].data });
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/reports',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
    requestContext: { http: { method: 'POST', path: '/reports', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'bench' }, requestId: `bench-${next}`, stage: '$default' },
    body,
    isBase64Encoded: false,
  };
};
/** The service's "request served" log line of an invocation. */
const servedLine = (result) => {
  for (const line of result.logs) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line);
    if (entry.message === 'request served') return entry;
  }
  return undefined;
};
/** renderMs of that line: unpack + launch + print on a cold start. */
const renderMsOf = (result) => servedLine(result)?.renderMs ?? null;
const created = (result) => {
  if (!result.ok) throw new Error(`POST /reports failed: ${result.error.errorType}: ${result.error.errorMessage}\n${result.logs.join('\n')}`);
  if (result.payload.statusCode !== 201) throw new Error(`POST /reports answered ${result.payload.statusCode}: ${result.payload.body}`);
  if (servedLine(result)?.rendered === false) throw new Error('answered from the bucket, not rendered: the bench needs data never printed before');
};

const service = await startSandboxedService({ cpus: args.cpus, echo: args.echo, log: (line) => process.stderr.write(`${line}\n`) });
const fn = service.synth.functions.HttpRender;
const report = {
  date: new Date().toISOString(),
  node: service.node.version,
  cpus: args.cpus,
  function: { name: fn.name, memoryMb: fn.memoryMb, ephemeralMb: fn.ephemeralMb, nodeOptions: fn.environment.NODE_OPTIONS ?? null },
  sizes: {
    bundleBytes: duBytes(fn.assetDir),
    layerBytes: duBytes(fn.layerDirs[0]),
    bundleJsBytes: duBytes(join(fn.assetDir, 'index.js')),
  },
  cold: { runs: [] },
  warm: { runs: [] },
};
try {
  for (let i = 0; i < coldRuns; i++) {
    const box = service.sandbox('HttpRender');
    try {
      const result = await box.invoke(postEvent());
      created(result);
      const tmp = box.tmpUsage();
      const memory = box.memory();
      const coldMs = result.totalMs - result.setupMs;
      report.cold.runs.push({ coldMs, setupMs: result.setupMs, loadMs: result.loadMs, invokeMs: result.ms, renderMs: renderMsOf(result), totalMs: result.totalMs, tmpBytes: tmp.usedBytes, rssBytes: memory.rssBytes });
      process.stderr.write(`cold ${i + 1}/${coldRuns}: ${seconds(coldMs)} (node start + bundle load ${seconds(result.loadMs)}, first invocation ${seconds(result.ms)}; sandbox setup ${seconds(result.setupMs)} not counted)\n`);
    } finally {
      await box.close();
    }
  }
  const box = service.sandbox('HttpRender');
  try {
    created(await box.invoke(postEvent()));
    for (let i = 0; i < warmRuns; i++) {
      const result = await box.invoke(postEvent());
      created(result);
      report.warm.runs.push({ totalMs: result.totalMs, renderMs: renderMsOf(result) });
    }
    const memory = box.memory();
    report.warm.tmpBytes = box.tmpUsage().usedBytes;
    report.warm.rssBytes = memory.rssBytes;
    report.warm.peakBytes = memory.peakBytes;
  } finally {
    await box.close();
  }
} finally {
  await service.close();
}

const pick = (runs, key) => runs.map((run) => run[key]).filter((v) => typeof v === 'number');
report.cold.medianMs = median(pick(report.cold.runs, 'coldMs'));
report.cold.medianLoadMs = median(pick(report.cold.runs, 'loadMs'));
report.cold.medianInvokeMs = median(pick(report.cold.runs, 'invokeMs'));
report.cold.medianRenderMs = median(pick(report.cold.runs, 'renderMs'));
report.cold.medianSetupMs = median(pick(report.cold.runs, 'setupMs'));
report.cold.minMs = Math.min(...pick(report.cold.runs, 'coldMs'));
report.cold.maxMs = Math.max(...pick(report.cold.runs, 'coldMs'));
report.warm.medianMs = median(pick(report.warm.runs, 'totalMs'));
report.warm.minMs = Math.min(...pick(report.warm.runs, 'totalMs'));
report.warm.maxMs = Math.max(...pick(report.warm.runs, 'totalMs'));

const lines = [
  `HttpRender POST /reports (${TEMPLATE}) in the Lambda sandbox: Node ${report.node}, taskset -c ${args.cpus}, ${fn.memoryMb} MB, /tmp ${fn.ephemeralMb} MB, NODE_OPTIONS=${report.function.nodeOptions ?? '(none)'}`,
  `  cold  median ${seconds(report.cold.medianMs)} of ${coldRuns} (${seconds(report.cold.minMs)}–${seconds(report.cold.maxMs)}): node start + bundle load ${seconds(report.cold.medianLoadMs)}, first invocation ${seconds(report.cold.medianInvokeMs)} (of which renderMs, i.e. unpack + launch + print, ${seconds(report.cold.medianRenderMs)}); sandbox setup ${seconds(report.cold.medianSetupMs)} not counted`,
  `  warm  median ${seconds(report.warm.medianMs)} of ${warmRuns} (${seconds(report.warm.minMs)}–${seconds(report.warm.maxMs)})`,
  `  /tmp ${mb(report.warm.tmpBytes)} after ${warmRuns + 1} invocations, RSS ${mb(report.warm.rssBytes)} (peak ${mb(report.warm.peakBytes)}), node + Chromium`,
  `  sizes: function asset ${mb(report.sizes.bundleBytes)} (index.js ${mb(report.sizes.bundleJsBytes)}), layer ${mb(report.sizes.layerBytes)}, together ${mb(report.sizes.bundleBytes + report.sizes.layerBytes)} of Lambda's 262.1 MB (262,144,000 bytes) unzipped`,
];
process.stdout.write(`${lines.join('\n')}\n`);
if (args.json) writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
