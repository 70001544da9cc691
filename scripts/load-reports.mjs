#!/usr/bin/env node
// npm run load:reports: the HTTP API under load, every figure measured in this run (issue #13).
//
// Starts `pdf-export serve` (the compiled dist/, as a user runs it: `npm run build` first) as a
// child on 127.0.0.1 with a free port, an embedded S3 in a temporary folder, this process's
// environment plus every --env NAME=VALUE, then:
//
//   warm-up       one POST /reports, not counted (unpacks and launches Chromium)
//   load          --count distinct POST /reports (the template's sample, each with its own year and
//                 GDP, so no two share a stored PDF) from --concurrency clients at once
//
// and prints the answers by status and error code, requests/s over the load, latency median / p95 /
// max, the most renders /health saw running and waiting, and the peak resident memory of the
// server's process tree (node and Chromium, summed from /proc every 100 ms, as bench:batch does).
// Exits 1 when an answer was neither 201 nor 503 or the peak went over --max-rss-mb.
//
// Usage: npm run load:reports [-- --count 200 --concurrency 64 --env MAX_CONCURRENT_RENDERS=16
//                              --env MAX_QUEUED_RENDERS=1000 --max-rss-mb 1024 --json out.json]
// (or set the variables in the environment: MAX_CONCURRENT_RENDERS=16 npm run load:reports)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'pdf-export.js');

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '64' },
    template: { type: 'string', default: 'county-annual-report' },
    sample: { type: 'string', default: 'chengwan' },
    env: { type: 'string', multiple: true, default: [] },
    'max-rss-mb': { type: 'string', default: '1024' },
    json: { type: 'string' },
  },
});
const count = Number(args.count);
const concurrency = Number(args.concurrency);
const maxRssMb = Number(args['max-rss-mb']);
const extraEnv = Object.fromEntries(
  args.env.map((pair) => {
    const at = pair.indexOf('=');
    if (at < 1) {
      console.error(`load-reports: --env wants NAME=VALUE, got "${pair}".`);
      process.exit(2);
    }
    return [pair.slice(0, at), pair.slice(at + 1)];
  }),
);

if (!existsSync(join(root, 'dist', 'lambda', 'src', 'entrypoints', 'cli.js'))) {
  console.error('load-reports: dist/ has no serve command; run `npm run build` first.');
  process.exit(2);
}

const sample = JSON.parse(readFileSync(join(root, 'templates', args.template, 'samples', `${args.sample}.json`), 'utf8'));
/** The sample with its own year and GDP: distinct data, so every request renders. */
function dataFor(index) {
  const data = structuredClone(sample);
  data.year = 2000 + (index % 101);
  if (data.economy && typeof data.economy.gdp === 'number') data.economy.gdp = Math.round(data.economy.gdp * 100 + index + 1) / 100;
  return data;
}

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

/** Sum of VmRSS over a process and its descendants, in MB. */
function treeRssMb(pid) {
  let rss = 0;
  const visit = (p) => {
    try {
      rss += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) / 1024;
      for (const task of readdirSync(`/proc/${p}/task`)) {
        for (const child of readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) visit(child);
      }
    } catch {
      /* the process ended between two reads */
    }
  };
  visit(pid);
  return rss;
}

/** Starts the server; resolves with its URL once it says where it serves. */
function startServer(env) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const logs = { lines: 0, errors: 0, firstError: undefined };
    let pending = '';
    let started = false;
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        if (!started) {
          output += `${line}\n`;
          const url = /serving (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
          if (url) {
            started = true;
            resolvePromise({ child, url, logs });
          }
          continue;
        }
        // Powertools' JSON log lines: counted, the first error kept for the report.
        logs.lines++;
        if (/"level":"(ERROR|CRITICAL)"/.test(line)) {
          logs.errors++;
          logs.firstError ??= line.slice(0, 400);
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code, signal) => {
      if (!started) reject(new Error(`pdf-export serve exited (${code ?? signal}) before serving:\n${output}`));
    });
  });
}

