/**
 * The Lambda adapter with real event shapes (@types/aws-lambda): API Gateway HTTP API payload 2.0
 * on a named stage and on `$default`, and Lambda Function URL events (base64 bodies), against a
 * real s3rver and the real Chromium.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, LambdaFunctionURLEvent } from 'aws-lambda';
import { sha256Hex } from '../../lambda/src/core/contentHash';
import type { App } from '../../lambda/src/compose';
import type { Logger } from '../../lambda/src/core/ports';
import { createHttpHandler, handler as deployedHandler } from '../../lambda/src/entrypoints/httpLambda';
import { toHttpRequest } from '../../lambda/src/http/lambdaHttp';
import { startLocalS3, type LocalS3 } from '../../lambda/src/storage/startLocalS3';
import { gatewayEvent } from '../helpers/apiGatewayEvent';
import { projectTemplates, testApp } from '../helpers/app';
import { samples, TEMPLATE } from '../helpers/httpClient';
import { compact, pdfText } from '../helpers/pdfTools';

const BUCKET = 'handler-test';
const SAMPLES = samples();
const [FIRST, SECOND] = Object.keys(SAMPLES);

let sequence = 0;
const nextId = (): string => `req-${++sequence}-JKJaXmPLvHcESHA=`;

/** An HTTP API (payload 2.0) event as API Gateway sends it, on stage `stage` (default `prod`). */
function apiGatewayEvent(method: string, path: string, options: { body?: string; base64?: boolean; contentType?: string; stage?: string } = {}): APIGatewayProxyEventV2 {
  return gatewayEvent({ method, target: path, body: options.body, isBase64Encoded: options.base64, contentType: options.contentType, stage: options.stage, requestId: nextId() });
}

/** A Lambda Function URL event: always stage `$default`; binary bodies arrive base64-encoded. */
function functionUrlEvent(method: string, path: string, options: { body?: Buffer; contentType?: string } = {}): LambdaFunctionURLEvent {
  const headers: Record<string, string> = {
    host: 'abcdefghijklmnopqrstuvwxyz123456.lambda-url.eu-central-1.on.aws',
    'user-agent': 'Mozilla/5.0',
    'x-amzn-trace-id': 'Root=1-67a1b2c3-76543210fedcba9876543210',
    'x-forwarded-for': '198.51.100.23',
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
  };
  if (options.contentType) headers['content-type'] = options.contentType;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdefghijklmnopqrstuvwxyz123456',
      domainName: 'abcdefghijklmnopqrstuvwxyz123456.lambda-url.eu-central-1.on.aws',
      domainPrefix: 'abcdefghijklmnopqrstuvwxyz123456',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '198.51.100.23', userAgent: 'Mozilla/5.0' },
      requestId: nextId(),
      routeKey: '$default',
      stage: '$default',
      time: '28/Nov/2026:13:00:01 +0000',
      timeEpoch: 1795870801000,
    },
    body: options.body?.toString('base64'),
    isBase64Encoded: options.body !== undefined,
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function parse(result: APIGatewayProxyStructuredResultV2): any {
  expect(result.isBase64Encoded).toBe(false);
  expect(result.headers?.['content-type']).toBe('application/json; charset=utf-8');
  return JSON.parse(result.body ?? '');
}

