#!/usr/bin/env node
// npm run bench:batch: the batch command's throughput and memory, every figure measured in this run.
//
// 200 synthetic reports (scripts/gen-reports.mjs; counties of county-annual-report unless --template
// says otherwise) are rendered by `pdf-export batch` (the compiled
// dist/, as a user runs it: `npm run build` first) once per concurrency, each in a fresh process:
//
//   docs/s        items ÷ the batch's own duration (manifest startedAt → finishedAt: starting
//                 the browsers, validating, printing, writing; not node's start-up)
//   process docs/s items ÷ the wall time of the whole command, start-up included
//   per-doc ms    median / p95 of each item's time (validate + print + write) from the manifest
//   peak RSS      the highest sum of resident memory over the command's process tree (node and
//                 its browsers), sampled every 100 ms; PSS (shared pages split) beside it
//   CPU s/doc     CPU time (user + system) of the whole tree per document: unlike docs/s it
//                 hardly depends on what else the machine is doing, and CPUs ÷ CPU s/doc is the
//                 most this machine could render
//
// A small warm-up batch first makes sure Chromium is unpacked in the temp folder, as on a warm machine.
//
// Usage: npm run bench:batch [-- --count 200 --concurrency 1,2,4 --seed 2024 --template county-annual-report --json out.json]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'pdf-export.js');
const genReports = join(root, 'scripts', 'gen-reports.mjs');

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '1,2,4' },
    seed: { type: 'string', default: '2024' },
    template: { type: 'string', default: 'county-annual-report' },
    json: { type: 'string' },
  },
});
const TEMPLATE = args.template;
const count = Number(args.count);
const levels = args.concurrency.split(',').map(Number);

if (!existsSync(join(root, 'dist', 'lambda', 'src', 'entrypoints', 'cli.js'))) {
  console.error('bench-batch: dist/ has no batch command; run `npm run build` first.');
  process.exit(2);
}

/** `n` synthetic reports into `file`, by the generator as `npm run gen:reports` runs it. */
function writeItems(file, n, seed) {
  try {
    execFileSync(process.execPath, [genReports, TEMPLATE, String(n), '--seed', String(seed), '-o', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    throw new Error(`bench-batch: gen-reports failed: ${String(error.stderr ?? error.message).trim()}`);
  }
}

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

/** Linux reports CPU times in clock ticks of 1/100 s. */
const TICKS_PER_SECOND = 100;

/**
 * Sum of VmRSS and of Pss over a process and its descendants, in MB, and their CPU seconds so
 * far (for the root also those of its children that have ended: cutime/cstime).
 */
function treeUsage(pid) {
  let rss = 0;
  let pss = 0;
  let cpu = 0;
  const visit = (p, isRoot) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      cpu += (Number(stat[11]) + Number(stat[12]) + (isRoot ? Number(stat[13]) + Number(stat[14]) : 0)) / TICKS_PER_SECOND;
      rss += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) / 1024;
      pss += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'))?.[1] ?? 0) / 1024;
      for (const task of readdirSync(`/proc/${p}/task`)) {
        for (const child of readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) visit(child, false);
      }
    } catch {
      /* the process ended between two reads */
    }
  };
  visit(pid, true);
  return { rss, pss, cpu };
}

function runBatch(itemsFile, outDir, concurrency) {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [bin, 'batch', TEMPLATE, itemsFile, '-o', outDir, '-c', String(concurrency)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const peak = { rss: 0, pss: 0, cpu: 0 };
    const sampler = setInterval(() => {
      const { rss, pss, cpu } = treeUsage(child.pid);
      peak.rss = Math.max(peak.rss, rss);
      peak.pss = Math.max(peak.pss, pss);
      // The last sample, ≤ 100 ms before the end, stands for the whole run.
      peak.cpu = Math.max(peak.cpu, cpu);
    }, 100);
    child.on('exit', (code) => {
      clearInterval(sampler);
      const wallMs = performance.now() - started;
      if (code !== 0) reject(new Error(`pdf-export batch -c ${concurrency} exited ${code}:\n${output}`));
      else resolvePromise({ wallMs, peak });
    });
  });
}

