#!/usr/bin/env node
// npm run bench: render-core performance, every figure measured in this run.
//
//   cold process   `pdf-export render` in a new node process, process start to PDF on disk
//                  (Chromium already unpacked in the temp dir, as on a warm machine)
//   cold machine   the same with an empty TMPDIR, so Chromium is unpacked first (Lambda cold start)
//   warm           median / p95 of 20 renders in one process with one warm browser
//   CLI baseline   the same HTML printed by a per-document Chromium CLI run: the same binary
//                  started the way `chromium --headless --print-to-pdf=out.pdf report.html` starts
//                  it (Chromium's own defaults: several processes, frames drawn; --no-sandbox and
//                  --disable-gpu as on Lambda), the document read from a file, printed with the
//                  same options, written to disk, browser closed, median of 9. The bundled build
//                  has no --print-to-pdf mode (the switch is not in the binary: Chromium ignores
//                  it and waits forever), so puppeteer issues those steps.
//   fresh tuned    stricter, for information: this project's renderer (all its flags, frameless
//                  pages) started fresh for every document, median of 9
//   peak RSS       node's maxRSS + the warm Chromium process's VmHWM
// Warm renders and the two baselines alternate in three rounds, so that a drift in this machine's
// speed moves both sides of a ratio alike.
//
// Usage: npm run bench [-- --template county-annual-report --sample <name> --runs 20
//                          --baseline-runs 9 --json out.json]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { compose, loadConfig } = require('pdf-export');
const chromium = require('@sparticuz/chromium');
const puppeteer = require('puppeteer-core');

const { values: args } = parseArgs({
  options: {
    template: { type: 'string', default: 'county-annual-report' },
    sample: { type: 'string' },
    runs: { type: 'string', default: '20' },
    'baseline-runs': { type: 'string', default: '9' },
    json: { type: 'string' },
  },
});
const runs = Number(args.runs);
const baselineRuns = Number(args['baseline-runs']);
/** Warm renders and baseline runs alternate in this many rounds (see below). */
const ROUNDS = 3;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];

/** Peak resident memory (VmHWM) of a process and its descendants, in MB. */
function peakRssMb(pid) {
  let total = 0;
  const visit = (p) => {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      total += Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
      for (const task of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) visit(task);
    } catch {
      /* process gone */
    }
  };
  visit(pid);
  return total;
}

function runCliOnce(env, dataFile, outFile) {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [join(root, 'bin/pdf-export.js'), 'render', args.template, dataFile, '-o', outFile], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => {
      const ms = performance.now() - started;
      if (code === 0 && existsSync(outFile)) resolvePromise(ms);
      else reject(new Error(`pdf-export exited ${code}: ${stderr}`));
    });
  });
}

const handle = compose(loadConfig());
const config = handle.config.render;
const template = handle.templates.get(args.template);
const sample = args.sample ?? template.samples[0];
const data = template.sampleData[sample];
const work = mkdtempSync(join(tmpdir(), 'pdf-bench-'));
const results = { template: args.template, sample, runs };