function expectErrorResult(result: APIGatewayProxyStructuredResultV2, status: number, code: string, requestId: string): void {
  const body = parse(result);
  expect(result.statusCode).toBe(status);
  expect(body).toEqual({ error: { code, message: expect.any(String), details: expect.any(Array), requestId } });
  expect(result.headers?.['x-request-id']).toBe(requestId);
  expect(result.body).not.toMatch(/\bat .+\(|\.ts:\d+|node_modules|Error:/);
}

describe('Lambda HTTP handler', () => {
  let dir: string;
  let s3: LocalS3;
  let app: App | undefined;
  const errors: Record<string, unknown>[] = [];
  const logger: Logger = { info: () => undefined, warn: () => undefined, error: (_m, attributes) => void errors.push(attributes) };
  let env: Record<string, string>;
  let handle: ReturnType<typeof createHttpHandler>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pdf-export-handler-'));
    s3 = await startLocalS3({ directory: dir, port: 0, bucket: BUCKET });
    env = { REPORTS_BUCKET: BUCKET, S3_ENDPOINT: s3.endpoint, S3_FORCE_PATH_STYLE: 'true', S3_REGION: 'eu-central-1', LINK_EXPIRY_SECONDS: '900' };
    handle = createHttpHandler(() => (app = testApp(env, { s3Credentials: s3.credentials, logger })).httpApi(), logger);
  });
  afterAll(async () => {
    await app?.close();
    await s3.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('maps both event shapes to the same request, without the stage prefix', () => {
    const gateway = toHttpRequest(apiGatewayEvent('GET', '/reports/x', { stage: 'prod' }));
    const functionUrl = toHttpRequest(functionUrlEvent('GET', '/reports/x'));
    expect(gateway).toMatchObject({ method: 'GET', path: '/reports/x', isBase64Encoded: false });
    expect(functionUrl).toMatchObject({ method: 'GET', path: '/reports/x', isBase64Encoded: false });
    expect(toHttpRequest(apiGatewayEvent('GET', '/health', { stage: '$default' })).path).toBe('/health');
    // A route that merely starts like the stage name keeps its path.
    expect(toHttpRequest(apiGatewayEvent('GET', '/production', { stage: '$default' })).path).toBe('/production');
  });

  it('serves /health and /templates to API Gateway on a named stage', async () => {
    const health = await handle(apiGatewayEvent('GET', '/health'));
    expect(health.statusCode).toBe(200);
    // Every folder of templates/, with nothing registered anywhere.
    const shipped = projectTemplates().list().map((t) => t.id);
    expect(shipped).toContain(TEMPLATE);
    expect(parse(health)).toMatchObject({ status: 'ok', templates: shipped });
    const templates = await handle(apiGatewayEvent('GET', '/templates', { stage: '$default' }));
    expect(parse(templates).templates.map((t: { id: string }) => t.id)).toEqual(shipped);
  });

  it('renders from a Function URL POST with a base64 body and answers API Gateway from storage', async () => {
    const data = SAMPLES[FIRST];
    const body = Buffer.from(JSON.stringify({ template: TEMPLATE, data }));
    const created = await handle(functionUrlEvent('POST', '/reports', { body, contentType: 'application/json' }));
    expect(created.statusCode).toBe(201);
    const link = parse(created);
    expect(created.headers?.['x-report-cache']).toBe('miss');
    expect(link.url).toContain(`/${BUCKET}/reports/${TEMPLATE}/`);
    expect(link.url).toContain('eu-central-1');
    expect(Date.parse(link.expiresAt) - Date.now()).toBeLessThanOrEqual(900_000);

    const pdf = Buffer.from(await (await fetch(link.url)).arrayBuffer());
    expect(sha256Hex(pdf)).toBe(link.sha256);
    expect(compact(pdfText(pdf))).toContain(data.county.name);

    const again = await handle(apiGatewayEvent('POST', '/reports', { body: JSON.stringify({ template: TEMPLATE, data }), contentType: 'application/json' }));
    expect(again.statusCode).toBe(201);
    expect(again.headers?.['x-report-cache']).toBe('hit');
    expect(parse(again).id).toBe(link.id);

    const fresh = await handle(apiGatewayEvent('GET', `/reports/${link.id}`));
    expect(fresh.statusCode).toBe(200);
    expect(parse(fresh)).toMatchObject({ id: link.id, sha256: link.sha256, pages: link.pages });
  });

  it('gives the error contract for bad requests from either source', async () => {
    const json = (value: unknown): Buffer => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
    let event: APIGatewayProxyEventV2 = functionUrlEvent('POST', '/reports', { body: json('{"template":'), contentType: 'application/json' });
    expectErrorResult(await handle(event), 400, 'INVALID_REQUEST', event.requestContext.requestId);

    event = functionUrlEvent('POST', '/reports', { body: json({ template: TEMPLATE, data: {} }), contentType: 'text/csv' });
    expectErrorResult(await handle(event), 415, 'UNSUPPORTED_MEDIA_TYPE', event.requestContext.requestId);

    const data = structuredClone(SAMPLES[SECOND]);
    data.year = 1999;
    delete data.economy;
    event = apiGatewayEvent('POST', '/reports', { body: JSON.stringify({ template: TEMPLATE, data }), contentType: 'application/json; charset=utf-8' });
    const invalid = await handle(event);
    expectErrorResult(invalid, 422, 'VALIDATION_FAILED', event.requestContext.requestId);
    expect(parse(invalid).error.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['/year', '/economy']));

    event = apiGatewayEvent('POST', '/reports', { body: Buffer.alloc(1024 * 1024 + 1, 0x20).toString('base64'), base64: true, contentType: 'application/json' });
    expectErrorResult(await handle(event), 413, 'LIMIT_EXCEEDED', event.requestContext.requestId);

    event = apiGatewayEvent('GET', '/reports/not-a-report');
    expectErrorResult(await handle(event), 404, 'REPORT_NOT_FOUND', event.requestContext.requestId);

    event = functionUrlEvent('PUT', '/templates');
    const wrongMethod = await handle(event);
    expectErrorResult(wrongMethod, 405, 'METHOD_NOT_ALLOWED', event.requestContext.requestId);
    expect(wrongMethod.headers?.allow).toBe('GET, HEAD');
  });

  it('answers HEAD like GET without the body, and refuses raw paths that mean a route only after repairs', async () => {
    const get = await handle(apiGatewayEvent('GET', '/templates'));
    const head = await handle(apiGatewayEvent('HEAD', '/templates'));
    expect([head.statusCode, head.body, head.headers?.['content-length']]).toEqual([200, '', String(Buffer.byteLength(get.body ?? ''))]);
    // API Gateway passes the path as the client wrote it (rawPath): nothing collapses `//`,
    // resolves `..` or turns `\` into `/` on the way, and the handler repairs nothing either.
    for (const path of ['//health', '/x/../health', '/health/..', '/templates/%2e%2e', '/reports\\']) {
      for (const event of [apiGatewayEvent('GET', path), apiGatewayEvent('GET', path, { stage: '$default' }), functionUrlEvent('GET', path)]) {
        expectErrorResult(await handle(event), 400, 'INVALID_REQUEST', event.requestContext.requestId);
      }
    }
  });

  it('answers 500 with a request id and no internals when configuration is invalid', async () => {
    const failing: Record<string, unknown>[] = [];
    const broken = createHttpHandler(() => testApp({ ...env, LINK_EXPIRY_SECONDS: '9999999' }).httpApi(), {
      info: () => undefined,
      warn: () => undefined,
      error: (_m, attributes) => void failing.push(attributes),
    });
    const event = apiGatewayEvent('GET', '/health');
    const result = await broken(event, { awsRequestId: 'aws-req-1' });
    expectErrorResult(result, 500, 'CONFIG_INVALID', event.requestContext.requestId);
    expect(parse(result).error.message).not.toContain('LINK_EXPIRY_SECONDS');
    // The operator learns exactly what to fix.
    expect(String((failing[0].error as Error).message)).toContain('LINK_EXPIRY_SECONDS');
    expect(failing[0]).toMatchObject({ requestId: event.requestContext.requestId, awsRequestId: 'aws-req-1' });
  });

  it('exports a handler that validates its configuration from the environment', async () => {
    const saved = { ...process.env };
    const writes: string[] = [];
    // Powertools writes INFO/WARN to stdout and ERROR to stderr.
    const capture = (chunk: string | Uint8Array): boolean => {
      writes.push(String(chunk));
      return true;
    };
    const spies = [jest.spyOn(process.stdout, 'write').mockImplementation(capture), jest.spyOn(process.stderr, 'write').mockImplementation(capture)];
    try {
      delete process.env.REPORTS_BUCKET;
      const missing = apiGatewayEvent('GET', '/health');
      expectErrorResult(await deployedHandler(missing), 500, 'CONFIG_INVALID', missing.requestContext.requestId);

      Object.assign(process.env, env, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
      const ok = apiGatewayEvent('GET', '/templates/county-annual-report');
      const result = await deployedHandler(ok);
      expect(result.statusCode).toBe(200);
      expect(parse(result).schema.title).toEqual(expect.any(String));
    } finally {
      for (const spy of spies) spy.mockRestore();
      process.env = saved;
    }
    // Powertools writes one JSON object per line, with the request id on every request log.
    const lines = writes.join('').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 'ERROR', message: 'cannot start the HTTP app', service: 'pdf-export', error: expect.objectContaining({ message: expect.stringContaining('REPORTS_BUCKET') }) }),
        expect.objectContaining({ level: 'INFO', message: 'request served', service: 'pdf-export', status: 200, template: TEMPLATE, requestId: expect.any(String) }),
      ]),
    );
  });

  it('tells a client whose render timed out to come back after RETRY_AFTER_SECONDS', async () => {
    // A template whose document takes Chromium far longer than the shortest timeout (one second)
    // to lay out: tens of thousands of table cells, from a few bytes of data.
    const templates = join(dir, 'slow-templates');
    mkdirSync(join(templates, 'slow-table'), { recursive: true });
    const row = `<tr>${'<td>单元格</td>'.repeat(50)}</tr>`;
    writeFileSync(
      join(templates, 'slow-table', 'template.html'),
      `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>slow</title><link rel="stylesheet" href="style.css"></head><body><table>{{#rows}}${row}{{/rows}}</table></body></html>`,
    );
    writeFileSync(join(templates, 'slow-table', 'style.css'), 'td { border: 1px solid #000 }');
    writeFileSync(
      join(templates, 'slow-table', 'schema.json'),
      JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', title: 'Slow', description: 'A table too big to print in time.', type: 'object', properties: { rows: { type: 'array', items: { type: 'integer' }, maxItems: 2000 } } }),
    );
    let slowApp: App | undefined;
    const slow = createHttpHandler(
      () => (slowApp = testApp({ ...env, TEMPLATES_DIR: templates, RENDER_TIMEOUT_MS: '1000', RETRY_AFTER_SECONDS: '4', MAX_PAGES: '10000' }, { s3Credentials: s3.credentials, logger })).httpApi(),
      logger,
    );
    try {
      const event = apiGatewayEvent('POST', '/reports', { body: JSON.stringify({ template: 'slow-table', data: { rows: Array(1500).fill(1) } }), contentType: 'application/json' });
      const result = await slow(event);
      expectErrorResult(result, 503, 'RENDER_TIMEOUT', event.requestContext.requestId);
      expect(result.headers?.['retry-after']).toBe('4');
    } finally {
      await slowApp?.close();
    }
  }, 60_000);

  it('answers 500 STORAGE_FAILED, logging the cause, when S3 is down', async () => {
    await s3.close();
    const data = structuredClone(SAMPLES[SECOND]);
    const event = apiGatewayEvent('POST', '/reports', { body: JSON.stringify({ template: TEMPLATE, data }), contentType: 'application/json' });
    errors.length = 0;
    const result = await handle(event);
    expectErrorResult(result, 500, 'STORAGE_FAILED', event.requestContext.requestId);
    expect(parse(result).error.message).toContain(event.requestContext.requestId);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ requestId: event.requestContext.requestId, status: 500, code: 'STORAGE_FAILED', template: TEMPLATE });
    expect((errors[0].error as Error).cause).toBeDefined();
  });
});
