/**
 * The HTTP API end to end on the local dev server: real Chromium, real s3rver on 127.0.0.1 behind
 * the embedded S3's gate, plain HTTP from the outside. One server (and one s3rver, one browser)
 * for the whole file.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sha256Hex } from '../../lambda/src/core/contentHash';
import type { Logger } from '../../lambda/src/core/ports';
import { startDevServer, type DevServer } from '../../lambda/src/entrypoints/devServer';
import { fileNameOfContentDisposition } from '../../lambda/src/core/contentDisposition';
import { call, expectError, postJson, reverseKeys, samples, TEMPLATE } from '../helpers/httpClient';
import { projectTemplates } from '../helpers/app';
import { compact, pdfText } from '../helpers/pdfTools';
import { presignedUrlSignatureIsValid } from '../helpers/verifyPresignedUrl';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../lambda/src/storage/createS3Client';

interface LogEntry {
  level: 'info' | 'warn' | 'error';
  message: string;
  attributes: Record<string, unknown>;
}

const SAMPLES = samples();
const LINK_FIELDS = ['bytes', 'expiresAt', 'id', 'key', 'pages', 'sha256', 'url'];

/** RSS of a process in MB, from /proc (Linux). */
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

describe('HTTP API on the local dev server', () => {
  let dir: string;
  let server: DevServer;
  let api: string;
  const logs: LogEntry[] = [];
  const logger: Logger = {
    info: (message, attributes) => void logs.push({ level: 'info', message, attributes }),
    warn: (message, attributes) => void logs.push({ level: 'warn', message, attributes }),
    error: (message, attributes) => void logs.push({ level: 'error', message, attributes }),
  };
  const created = new Map<string, { id: string; url: string; sha256: string; bytes: number; expiresAt: string; ms: number }>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pdf-export-api-'));
    server = await startDevServer({
      port: 0,
      logger,
      // Only what the test decides; nothing leaks in from the developer's shell.
      env: { LOCAL_S3_DIR: dir, LOCAL_S3_PORT: '0', MAX_CONCURRENT_RENDERS: '2', MAX_QUEUED_RENDERS: '4', RETRY_AFTER_SECONDS: '3' },
    });
    api = server.url;
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on loopback and reports health', async () => {
    expect(api).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.localS3?.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await call(`${api}/health`);
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ status: 'ok', templates: projectTemplates().list().map((t) => t.id), renders: { active: 0, queued: 0 } });
    expect(health.json.templates).toContain(TEMPLATE);
  });

  it('lists templates and shows one with its schema and a sample', async () => {
    const list = await call(`${api}/templates`);
    expect(list.status).toBe(200);
    expect(list.json.templates).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: TEMPLATE, samples: Object.keys(SAMPLES), title: expect.any(String) })]),
    );
    const one = await call(`${api}/templates/${TEMPLATE}`);
    expect(one.status).toBe(200);
    expect(one.json.schema.type).toBe('object');
    expect(one.json.sample).toEqual(SAMPLES[Object.keys(SAMPLES)[0]]);
  });

  it.each(Object.keys(SAMPLES))('POSTs sample %s and downloads the PDF from the signed link', async (name) => {
    const data = SAMPLES[name];
    const started = Date.now();
    const response = await postJson(`${api}/reports`, { template: TEMPLATE, data });
    const ms = Date.now() - started;
    expect(response.status).toBe(201);
    expect(Object.keys(response.json).sort()).toEqual(LINK_FIELDS);
    const link = response.json;
    expect(link.id).toMatch(new RegExp(`^${TEMPLATE}\\.[0-9a-f]{32}$`));
    expect(link.key).toBe(`reports/${TEMPLATE}/${link.id.split('.')[1]}.pdf`);
    expect(response.headers.get('location')).toBe(`/reports/${link.id}`);
    expect(response.headers.get('x-report-cache')).toBe('miss');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const expiresIn = Date.parse(link.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(3590_000);
    expect(expiresIn).toBeLessThanOrEqual(3600_000);
    expect(link.url.startsWith(`${server.localS3?.endpoint}/pdf-export-local/${link.key}?`)).toBe(true);
    expect(await presignedUrlSignatureIsValid(link.url, server.localS3!.credentials)).toBe(true);

    // A plain HTTP download, as curl or a browser would do it.
    const download = await fetch(link.url);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    const fileName = fileNameOfContentDisposition(download.headers.get('content-disposition') ?? '');
    expect(fileName).toMatch(new RegExp(`^${data.county.name}.*${data.year}.*述学述职述廉述法报告\\.pdf$`));
    const pdf = Buffer.from(await download.arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBe(link.bytes);
    expect(sha256Hex(pdf)).toBe(link.sha256);
    const text = compact(pdfText(pdf));
    expect(text).toContain(data.county.name);
    expect(text).toContain('述学述职述廉述法报告');
    expect(text).toContain(data.county.slogan);
    expect(link.pages).toBeGreaterThanOrEqual(2);

    const served = logs.find((l) => l.message === 'request served' && l.attributes.reportId === link.id);
    expect(served?.attributes).toMatchObject({
      requestId: response.headers.get('x-request-id'),
      method: 'POST',
      path: '/reports',
      status: 201,
      template: TEMPLATE,
      bytes: link.bytes,
      pages: link.pages,
      rendered: true,
      renderMs: expect.any(Number),
    });
    created.set(name, { ...link, ms });
  });

  it('answers a repeated POST from storage without rendering again', async () => {
    const [name, first] = [...created.entries()][0];
    const before = (await call(`${api}/health`)).json.renders.total;
    const started = Date.now();
    // Same data, keys in another order: the same report.
    const again = await postJson(`${api}/reports`, { data: reverseKeys(SAMPLES[name]), template: TEMPLATE });
    const ms = Date.now() - started;
    expect(again.status).toBe(201);
    expect(again.headers.get('x-report-cache')).toBe('hit');
    expect(again.json).toMatchObject({ id: first.id, sha256: first.sha256, bytes: first.bytes });
    expect((await call(`${api}/health`)).json.renders).toMatchObject({ total: before, storedHits: expect.any(Number) });
    expect(ms).toBeLessThan(first.ms);
    const downloaded = Buffer.from(await (await fetch(again.json.url)).arrayBuffer());
    expect(sha256Hex(downloaded)).toBe(first.sha256);
  });

  it('signs a fresh link for GET /reports/{id}', async () => {
    const [, first] = [...created.entries()][1];
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a later signing second
    const fresh = await call(`${api}/reports/${first.id}`);
    expect(fresh.status).toBe(200);
    expect(Object.keys(fresh.json).sort()).toEqual(LINK_FIELDS);
    expect(fresh.json).toMatchObject({ id: first.id, sha256: first.sha256, bytes: first.bytes });
    expect(fresh.json.url).not.toBe(first.url);
    expect(Date.parse(fresh.json.expiresAt)).toBeGreaterThan(Date.parse(first.expiresAt));
    const pdf = Buffer.from(await (await fetch(fresh.json.url)).arrayBuffer());
    expect(sha256Hex(pdf)).toBe(first.sha256);
  });

  it('hands out links whose tampering is detectable', async () => {
    const [, first] = [...created.entries()][0];
    const other = [...created.values()][1];
    const swapped = new URL(first.url);
    swapped.pathname = new URL(other.url).pathname;
    const stretched = new URL(first.url);
    stretched.searchParams.set('X-Amz-Expires', '604800');
    expect(await presignedUrlSignatureIsValid(first.url, server.localS3!.credentials)).toBe(true);
    expect(await presignedUrlSignatureIsValid(swapped.toString(), server.localS3!.credentials)).toBe(false);
    expect(await presignedUrlSignatureIsValid(stretched.toString(), server.localS3!.credentials)).toBe(false);
  });

  describe('errors', () => {
    const sample = (): Record<string, any> => structuredClone(SAMPLES[Object.keys(SAMPLES)[0]]); // eslint-disable-line @typescript-eslint/no-explicit-any

    it('400 for malformed JSON', async () => {
      const error = expectError(await postJson(`${api}/reports`, '{"template": "county-annual-report", "data": {'), 400, 'INVALID_REQUEST');
      expect(error.message).toMatch(/not valid JSON/);
    });

    it('400 for a body that is not the {template, data} envelope, naming every problem', async () => {
      const error = expectError(await postJson(`${api}/reports`, { templat: TEMPLATE }), 400, 'INVALID_REQUEST');
      expect(error.details.map((d) => d.path).sort()).toEqual(['/data', '/templat', '/template']);
      expectError(await postJson(`${api}/reports`, [1, 2]), 400, 'INVALID_REQUEST');
    });

    it('413 for a body over the limit', async () => {
      const big = JSON.stringify({ template: TEMPLATE, data: { padding: 'x'.repeat(1024 * 1024) } });
      const error = expectError(await postJson(`${api}/reports`, big), 413, 'LIMIT_EXCEEDED');
      expect(error.message).toContain(String(1024 * 1024));
    });

    it('415 for a body that is not declared as JSON', async () => {
      const body = JSON.stringify({ template: TEMPLATE, data: sample() });
      expectError(await call(`${api}/reports`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      expectError(await call(`${api}/reports`, { method: 'POST', body: new Blob([body]) }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      expectError(await postJson(`${api}/reports`, body, { 'content-type': 'application/json; charset=latin1' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('422 with every schema problem in details', async () => {
      const data = sample();
      delete data.year;
      data.economy.gdp = '九十五亿';
      data.county.nickname = '岚城';
      const error = expectError(await postJson(`${api}/reports`, { template: TEMPLATE, data }), 422, 'VALIDATION_FAILED');
      const paths = error.details.map((d) => d.path);
      expect(paths).toEqual(expect.arrayContaining(['/year', '/economy/gdp', '/county/nickname']));
      expect(error.details.every((d) => d.message.length > 0)).toBe(true);
    });

    it('404 for unknown templates, reports and routes', async () => {
      expectError(await postJson(`${api}/reports`, { template: 'no-such-template', data: sample() }), 404, 'TEMPLATE_NOT_FOUND');
      expectError(await call(`${api}/templates/no-such-template`), 404, 'TEMPLATE_NOT_FOUND');
      expectError(await call(`${api}/reports/${TEMPLATE}.${'0'.repeat(32)}`), 404, 'REPORT_NOT_FOUND');
      for (const id of ['not-an-id', `${TEMPLATE}.${'A'.repeat(32)}`, '..%2F..%2Fetc%2Fpasswd', `${TEMPLATE}.${'0'.repeat(31)}`]) {
        expectError(await call(`${api}/reports/${id}`), 404, 'REPORT_NOT_FOUND');
      }
      expectError(await call(`${api}/nowhere`), 404, 'NOT_FOUND');
    });

    it('405 with Allow for a known path and the wrong method', async () => {
      const response = await call(`${api}/reports`, { method: 'DELETE' });
      expectError(response, 405, 'METHOD_NOT_ALLOWED');
      expect(response.headers.get('allow')).toBe('POST');
    });

    it('logs refusals with the request id and the reason, not the data', async () => {
      const refused = logs.filter((l) => l.message === 'request refused');
      expect(refused.length).toBeGreaterThan(5);
      for (const entry of refused) {
        expect(entry.level).toBe('warn');
        expect(entry.attributes).toMatchObject({ requestId: expect.any(String), status: expect.any(Number), code: expect.any(String) });
        expect(JSON.stringify(entry.attributes)).not.toContain('九十五亿');
      }
    });
  });

  it('keeps 20 concurrent POSTs bounded: each succeeds or gets an explicit 503, and serves afterwards', async () => {
    const chromiumPid = await server.app.chromium.browserPid();
    expect(chromiumPid).toBeDefined();
    const nodeRssBefore = process.memoryUsage().rss / 2 ** 20;
    const base = SAMPLES[Object.keys(SAMPLES)[0]];
    // Twenty different reports: nothing can be answered from storage or shared.
    const bodies = Array.from({ length: 20 }, (_, i) => {
      const data = structuredClone(base);
      data.economy.gdp = Math.round((base.economy.gdp + (i + 1) / 100) * 100) / 100;
      return { template: TEMPLATE, data };
    });
    const responses = await Promise.all(bodies.map((body) => postJson(`${api}/reports`, body)));

    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 503)).toBe(true);
    const ok = responses.filter((r) => r.status === 201);
    const busy = responses.filter((r) => r.status === 503);
    // 2 rendering + 4 waiting are accepted at a time; the rest must be told to come back.
    expect(ok.length).toBeGreaterThanOrEqual(6);
    expect(busy.length).toBeGreaterThanOrEqual(1);
    for (const response of busy) {
      expectError(response, 503, 'RENDERER_BUSY');
      expect(response.headers.get('retry-after')).toBe('3');
    }
    for (const response of ok) {
      const pdf = Buffer.from(await (await fetch(response.json.url)).arrayBuffer());
      expect(sha256Hex(pdf)).toBe(response.json.sha256);
    }

    const health = await call(`${api}/health`);
    expect(health.json.renders).toMatchObject({ active: 0, queued: 0 });
    // Memory stays bounded: the queue holds at most 4 documents, and the one browser is reused.
    expect(await server.app.chromium.browserPid()).toBe(chromiumPid);
    expect(rssMb(chromiumPid!)).toBeLessThan(1024);
    expect(process.memoryUsage().rss / 2 ** 20 - nodeRssBefore).toBeLessThan(300);

    // And it keeps serving: a refused request succeeds when retried.
    const retried = await postJson(`${api}/reports`, bodies[statuses.indexOf(503)]);
    expect(retried.status).toBe(201);
    expect(retried.headers.get('x-report-cache')).toBe('miss');
  });

  it('downloads a printed link with curl', async () => {
    const { json: link } = await postJson(`${api}/reports`, { template: TEMPLATE, data: SAMPLES[Object.keys(SAMPLES)[0]] });
    const out = join(dir, 'curl.pdf');
    // Asynchronously: the S3 server answering curl runs in this very process.
    await promisify(execFile)('curl', ['-sS', '--fail', '--max-time', '20', '-o', out, link.url]);
    expect(sha256Hex(readFileSync(out))).toBe(link.sha256);
  });

  describe('stored reports cannot be forged (issue #13)', () => {
    const keyOf = (id: string): string => `reports/${TEMPLATE}/${id.split('.')[1]}.pdf`;

    it('refuses an anonymous PUT of a forged PDF with trusted metadata; a repeated POST answers the genuine report', async () => {
      const [name] = [...created.entries()][0];
      const genuine = await postJson(`${api}/reports`, { template: TEMPLATE, data: SAMPLES[name] });
      const forged = Buffer.from('%PDF-1.7 forged');
      const put = await fetch(`${server.localS3!.endpoint}/pdf-export-local/${keyOf(genuine.json.id)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/pdf', 'x-amz-meta-template': TEMPLATE, 'x-amz-meta-sha256': sha256Hex(forged), 'x-amz-meta-pages': '1', 'x-amz-meta-filename': 'x.pdf' },
        body: forged,
      });
      expect(put.status).toBe(403);
      const again = await postJson(`${api}/reports`, { template: TEMPLATE, data: SAMPLES[name] });
      expect(again.headers.get('x-report-cache')).toBe('hit');
      expect(again.json.sha256).toBe(genuine.json.sha256);
      const pdf = Buffer.from(await (await fetch(again.json.url)).arrayBuffer());
      expect(sha256Hex(pdf)).toBe(genuine.json.sha256);
    });

    it('renders again, and overwrites, a stored report whose bytes no longer match its metadata', async () => {
      const [name, first] = [...created.entries()][1];
      const key = keyOf(first.id);
      // A writer with the service's own keys (or a torn upload): other bytes under the genuine metadata.
      const s3 = createS3Client({ bucket: 'pdf-export-local', region: 'us-east-1', endpoint: server.localS3!.endpoint, forcePathStyle: true }, server.localS3!.credentials);
      const forged = Buffer.from('%PDF-1.7 forged');
      try {
        const head = await s3.send(new HeadObjectCommand({ Bucket: 'pdf-export-local', Key: key }));
        expect(head.Metadata?.sha256).toBe(first.sha256);
        await s3.send(new PutObjectCommand({ Bucket: 'pdf-export-local', Key: key, Body: forged, ContentLength: forged.length, ContentType: 'application/pdf', Metadata: head.Metadata }));
      } finally {
        s3.destroy();
      }
      // Neither a fresh link (nor the playground's preview, which goes through it) hands the forged bytes out.
      expectError(await call(`${api}/reports/${first.id}`), 404, 'REPORT_NOT_FOUND');

      const before = (await call(`${api}/health`)).json.renders.total;
      const again = await postJson(`${api}/reports`, { template: TEMPLATE, data: SAMPLES[name] });
      expect(again.status).toBe(201);
      expect(again.headers.get('x-report-cache')).toBe('miss');
      expect((await call(`${api}/health`)).json.renders.total).toBe(before + 1);
      expect(again.json.sha256).not.toBe(sha256Hex(forged));
      const pdf = Buffer.from(await (await fetch(again.json.url)).arrayBuffer());
      expect(sha256Hex(pdf)).toBe(again.json.sha256);
      expect(pdf.length).toBe(again.json.bytes);

      const third = await postJson(`${api}/reports`, { template: TEMPLATE, data: SAMPLES[name] });
      expect(third.headers.get('x-report-cache')).toBe('hit');
      expect(third.json.sha256).toBe(again.json.sha256);
    });
  });
});
