/**
 * What `cdk deploy` ships, run the way Lambda runs it: the stack is synthesized, and each function's
 * bundled asset from the cloud assembly runs in a Lambda-like sandbox (test/lambda/helpers/
 * lambdaSandbox.ts, docs/lambda-sandbox.md): its layer at /opt and its asset at /var/task read-only,
 * a fresh /tmp of its ephemeral size, uid 993, no HOME, no /dev/shm, Node 22, the template's
 * environment plus Lambda's own variables, invoked through the Lambda Runtime API. S3 is s3rver
 * behind its SigV4 gate and Step Functions a fake endpoint, both on 127.0.0.1.
 *
 * Needs root and util-linux's unshare (CI has both); anywhere else every test fails with the reason.
 * `npm run test:lambda` runs this file alone.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchManifest } from '../../lambda/src/batch/BatchManifest';
import type { BatchGroupResult } from '../../lambda/src/batch/renderBatchGroup';
import { CONFIG_TABLE } from '../../lambda/src/config/configTable';
import { manifestKey, resultsPrefix, zipKey } from '../../lambda/src/core/storageLayout';
import { gatewayEvent } from '../helpers/apiGatewayEvent';
import { projectTemplates } from '../helpers/app';
import { compact, pdfFonts, pdfText } from '../helpers/pdfTools';
import { generateCounties, type SyntheticCounty } from '../helpers/syntheticCounties';
import { LambdaSandbox, LAMBDA_UID, type InvokeResult } from './helpers/lambdaSandbox';
import { SANDBOX_BUCKET, SANDBOX_REGION, startSandboxedService, type SandboxedService } from './helpers/sandboxedService';
import { readZip } from '../helpers/readZip';

const TEMPLATE = 'county-annual-report';
type Item = SyntheticCounty<Record<string, any>>;

let service: SandboxedService;
const suiteStarted = Date.now();
const figures: string[] = [];
let cases = 0;
let passed = 0;

beforeAll(async () => {
  service = await startSandboxedService({ log: (line) => process.stderr.write(`${line}\n`), echo: process.env.LAMBDA_SANDBOX_ECHO === '1' });
  figures.push(`synth ${(service.synth.synthMs / 1000).toFixed(1)} s`);
}, 300_000);

afterAll(async () => {
  await service?.close();
  const elapsed = ((Date.now() - suiteStarted) / 1000).toFixed(1);
  process.stderr.write(`lambda sandbox: ${passed}/${cases} cases passed in ${elapsed} s (${figures.join(', ')})\n`);
}, 60_000);

/** `it` that counts cases for the summary line. */
function sandboxCase(name: string, fn: () => Promise<void>, timeout = 60_000): void {
  cases++;
  it(
    name,
    async () => {
      await fn();
      passed++;
    },
    timeout,
  );
}

function ok(result: InvokeResult): any {
  if (!result.ok) throw new Error(`the invocation failed: ${result.error.errorType}: ${result.error.errorMessage}\n${result.logs.join('\n')}`);
  return result.payload;
}