const work = mkdtempSync(join(tmpdir(), 'pdf-bench-batch-'));
const results = { template: TEMPLATE, count, cpus: cpus().length, runs: [] };
try {
  const itemsFile = join(work, 'items.jsonl');
  writeItems(itemsFile, count, args.seed);
  const warmFile = join(work, 'warm.jsonl');
  writeItems(warmFile, 2, 1);
  await runBatch(warmFile, join(work, 'warm'), 1);

  for (const concurrency of levels) {
    const outDir = join(work, `c${concurrency}`);
    const { wallMs, peak } = await runBatch(itemsFile, outDir, concurrency);
    const manifest = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8'));
    if (manifest.succeeded !== count) throw new Error(`-c ${concurrency}: ${manifest.failed} of ${count} items failed`);
    const batchMs = Date.parse(manifest.finishedAt) - Date.parse(manifest.startedAt);
    const ms = manifest.items.map((item) => item.ms);
    const pages = manifest.items.reduce((sum, item) => sum + item.pages, 0) / count;
    results.runs.push({
      concurrency,
      docsPerSecond: count / (batchMs / 1000),
      processDocsPerSecond: count / (wallMs / 1000),
      batchMs,
      wallMs,
      medianMs: percentile(ms, 50),
      p95Ms: percentile(ms, 95),
      pagesPerDoc: pages,
      peakRssMb: peak.rss,
      peakPssMb: peak.pss,
      cpuSecondsPerDoc: peak.cpu / count,
    });
    rmSync(outDir, { recursive: true, force: true });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const at = (c) => results.runs.find((r) => r.concurrency === c);
console.log(`bench:batch: ${count} synthetic ${TEMPLATE === 'county-annual-report' ? 'counties' : 'reports'}, template ${TEMPLATE}, ${results.cpus} CPUs, ${new Date().toISOString()}`);
console.log('  -c   docs/s   process docs/s   per-doc median / p95   pages/doc   CPU s/doc   peak RSS (PSS)');
for (const r of results.runs) {
  console.log(
    `  ${String(r.concurrency).padEnd(4)} ${r.docsPerSecond.toFixed(2).padStart(6)}   ${r.processDocsPerSecond.toFixed(2).padStart(14)}   ` +
      `${`${r.medianMs.toFixed(0)} / ${r.p95Ms.toFixed(0)} ms`.padStart(20)}   ${r.pagesPerDoc.toFixed(1).padStart(9)}   ` +
      `${r.cpuSecondsPerDoc.toFixed(2).padStart(9)}   ${r.peakRssMb.toFixed(0)} MB (${r.peakPssMb.toFixed(0)} MB)`,
  );
}
const cpuPerDoc = Math.min(...results.runs.map((r) => r.cpuSecondsPerDoc));
console.log(`  ceiling on this machine: ${results.cpus} CPUs ÷ ${cpuPerDoc.toFixed(2)} CPU s/doc = ${(results.cpus / cpuPerDoc).toFixed(1)} docs/s`);
const loadAverage = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`  load average at the end: ${loadAverage} (other work on the machine lowers docs/s, not CPU s/doc)`);
const targets = [];
if (at(2)) {
  targets.push(['docs/s at -c 2', at(2).docsPerSecond.toFixed(2), at(2).docsPerSecond >= 8, '≥ 8']);
  targets.push(['peak RSS at -c 2', `${at(2).peakRssMb.toFixed(0)} MB`, at(2).peakRssMb <= 700, '≤ 700 MB']);
}
if (at(1) && at(2)) {
  const speedup = at(2).docsPerSecond / at(1).docsPerSecond;
  results.speedup2over1 = speedup;
  targets.push(['-c 2 ÷ -c 1 throughput', `${speedup.toFixed(2)}×`, speedup >= 1.5, '≥ 1.5×']);
}
for (const [name, value, ok, target] of targets) console.log(`  ${name.padEnd(26)} ${value.padEnd(10)} ${ok ? 'ok  ' : 'MISS'} ${target}`);
if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 2));
process.exitCode = targets.some(([, , ok]) => !ok) ? 1 : 0;