async function postReport(url, data) {
  const started = performance.now();
  try {
    const response = await fetch(`${url}/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ template: args.template, data }),
    });
    const body = await response.json().catch(() => undefined);
    return { status: response.status, code: body?.error?.code, ms: performance.now() - started };
  } catch (error) {
    return { status: 'network', code: error.cause?.code ?? error.message, ms: performance.now() - started };
  }
}

const work = mkdtempSync(join(tmpdir(), 'pdf-load-reports-'));
const env = { ...process.env, ...extraEnv, PORT: '0', LOCAL_S3_PORT: '0', LOCAL_S3_DIR: join(work, 's3'), PLAYGROUND_DIR: join(work, 'playground') };
const shown = ['MAX_CONCURRENT_RENDERS', 'MAX_QUEUED_RENDERS', 'RENDER_TIMEOUT_MS', 'RETRY_AFTER_SECONDS'].map((name) => `${name}=${env[name] ?? '(default)'}`);
let server;
const results = { count, concurrency, cpus: cpus().length, env: shown, answers: {} };
try {
  server = await startServer(env);
  const { child, url } = server;
  const warm = await postReport(url, dataFor(count + 1000));
  results.warmUp = { status: warm.status, code: warm.code, ms: Math.round(warm.ms) };

  let peakRss = treeRssMb(child.pid);
  const rssSampler = setInterval(() => (peakRss = Math.max(peakRss, treeRssMb(child.pid))), 100);
  const renders = { active: 0, queued: 0 };
  let polling = true;
  const healthPoller = (async () => {
    while (polling) {
      try {
        const health = await (await fetch(`${url}/health`)).json();
        renders.active = Math.max(renders.active, health.renders?.active ?? 0);
        renders.queued = Math.max(renders.queued, health.renders?.queued ?? 0);
      } catch {
        /* a busy or stopping server; the next poll tries again */
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();

  const answers = [];
  let next = 0;
  const started = performance.now();
  const client = async () => {
    for (let index = next++; index < count; index = next++) answers.push(await postReport(url, dataFor(index)));
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  const wallMs = performance.now() - started;
  polling = false;
  await healthPoller;
  clearInterval(rssSampler);
  peakRss = Math.max(peakRss, treeRssMb(child.pid));

  for (const { status, code } of answers) {
    const key = code ? `${status} ${code}` : String(status);
    results.answers[key] = (results.answers[key] ?? 0) + 1;
  }
  const ms = answers.map((a) => a.ms);
  Object.assign(results, {
    wallMs: Math.round(wallMs),
    requestsPerSecond: count / (wallMs / 1000),
    createdPerSecond: answers.filter((a) => a.status === 201).length / (wallMs / 1000),
    medianMs: Math.round(percentile(ms, 50)),
    p95Ms: Math.round(percentile(ms, 95)),
    maxMs: Math.round(Math.max(...ms)),
    peakRssMb: Math.round(peakRss),
    mostRendering: renders.active,
    mostWaiting: renders.queued,
    serverLogLines: server.logs.lines,
    serverErrorLines: server.logs.errors,
    firstServerError: server.logs.firstError,
  });
} finally {
  if (server) {
    const exited = new Promise((r) => server.child.once('exit', r));
    server.child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  }
  rmSync(work, { recursive: true, force: true });
}

const onlyCreatedOrBusy = Object.keys(results.answers).every((key) => key === '201' || key.startsWith('503 '));
console.log(`load:reports: ${count} distinct POST /reports (${args.template}, sample ${args.sample}) at concurrency ${concurrency}, ${results.cpus} CPUs, ${new Date().toISOString()}`);
console.log(`  server env:   ${shown.join(' ')}`);
console.log(`  warm-up:      ${results.warmUp.status}${results.warmUp.code ? ` ${results.warmUp.code}` : ''} in ${results.warmUp.ms} ms (not counted)`);
console.log(`  answers:      ${Object.entries(results.answers).sort().map(([key, n]) => `${n}× ${key}`).join(', ')}`);
console.log(`  throughput:   ${results.requestsPerSecond.toFixed(2)} requests/s (${results.createdPerSecond.toFixed(2)} created/s) over ${(results.wallMs / 1000).toFixed(1)} s`);
console.log(`  latency:      median ${results.medianMs} ms, p95 ${results.p95Ms} ms, max ${results.maxMs} ms`);
console.log(`  renders:      at most ${results.mostRendering} running and ${results.mostWaiting} waiting (GET /health every 250 ms)`);
console.log(`  peak RSS:     ${results.peakRssMb} MB (server node + Chromium)`);
console.log(`  server log:   ${results.serverLogLines} lines, ${results.serverErrorLines} errors${results.firstServerError ? `; first: ${results.firstServerError}` : ''}`);
const loadAverage = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`  load average at the end: ${loadAverage} (other work on the machine lowers requests/s)`);
const targets = [
  ['only 201 or 503', onlyCreatedOrBusy ? 'yes' : 'no', onlyCreatedOrBusy],
  ['peak RSS', `${results.peakRssMb} MB`, results.peakRssMb < maxRssMb, `< ${maxRssMb} MB`],
];
for (const [name, value, ok, target = ''] of targets) console.log(`  ${name.padEnd(16)} ${value.padEnd(10)} ${ok ? 'ok  ' : 'MISS'} ${target}`);
if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 2));
process.exitCode = targets.every(([, , ok]) => ok) ? 0 : 1;