/** API Gateway HTTP API event on the `$default` stage, as the stack's API sends it. */
function apiEvent(method: string, target: string, body?: unknown, options: { contentType?: string; base64?: boolean } = {}): ReturnType<typeof gatewayEvent> {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return gatewayEvent({
    method,
    target,
    stage: '$default',
    requestId: `req-${Math.random().toString(16).slice(2, 10)}`,
    contentType: text === undefined ? undefined : (options.contentType ?? 'application/json'),
    body: text === undefined ? undefined : options.base64 ? Buffer.from(text, 'utf8').toString('base64') : text,
    isBase64Encoded: options.base64,
  });
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** Distinct counties (ids unique), so every render really prints. */
const counties: Item[] = generateCounties<Item['data']>(40, 14);
let nextCounty = 0;
const takeCounties = (n: number): Item[] => {
  const taken = counties.slice(nextCounty, nextCounty + n);
  nextCounty += n;
  if (taken.length < n) throw new Error('generate more counties');
  return taken;
};

describe('the sandbox itself', () => {
  sandboxCase('runs a function as Lambda does: uid 993, read-only /var/task and /opt, /tmp of the ephemeral size, no HOME, no /dev/shm, Node 22', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lambda-probe-'));
    chmodSync(dir, 0o755);
    writeFileSync(
      join(dir, 'index.js'),
      `const fs = require('node:fs');
       const os = require('node:os');
       const writable = (path) => { try { fs.writeFileSync(path, 'x'); fs.unlinkSync(path); return true; } catch (e) { return e.code; } };
       exports.handler = async (event, context) => {
         const status = fs.readFileSync('/proc/self/status', 'utf8');
         const tmp = fs.statfsSync('/tmp');
         return {
           uid: process.getuid(), gid: process.getgid(), groups: process.getgroups(), user: os.userInfo().username,
           home: process.env.HOME ?? null, cwd: process.cwd(), node: process.version,
           devShm: fs.existsSync('/dev/shm'), hostRepo: fs.existsSync(event.hostPath),
           capEff: /CapEff:\\s+(\\w+)/.exec(status)[1], noNewPrivs: /NoNewPrivs:\\s+(\\d)/.exec(status)[1],
           writable: { task: writable('/var/task/x'), opt: writable('/opt/x'), root: writable('/x'), tmp: writable('/tmp/x'), etc: writable('/etc/x') },
           tmpMb: Math.round(tmp.blocks * tmp.bsize / 1048576),
           chromium: require.resolve('@sparticuz/chromium'),
           env: Object.fromEntries(['AWS_EXECUTION_ENV', 'LAMBDA_TASK_ROOT', 'TZ', 'NODE_OPTIONS', 'AWS_REGION', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'FONTCONFIG_FILE', 'REPORTS_BUCKET', 'S3_ENDPOINT'].map((n) => [n, process.env[n] ?? null])),
           remainingMs: context.getRemainingTimeInMillis(), functionName: context.functionName, requestId: context.awsRequestId,
         };
       };
       `,
    );
    const http = service.synth.functions.HttpRender;
    const probe = new LambdaSandbox({
      fn: { ...http, assetDir: dir },
      environment: service.environmentOf('HttpRender'),
      credentials: service.s3.credentials,
      region: SANDBOX_REGION,
      nodeDir: service.node.dir,
    });
    try {
      const result = await probe.invoke({ hostPath: join(__dirname, 'sandbox.test.ts') });
      const got = ok(result);
      expect(got).toMatchObject({
        uid: LAMBDA_UID,
        groups: [got.gid],
        user: 'sbx_user1051',
        home: null,
        cwd: '/var/task',
        devShm: false,
        hostRepo: false,
        capEff: '0000000000000000',
        noNewPrivs: '1',
        writable: { task: 'EROFS', opt: 'EROFS', root: 'EROFS', tmp: true, etc: 'EROFS' },
        tmpMb: http.ephemeralMb,
        chromium: '/opt/nodejs/node_modules/@sparticuz/chromium/build/cjs/index.cjs',
        env: {
          AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
          LAMBDA_TASK_ROOT: '/var/task',
          TZ: ':UTC',
          AWS_REGION: SANDBOX_REGION,
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(http.memoryMb),
          FONTCONFIG_FILE: '/opt/fonts/fonts.conf',
          REPORTS_BUCKET: SANDBOX_BUCKET,
          S3_ENDPOINT: service.s3.endpoint,
        },
        functionName: 'HttpRender',
        requestId: result.requestId,
      });
      expect(got.node).toMatch(/^v22\./);
      expect(got.env.NODE_OPTIONS).toBe(http.environment.NODE_OPTIONS ?? null);
      expect(got.remainingMs).toBeGreaterThan(http.timeoutSeconds * 1000 - 2_000);
      expect(got.remainingMs).toBeLessThanOrEqual(http.timeoutSeconds * 1000);
    } finally {
      await probe.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('HttpRender (API Gateway → POST /reports, GET …)', () => {
  let http: LambdaSandbox;
  let reportId: string;
  let tmpBaseline = 0;
  /** Serif subsets in the cold POST's PDF, whose text is all GB 2312. */
  let serifSubsetsCold = 0;
  beforeAll(() => {
    http = service.sandbox('HttpRender');
  });
  afterAll(() => http?.close());

  sandboxCase('POST /reports on a cold container: 201, and the signed link serves a PDF with CID TrueType fonts and extractable Chinese text', async () => {
    const data = projectTemplates().get(TEMPLATE).sampleData.qinglan as Record<string, any>;
    const result = await http.invoke(apiEvent('POST', '/reports', { template: TEMPLATE, data }));
    const response = ok(result);
    expect(result.cold).toBe(true);
    figures.push(`HttpRender cold POST ${seconds(result.totalMs - (result.setupMs ?? 0))} + sandbox setup ${seconds(result.setupMs ?? 0)}`);
    expect(response.statusCode).toBe(201);
    const body = JSON.parse(response.body as string) as { id: string; url: string; pages: number };
    reportId = body.id;
    expect(body.pages).toBeGreaterThan(5);
    const download = await fetch(body.url);
    expect(download.status).toBe(200);
    const pdf = Buffer.from(await download.arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const fonts = pdfFonts(pdf);
    expect(fonts.length).toBeGreaterThan(0);
    expect(fonts.filter((f) => !f.embedded || f.type !== 'CID TrueType')).toEqual([]);
    expect(fonts.some((f) => /NotoSerifSC|NotoSansSC|LXGWWenKai/.test(f.name))).toBe(true);
    const text = compact(pdfText(pdf));
    expect(text).toContain(compact(data.county.name as string));
    expect(text).toContain(compact(data.county.province as string));
    // The layer's uncompressed layout: Chromium ran from /opt (nothing unpacked), the core fonts
    // were unpacked into /tmp, the Extended ones not (this report is all GB 2312), and fontconfig
    // read the layer's prebuilt cache instead of scanning (it writes a cache only when it scanned).
    const tmp = `/proc/${http.pid}/root/tmp`;
    expect(existsSync(`${tmp}/chromium`)).toBe(false);
    expect(readdirSync(`${tmp}/pdf-export-fonts`).filter((name) => name.endsWith('.ttf'))).toHaveLength(5);
    expect(readdirSync(`${tmp}/pdf-export-fonts-extended`)).toEqual([]);
    expect(existsSync(`${tmp}/fontconfig-cache`) ? readdirSync(`${tmp}/fontconfig-cache`).filter((name) => name.includes('.cache-')) : []).toEqual([]);
    serifSubsetsCold = fonts.filter((f) => f.name.includes('NotoSerifSC')).length;
    tmpBaseline = http.tmpUsage().usedBytes;
    figures.push(`/tmp after cold start ${Math.round(tmpBaseline / 1048576)} MB`);
  });

  sandboxCase('GET /reports/{id}, /templates and /health on the same warm container', async () => {
    const report = ok(await http.invoke(apiEvent('GET', `/reports/${reportId}`)));
    expect(report.statusCode).toBe(200);
    expect(JSON.parse(report.body as string)).toMatchObject({ id: reportId, url: expect.stringContaining(SANDBOX_BUCKET) });
    const templates = ok(await http.invoke(apiEvent('GET', '/templates')));
    expect(templates.statusCode).toBe(200);
    expect((JSON.parse(templates.body as string) as { templates: { id: string }[] }).templates.map((t) => t.id)).toContain(TEMPLATE);
    const health = ok(await http.invoke(apiEvent('GET', '/health')));
    expect(health.statusCode).toBe(200);
    expect(http.coldStarts).toBe(1);
  });

  sandboxCase('POST /reports with a base64-encoded body (as API Gateway passes binary media types)', async () => {
    const [county] = takeCounties(1);
    const result = await http.invoke(apiEvent('POST', '/reports', { template: TEMPLATE, data: county.data }, { base64: true }));
    const response = ok(result);
    expect(response.statusCode).toBe(201);
    expect(result.cold).toBe(false);
    figures.push(`HttpRender warm POST ${seconds(result.totalMs)}`);
    const pdf = Buffer.from(await (await fetch((JSON.parse(response.body as string) as { url: string }).url)).arrayBuffer());
    expect(compact(pdfText(pdf))).toContain(compact(county.data.county.name as string));
  });

  sandboxCase('a county name outside GB 2312 unpacks the Extended fonts first and prints in them', async () => {
    const [county] = takeCounties(1);
    const data = { ...county.data, county: { ...(county.data.county as object), name: '浉河县' } };
    const result = await http.invoke(apiEvent('POST', '/reports', { template: TEMPLATE, data }));
    expect(ok(result).statusCode).toBe(201);
    figures.push(`HttpRender first POST needing the Extended fonts ${seconds(result.totalMs)}`);
    expect(readdirSync(`/proc/${http.pid}/root/tmp/pdf-export-fonts-extended`).filter((name) => name.endsWith('-Extended.ttf'))).toHaveLength(5);
    const pdf = Buffer.from(await (await fetch((JSON.parse(ok(result).body as string) as { url: string }).url)).arrayBuffer());
    expect(compact(pdfText(pdf))).toContain('浉河县');
    // 浉 came from the Extended files: more serif subsets than the all-GB 2312 report, all embedded CID TrueType.
    const fonts = pdfFonts(pdf);
    expect(fonts.filter((f) => f.name.includes('NotoSerifSC')).length).toBeGreaterThan(serifSubsetsCold);
    expect(fonts.filter((f) => !f.embedded || f.type !== 'CID TrueType')).toEqual([]);
    expect(http.coldStarts).toBe(1);
    // From here on /tmp holds the Extended fonts too.
    tmpBaseline = http.tmpUsage().usedBytes;
  });

  sandboxCase('answers 422 for bad data, 400 for bad JSON, 404 for an unknown route or template', async () => {
    const data = structuredClone(projectTemplates().get(TEMPLATE).sampleData.qinglan) as Record<string, any>;
    data.year = 'last year';
    const cases: [ReturnType<typeof apiEvent>, number, string][] = [
      [apiEvent('POST', '/reports', { template: TEMPLATE, data }), 422, 'VALIDATION_FAILED'],
      [apiEvent('POST', '/reports', '{"template": "county-annual-report", "data": {'), 400, 'INVALID_REQUEST'],
      [apiEvent('POST', '/reports', '{"template": "county-annual-report", "data": {', { base64: true }), 400, 'INVALID_REQUEST'],
      [apiEvent('GET', '/no-such-route'), 404, 'NOT_FOUND'],
      [apiEvent('POST', '/reports', { template: 'no-such-template', data: {} }), 404, 'TEMPLATE_NOT_FOUND'],
    ];
    for (const [event, status, code] of cases) {
      const response = ok(await http.invoke(event));
      expect({ path: event.rawPath, status: response.statusCode, code: (JSON.parse(response.body as string) as { error: { code: string } }).error.code }).toEqual({
        path: event.rawPath,
        status,
        code,
      });
    }
    expect(http.coldStarts).toBe(1);
    // Renders leave nothing behind in /tmp: a warm container does not fill up.
    expect(http.tmpUsage().usedBytes - tmpBaseline).toBeLessThan(16 * 1048576);
    const memory = http.memory();
    figures.push(`HttpRender RSS ${Math.round(memory.rssBytes / 1048576)} MB (peak ${Math.round(memory.peakBytes / 1048576)} MB)`);
  });
});

describe('batch: POST /batches → groups (BatchRender) → finalize → GET /batches/{id}', () => {
  let api: LambdaSandbox;
  let render: LambdaSandbox;
  let finalize: LambdaSandbox;
  let batchId: string;
  let input: { batchId: string; template: string; itemsKey: string; format: string; zip: boolean };
  let items: Item[];
  const results: BatchGroupResult[] = [];
  const groups: { Items: unknown[]; BatchInput: { template: string; batchId: string } }[] = [];

  beforeAll(() => {
    api = service.sandbox('BatchApi');
    render = service.sandbox('BatchRender');
    finalize = service.sandbox('BatchFinalize');
    const [a, b, c, d] = takeCounties(4);
    const invalid = structuredClone(c);
    invalid.data.economy.gdp = -1;
    items = [a, b, invalid, d];
  });
  afterAll(async () => {
    await Promise.all([api?.close(), render?.close(), finalize?.close()]);
  });

  sandboxCase('POST /batches stores the items file and starts the execution (fake Step Functions, SigV4-signed)', async () => {
    const result = await api.invoke(apiEvent('POST', '/batches', { template: TEMPLATE, items }));
    const response = ok(result);
    figures.push(`BatchApi cold POST ${seconds(result.totalMs)}`);
    expect(response.statusCode).toBe(202);
    const started = JSON.parse(response.body as string) as { batchId: string; total: number; status: string };
    expect(started).toMatchObject({ template: TEMPLATE, status: 'running', total: 4 });
    batchId = started.batchId;
    const start = service.sfn.calls.find((call) => call.target === 'AWSStepFunctions.StartExecution');
    expect(start?.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${service.s3.credentials.accessKeyId}/\\d{8}/${SANDBOX_REGION}/states/aws4_request, `));
    const execution = service.sfn.execution(batchId)!;
    expect(execution.stateMachineArn).toBe(service.stateMachineArn);
    input = JSON.parse(execution.input) as typeof input;
    expect(input).toEqual({ batchId, template: TEMPLATE, itemsKey: `batches/${TEMPLATE}/${batchId}/input/items.jsonl`, format: 'jsonl', zip: true });
    const file = (await service.getObject(input.itemsKey)).toString('utf8');
    expect(file.trim().split('\n').map((line) => (JSON.parse(line) as { id: string }).id)).toEqual(items.map((i) => i.id));
  });

  sandboxCase('renders groups as the ItemBatcher sends them: ok items, and a failed one with its reason', async () => {
    const records = (await service.getObject(input.itemsKey)).toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as unknown);
    groups.push({ Items: records.slice(0, 2), BatchInput: { template: TEMPLATE, batchId } }, { Items: records.slice(2), BatchInput: { template: TEMPLATE, batchId } });
    const first = await render.invoke(groups[0]);
    results.push(ok(first) as BatchGroupResult);
    figures.push(`BatchRender cold group of 2 ${seconds(first.totalMs)}`);
    results.push(ok(await render.invoke(groups[1])) as BatchGroupResult);
    expect(results[0]).toMatchObject({ batchId, template: TEMPLATE, total: 2, succeeded: 2, failed: 0, skipped: 0, notDone: 0 });
    expect(results[1]).toMatchObject({ total: 2, succeeded: 1, failed: 1, notDone: 0 });
    expect(results[1].items.map((i) => [i.id, i.status, i.error?.code ?? null])).toEqual([
      [items[2].id, 'failed', 'VALIDATION_FAILED'],
      [items[3].id, 'ok', null],
    ]);
    expect(results[1].items[0].error?.details).toEqual([{ path: '/economy/gdp', message: expect.any(String) }]);
    for (const item of [...results[0].items, results[1].items[1]]) {
      expect(item.key).toMatch(new RegExp(`^batches/${TEMPLATE}/${batchId}/[0-9a-f]{32}\\.pdf$`));
      expect(sha256(await service.getObject(item.key!))).toBe(item.sha256);
    }
    expect(render.coldStarts).toBe(1);
  });

  sandboxCase('a retried group skips what it already stored', async () => {
    const retried = ok(await render.invoke(groups[0])) as BatchGroupResult;
    expect(retried).toMatchObject({ total: 2, succeeded: 0, skipped: 2, failed: 0 });
    expect(retried.items.map((i) => [i.status, i.key, i.sha256])).toEqual(results[0].items.map((i) => ['skipped', i.key, i.sha256]));
  });

  sandboxCase('leaves items not_done when the remaining time nears the deadline', async () => {
    const env = service.environmentOf('BatchRender');
    const needMs =
      Number(env.RENDER_TIMEOUT_MS ?? CONFIG_TABLE.RENDER_TIMEOUT_MS.default) + Number(env.BATCH_RESERVE_MS ?? CONFIG_TABLE.BATCH_RESERVE_MS.default);
    const late = takeCounties(24);
    // Time for the first item to start, not for all 24 (each render takes well over 50 ms).
    const result = ok(await render.invoke({ Items: late, BatchInput: { template: TEMPLATE, batchId: `${batchId}-late` } }, { remainingMs: needMs + 1200 })) as BatchGroupResult;
    const statuses = result.items.map((i) => i.status).join(' ');
    expect(statuses).toMatch(/^ok( ok)*( not_done)+$/);
    expect(result.notDone).toBe(result.items.filter((i) => i.status === 'not_done').length);
    expect(result.succeeded + result.notDone).toBe(24);
    figures.push(`deadline group ${result.succeeded} ok / ${result.notDone} not_done`);
  });

  sandboxCase('finalize writes manifest.json and reports.zip from the ResultWriter output; GET /batches/{id} links to them', async () => {
    // What the Distributed Map's ResultWriter leaves (lambda/src/batch/resultWriterOutput.ts).
    const prefix = resultsPrefix({ template: TEMPLATE, batchId });
    const mapRunArn = `${service.stateMachineArn.replace(':stateMachine:', ':mapRun:')}/RenderJsonl:${batchId}`;
    const children = groups.map((group, i) => ({
      ExecutionArn: `${mapRunArn}:${i}`,
      Name: String(i),
      Status: 'SUCCEEDED',
      StartDate: new Date().toISOString(),
      StopDate: new Date().toISOString(),
      Input: JSON.stringify(group),
      InputDetails: { Included: true },
      Output: JSON.stringify(results[i]),
      OutputDetails: { Included: true },
    }));
    await service.putObject(`${prefix}/run-1/SUCCEEDED_0.json`, JSON.stringify(children));
    const rwManifest = { DestinationBucket: SANDBOX_BUCKET, MapRunArn: mapRunArn, ResultFiles: { FAILED: [], PENDING: [], SUCCEEDED: [{ Key: `${prefix}/run-1/SUCCEEDED_0.json`, Size: 1 }] } };
    await service.putObject(`${prefix}/run-1/manifest.json`, JSON.stringify(rwManifest));
    const state = {
      ...input,
      execution: { startedAt: new Date(Date.now() - 60_000).toISOString(), resultsPrefix: prefix },
      map: { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: SANDBOX_BUCKET, Key: `${prefix}/run-1/manifest.json` } },
    };
    const result = await finalize.invoke(state);
    figures.push(`BatchFinalize cold ${seconds(result.totalMs)}`);
    const batch = { template: TEMPLATE, batchId };
    expect(ok(result)).toEqual({ bucket: SANDBOX_BUCKET, manifestKey: manifestKey(batch), zipKey: zipKey(batch), total: 4, succeeded: 3, failed: 1, skipped: 0 });

    const manifest = JSON.parse((await service.getObject(manifestKey(batch))).toString('utf8')) as BatchManifest;
    expect(manifest).toMatchObject({ batchId, template: TEMPLATE, total: 4, succeeded: 3, failed: 1, zip: zipKey(batch) });
    expect(manifest.items.map((i) => [i.id, i.status, i.error?.code ?? null])).toEqual([
      [items[0].id, 'ok', null],
      [items[1].id, 'ok', null],
      [items[2].id, 'failed', 'VALIDATION_FAILED'],
      [items[3].id, 'ok', null],
    ]);
    const entries = readZip(await service.getObject(zipKey(batch)));
    expect(entries.map((e) => e.name)).toEqual([`${items[0].id}.pdf`, `${items[1].id}.pdf`, `${items[3].id}.pdf`, 'manifest.json']);
    for (const entry of entries.slice(0, 3)) expect(sha256(entry.data)).toBe(manifest.items.find((i) => i.file === entry.name)!.sha256);

    const execution = service.sfn.execution(batchId)!;
    execution.status = 'SUCCEEDED';
    execution.stopDate = Date.now() / 1000;
    const status = ok(await api.invoke(apiEvent('GET', `/batches/${batchId}`)));
    expect(status.statusCode).toBe(200);
    const answer = JSON.parse(status.body as string) as { status: string; manifest: { url: string }; zip: { url: string } };
    expect(answer).toMatchObject({ batchId, status: 'succeeded', total: 4, succeeded: 3, failed: 1 });
    const zip = await fetch(answer.zip.url);
    expect(zip.status).toBe(200);
    expect(readZip(Buffer.from(await zip.arrayBuffer())).map((e) => e.name)).toContain('manifest.json');
  });
});

describe('cold starts, a full /tmp, and the error names Step Functions retries on', () => {
  const group = (ids: Item[], batchId: string): { Items: Item[]; BatchInput: { template: string; batchId: string } } => ({ Items: ids, BatchInput: { template: TEMPLATE, batchId } });

  sandboxCase('a cold start with a 512 MB /tmp renders', async () => {
    const box = service.sandbox('HttpRender', { tmpMb: 512 });
    try {
      const [county] = takeCounties(1);
      const result = await box.invoke(apiEvent('POST', '/reports', { template: TEMPLATE, data: county.data }));
      expect(ok(result).statusCode).toBe(201);
      expect(box.tmpUsage().sizeBytes).toBe(512 * 1048576);
      figures.push(`cold POST on 512 MB /tmp ${seconds(result.totalMs)}`);
    } finally {
      await box.close();
    }
  });

  sandboxCase('recovers from ENOSPC during the font unpack: the failure names the cause, the next invocation succeeds', async () => {
    const fn = service.synth.functions.BatchRender;
    // Only 8 MB of /tmp left: the core fonts (16 MB unpacked) run out of space part-way.
    const box = service.sandbox('BatchRender', { tmpFillMb: fn.ephemeralMb - 8 });
    try {
      const [a, b] = takeCounties(2);
      const failed = await box.invoke(group([a], 'sandbox-enospc'));
      expect(failed.ok).toBe(false);
      const error = failed.ok ? undefined : failed.error;
      expect(service.synth.retryErrorsOf('BatchRender')).toContain(error?.errorType);
      expect(error?.errorMessage).toMatch(/ENOSPC|no space/i);
      expect(error?.errorMessage).not.toMatch(/Target closed/i);
      // And so does the log (Lambda's runtime logs the error's type, message and stack, not its `cause`).
      expect(failed.logs.some((line) => /ENOSPC|no space/i.test(line))).toBe(true);

      box.freeTmp();
      const retried = await box.invoke(group([a, b], 'sandbox-enospc'));
      expect(retried.cold).toBe(false);
      expect(ok(retried)).toMatchObject({ total: 2, succeeded: 2, failed: 0 });
    } finally {
      await box.close();
    }
  });

  sandboxCase('a Chromium that cannot start fails the group as ChromiumError, an error the state machine retries', async () => {
    // A file that is there but is no program.
    const box = service.sandbox('BatchRender', { environment: { CHROMIUM_PATH: '/opt/fonts/fonts.conf' } });
    try {
      const failed = await box.invoke(group(takeCounties(1), 'sandbox-chromium'));
      expect(failed.ok ? 'succeeded' : failed.error.errorType).toBe('ChromiumError');
      expect(service.synth.retryErrorsOf('BatchRender')).toContain('ChromiumError');
    } finally {
      await box.close();
    }
  });

  sandboxCase('an unreachable S3 fails the group as StorageError, an error the state machine retries', async () => {
    const box = service.sandbox('BatchRender', { environment: { S3_ENDPOINT: await service.closedEndpoint() } });
    try {
      const result = await box.invoke(group(takeCounties(1), 'sandbox-storage'));
      const outcome = result.ok ? `succeeded with items ${JSON.stringify((result.payload as BatchGroupResult).items.map((i) => [i.status, i.error?.code]))}` : result.error.errorType;
      expect(outcome).toBe('StorageError');
      expect(service.synth.retryErrorsOf('BatchRender')).toContain('StorageError');
    } finally {
      await box.close();
    }
  });

  sandboxCase('HttpRender answers an unreachable S3 with 500 STORAGE_FAILED and logs it as StorageError', async () => {
    const box = service.sandbox('HttpRender', { environment: { S3_ENDPOINT: await service.closedEndpoint() } });
    try {
      const [county] = takeCounties(1);
      const result = await box.invoke(apiEvent('POST', '/reports', { template: TEMPLATE, data: county.data }));
      const response = ok(result);
      expect(response.statusCode).toBe(500);
      expect((JSON.parse(response.body as string) as { error: { code: string } }).error.code).toBe('STORAGE_FAILED');
      const names = result.logs
        .filter((line) => line.startsWith('{'))
        .flatMap((line) => {
          const entry = JSON.parse(line) as { level?: string; error?: { name?: string } };
          return entry.error?.name ? [entry.error.name] : [];
        });
      expect(names).toContain('StorageError');
    } finally {
      await box.close();
    }
  });
});