try {
  const dataFile = join(work, 'data.json');
  writeFileSync(dataFile, JSON.stringify(data));

  // Make sure Chromium is unpacked before the "cold process" figure (it is once per machine).
  await handle.reports.render(args.template, data);
  results.coldProcessMs = await runCliOnce({}, dataFile, join(work, 'cold.pdf'));

  const freshTmp = mkdtempSync(join(work, 'tmp-'));
  results.coldMachineMs = await runCliOnce({ TMPDIR: freshTmp }, dataFile, join(work, 'cold-machine.pdf'));
  rmSync(freshTmp, { recursive: true, force: true });

  // The same HTML for the baselines, printed with a fresh Chromium per document.
  const prepared = handle.reports.prepare(args.template, data);
  const htmlFile = join(work, 'report.html');
  writeFileSync(htmlFile, prepared.html);
  const executablePath = config.chromiumPath ?? (await chromium.executablePath());
  const chromiumCliRunMs = async () => {
    const t = performance.now();
    const browser = await puppeteer.launch({
      executablePath,
      args: ['--no-sandbox', '--disable-gpu'],
      headless: 'shell',
      pipe: true,
      env: { ...process.env, FONTCONFIG_FILE: config.fontconfigFile },
    });
    try {
      const page = await browser.newPage();
      await page.goto(`file://${htmlFile}`, { waitUntil: 'load' });
      writeFileSync(join(work, 'cli.pdf'), await page.pdf({ preferCSSPageSize: true, printBackground: true, outline: true, tagged: true }));
    } finally {
      await browser.close();
    }
    return performance.now() - t;
  };
  const freshRendererRunMs = async () => {
    const t = performance.now();
    const once = compose(loadConfig({ ...process.env, RENDER_TIMEOUT_MS: '60000' }));
    try {
      await once.chromium.renderPdf({ html: prepared.html, assets: prepared.template.assets, outline: true });
    } finally {
      await once.close();
    }
    return performance.now() - t;
  };

  // Warm renders (one process, one browser) and the baselines alternate in rounds: this machine's
  // speed drifts by ±10% over seconds, and a ratio of two blocks measured apart drifted with it.
  for (let i = 0; i < 3; i++) await handle.reports.render(args.template, data);
  const warm = [];
  const cli = [];
  const fresh = [];
  let last;
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = round; i < runs; i += ROUNDS) {
      const t = performance.now();
      last = await handle.reports.render(args.template, data);
      warm.push(performance.now() - t);
    }
    for (let i = round; i < baselineRuns; i += ROUNDS) cli.push(await chromiumCliRunMs());
    for (let i = round; i < baselineRuns; i += ROUNDS) fresh.push(await freshRendererRunMs());
  }
  results.warmMedianMs = median(warm);
  results.warmP95Ms = percentile(warm, 95);
  results.pdfBytes = last.bytes;
  results.pages = last.pages;
  const chromiumPid = await handle.chromium.browserPid();
  results.peakRssMb = process.resourceUsage().maxRSS / 1024 + peakRssMb(chromiumPid);
  results.cliMedianMs = median(cli);
  results.warmToCli = results.warmMedianMs / results.cliMedianMs;
  results.freshTunedMedianMs = median(fresh);
  results.warmToFreshTuned = results.warmMedianMs / results.freshTunedMedianMs;
} finally {
  await handle.close();
  rmSync(work, { recursive: true, force: true });
}

const targets = [
  ['warm render median', `${results.warmMedianMs.toFixed(0)} ms (p95 ${results.warmP95Ms.toFixed(0)} ms)`, results.warmMedianMs <= 150, '≤ 150 ms'],
  ['warm ÷ per-document Chromium CLI', `${results.warmToCli.toFixed(3)}× (CLI run median ${results.cliMedianMs.toFixed(0)} ms over ${baselineRuns})`, results.warmToCli <= 0.2, '≤ 0.2×'],
  ['warm ÷ fresh tuned renderer', `${results.warmToFreshTuned.toFixed(3)}× (median ${results.freshTunedMedianMs.toFixed(0)} ms over ${baselineRuns})`, null, 'informational'],
  ['cold first PDF (new process)', `${results.coldProcessMs.toFixed(0)} ms`, results.coldProcessMs <= 2500, '≤ 2500 ms'],
  ['cold machine (unpack Chromium)', `${results.coldMachineMs.toFixed(0)} ms`, null, 'informational'],
  ['PDF size', `${(results.pdfBytes / 1024).toFixed(0)} KB, ${results.pages} pages`, results.pdfBytes <= 300 * 1024, '≤ 300 KB'],
  ['peak RSS (node + Chromium)', `${results.peakRssMb.toFixed(0)} MB`, results.peakRssMb <= 500, '≤ 500 MB'],
];
console.log(`bench: ${args.template} / ${sample}, ${runs} warm runs, ${new Date().toISOString()}`);
for (const [name, value, ok, target] of targets) {
  console.log(`  ${name.padEnd(32)} ${value.padEnd(48)} ${ok === null ? '' : ok ? 'ok  ' : 'MISS'} ${target}`);
}
if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 2));
process.exitCode = targets.some(([, , ok]) => ok === false) ? 1 : 0;
