/**
 * Issue #13, part 5: the local server and the Lambda handler route every request alike.
 *
 * The same method and raw path go once through the dev server (a real socket, the request line
 * written byte for byte, so no client library repairs the path first) and once through the Lambda
 * handler as API Gateway HTTP API (payload 2.0) events carrying the path in `rawPath`, on the
 * `$default` stage and on a named one. Both run over one app: the same templates, the same S3.
 * Each pair must get the same status. The playground's own pages are the one documented
 * difference (docs/http-api.md): they exist only on the dev server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Logger } from '../../lambda/src/core/ports';
import { startDevServer, type DevServer } from '../../lambda/src/entrypoints/devServer';
import { createHttpHandler } from '../../lambda/src/entrypoints/httpLambda';
import type { LambdaHttpHandler } from '../../lambda/src/http/lambdaHttp';
import { samples, TEMPLATE } from '../helpers/httpClient';
import { gatewayEvent } from '../helpers/apiGatewayEvent';

interface Case {
  readonly method: string;
  /** The request target exactly as sent: path and query. */
  readonly target: string;
  readonly status: number;
  readonly body?: string;
  readonly contentType?: string;
}

const JSON_TYPE = 'application/json';
const SAMPLE = JSON.stringify({ template: TEMPLATE, data: Object.values(samples())[0] });

const CASES: Case[] = [
  // Routes as documented, HEAD included.
  { method: 'GET', target: '/health', status: 200 },
  { method: 'HEAD', target: '/health', status: 200 },
  { method: 'GET', target: '/health/', status: 200 },
  { method: 'GET', target: '/health?verbose=1', status: 200 },
  { method: 'GET', target: '/templates', status: 200 },
  { method: 'HEAD', target: '/templates', status: 200 },
  { method: 'GET', target: `/templates/${TEMPLATE}`, status: 200 },
  { method: 'HEAD', target: `/templates/${TEMPLATE}`, status: 200 },
  { method: 'POST', target: '/reports', body: SAMPLE, contentType: JSON_TYPE, status: 201 },
  // Escaped letters are letters (RFC 3986 §6.2.2.2); other escapes stay inside their segment.
  { method: 'GET', target: '/%68ealth', status: 200 },
  { method: 'GET', target: `/templates/%63${TEMPLATE.slice(1)}`, status: 200 },
  { method: 'GET', target: '/templates/..%2F..%2Fpackage.json', status: 404 },
  { method: 'GET', target: '/templates/no-such-template', status: 404 },
  { method: 'GET', target: `/reports/${TEMPLATE}.${'0'.repeat(32)}`, status: 404 },
  { method: 'GET', target: '/nowhere', status: 404 },
  { method: 'GET', target: '/batches', status: 404 },
  { method: 'GET', target: '/playground', status: 404 },
  // Wrong methods.
  { method: 'GET', target: '/reports', status: 405 },
  { method: 'HEAD', target: '/reports', status: 405 },
  { method: 'PUT', target: '/health', status: 405 },
  { method: 'DELETE', target: '/templates', status: 405 },
  { method: 'OPTIONS', target: '/reports', status: 405 },
  // Bodies the API refuses.
  { method: 'POST', target: '/reports', body: '{}', contentType: JSON_TYPE, status: 400 },
  { method: 'POST', target: '/reports', body: SAMPLE, contentType: 'text/plain', status: 415 },
  // The paths of the issue: locally the playground page (200), 405 "on /", or /reports itself.
  { method: 'GET', target: '//health', status: 400 },
  { method: 'GET', target: '//templates', status: 400 },
  { method: 'GET', target: '/health/..', status: 400 },
  { method: 'GET', target: '/templates/%2e%2e', status: 400 },
  { method: 'GET', target: '/reports/..', status: 400 },
  { method: 'POST', target: '//reports', body: SAMPLE, contentType: JSON_TYPE, status: 400 },
  { method: 'POST', target: '/x/../reports', body: SAMPLE, contentType: JSON_TYPE, status: 400 },
  { method: 'POST', target: '/reports\\', body: SAMPLE, contentType: JSON_TYPE, status: 400 },
  // Their relatives.
  { method: 'GET', target: '/x/../health', status: 400 },
  { method: 'GET', target: '/./health', status: 400 },
  { method: 'GET', target: '/health/.', status: 400 },
  { method: 'GET', target: '/templates/.%2E', status: 400 },
  { method: 'GET', target: '/health//', status: 400 },
  { method: 'GET', target: '/health\\', status: 400 },
  { method: 'GET', target: '/health%', status: 400 },
  { method: 'GET', target: '/health%zz', status: 400 },
  // Nor can a dot segment lead out of the playground into the API, or into it.
  { method: 'GET', target: '/playground/../health', status: 400 },
  { method: 'GET', target: '/playground/%2e%2e/health', status: 400 },
  { method: 'GET', target: '/health/../playground/app.js', status: 400 },
  { method: 'GET', target: '/templates/../', status: 400 },
];

/** Pages only the dev server has (docs/playground.md): 200 there, 404 on Lambda. */
const PLAYGROUND_ONLY: Case[] = [
  { method: 'GET', target: '/', status: 200 },
  { method: 'HEAD', target: '/', status: 200 },
  { method: 'GET', target: '/index.html', status: 200 },
  { method: 'GET', target: '/playground/app.js', status: 200 },
  { method: 'GET', target: `/playground/templates/${TEMPLATE}/example.jsonl`, status: 200 },
];

/** The status of one request written to the socket as is (HTTP/1.1, one request, then close). */
function rawStatus(port: number, { method, target, body, contentType }: Case): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
    const head = [`${method} ${target} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close'];
    if (contentType) head.push(`Content-Type: ${contentType}`);
    if (bytes.length > 0 || method === 'POST') head.push(`Content-Length: ${bytes.length}`);
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => {
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(answer);
      if (status) resolve(Number(status[1]));
      else reject(new Error(`no status line for ${method} ${target}: ${JSON.stringify(answer.slice(0, 80))}`));
    });
    socket.on('error', reject);
    socket.setTimeout(30_000, () => socket.destroy(new Error(`no answer to ${method} ${target}`)));
    socket.write(Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), bytes]));
  });
}

let sequence = 0;

/** An HTTP API (payload 2.0) event as API Gateway sends it: `rawPath` as the client wrote it. */
function apiGatewayEvent({ method, target, body, contentType }: Case, stage: string): APIGatewayProxyEventV2 {
  return gatewayEvent({
    method,
    target,
    body: body === undefined ? undefined : Buffer.from(body).toString('base64'),
    isBase64Encoded: body !== undefined,
    contentType,
    stage,
    requestId: `parity-${++sequence}`,
    userAgent: 'parity-test',
  });
}

describe('routing parity: the dev server and the Lambda handler', () => {
  let dir: string;
  let server: DevServer;
  let lambda: LambdaHttpHandler;
  let port: number;
  const faults: string[] = [];
  const logger: Logger = { info: () => undefined, warn: () => undefined, error: (message) => void faults.push(message) };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pdf-export-parity-'));
    server = await startDevServer({
      port: 0,
      logger,
      env: { LOCAL_S3_DIR: join(dir, 's3'), LOCAL_S3_PORT: '0', PLAYGROUND_DIR: join(dir, 'playground') },
    });
    port = Number(new URL(server.url).port);
    // The Lambda handler over the very same app, as entrypoints/httpLambda builds it.
    lambda = createHttpHandler(() => server.app.httpApi(), logger);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives each method and raw path the same status on both', async () => {
    const rows: { request: string; local: number; $default: number; prod: number; expected: number }[] = [];
    for (const c of CASES) {
      rows.push({
        request: `${c.method} ${c.target}${c.contentType ? ` (${c.contentType})` : ''}`,
        local: await rawStatus(port, c),
        $default: (await lambda(apiGatewayEvent(c, '$default'))).statusCode ?? 0,
        prod: (await lambda(apiGatewayEvent(c, 'prod'))).statusCode ?? 0,
        expected: c.status,
      });
    }
    // One comparison over the whole table, so a failure shows every differing row at once.
    expect(rows.filter((r) => !(r.local === r.expected && r.$default === r.expected && r.prod === r.expected))).toEqual([]);
    expect(faults).toEqual([]);
  }, 120_000);

  it('serves the playground pages on the dev server only, the documented difference', async () => {
    for (const c of PLAYGROUND_ONLY) {
      expect({ request: `${c.method} ${c.target}`, local: await rawStatus(port, c), lambda: (await lambda(apiGatewayEvent(c, '$default'))).statusCode }).toEqual({
        request: `${c.method} ${c.target}`,
        local: 200,
        lambda: 404,
      });
    }
  });
});
