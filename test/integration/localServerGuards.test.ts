/**
 * Issue #13, part 6: what the dev server refuses before a request costs it anything, through a real
 * socket (requests written byte for byte: no client library adds, fixes or finishes anything).
 *
 * - A Host that is not this server's is refused on every route, the API's as well as the
 *   playground's: a page that rebinds its own host name to 127.0.0.1 cannot use the API.
 * - A declared Content-Length over MAX_BODY_BYTES is answered 413 at once, before any byte of the
 *   body is read, and before `100 Continue` when the client waits for it.
 * - A chunked body is answered 413 the moment it passes the limit, with a message that says so.
 * - Bytes held for unfinished bodies are capped over all connections together
 *   ((MAX_CONCURRENT_RENDERS + MAX_QUEUED_RENDERS) × MAX_BODY_BYTES): past the cap a request is
 *   answered 503 with RETRY_AFTER_SECONDS, and the bytes come back when requests end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../lambda/src/core/ports';
import { startDevServer, type DevServer } from '../../lambda/src/entrypoints/devServer';
import { TEMPLATE } from '../helpers/httpClient';

const MAX_BODY = 64 * 1024;
const RETRY_AFTER = 4;
/** (1 render + 1 queued) × MAX_BODY. */
const HELD_CAP = 2 * MAX_BODY;

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Interim 1xx status lines received before the final answer. */
  readonly interim: number[];
}

/** One connection on which a test writes what it wants and reads answers as they arrive. */
class RawConnection {
  readonly socket: Socket;
  private received = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  readonly closed: Promise<void>;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      for (const wake of this.waiters.splice(0)) wake();
    });
    // A reset after the answer is what the test may provoke; the answer is what it checks.
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => this.socket.on('close', () => resolve()));
    this.closed.then(() => {
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** The next final answer (1xx lines collected on the way); its body by Content-Length, none for HEAD. */
  async response(timeoutMs = 10_000, answersHead = false): Promise<RawResponse> {
    const deadline = Date.now() + timeoutMs;
    const interim: number[] = [];
    for (;;) {
      const end = this.received.indexOf('\r\n\r\n');
      if (end !== -1) {
        const head = this.received.subarray(0, end).toString('latin1').split('\r\n');
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head[0])?.[1]);
        const headers = Object.fromEntries(head.slice(1).map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
        if (status < 200) {
          interim.push(status);
          this.received = this.received.subarray(end + 4);
          continue;
        }
        const length = answersHead ? 0 : Number(headers['content-length'] ?? 0);
        if (this.received.length >= end + 4 + length) {
          const body = this.received.subarray(end + 4, end + 4 + length).toString('utf8');
          this.received = this.received.subarray(end + 4 + length);
          return { status, headers, body, interim };
        }
      }
      if (this.socket.destroyed || Date.now() > deadline) throw new Error(`no complete answer; got ${JSON.stringify(this.received.toString('latin1').slice(0, 200))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** Interim lines only (`100 Continue`), or undefined when none came within `ms`. */
  async interimWithin(ms: number): Promise<string | undefined> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const text = this.received.toString('latin1');
      if (/^HTTP\/1\.1 1\d\d [^\r]*\r\n\r\n/.test(text)) return text.split('\r\n')[0];
      if (text.length > 0) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return undefined;
  }

  close(): void {
    this.socket.destroy();
  }
}

const code = (response: RawResponse): string => JSON.parse(response.body).error?.code;

describe('the dev server refuses early and holds little', () => {
  let dir: string;
  let server: DevServer;
  let port: number;
  let host: string;
  const open: RawConnection[] = [];
  const connection = (): RawConnection => {
    const c = new RawConnection(port);
    open.push(c);
    return c;
  };
  const head = (method: string, path: string, lines: string[] = [], hostHeader = host): string =>
    [`${method} ${path} HTTP/1.1`, `Host: ${hostHeader}`, ...lines].join('\r\n') + '\r\n\r\n';
  const faults: string[] = [];
  const logger: Logger = { info: () => undefined, warn: () => undefined, error: (message) => void faults.push(message) };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pdf-export-guards-'));
    server = await startDevServer({
      port: 0,
      logger,
      env: {
        LOCAL_S3_DIR: join(dir, 's3'),
        LOCAL_S3_PORT: '0',
        PLAYGROUND_DIR: join(dir, 'playground'),
        MAX_BODY_BYTES: String(MAX_BODY),
        MAX_CONCURRENT_RENDERS: '1',
        MAX_QUEUED_RENDERS: '1',
        RETRY_AFTER_SECONDS: String(RETRY_AFTER),
      },
    });
    port = Number(new URL(server.url).port);
    host = `127.0.0.1:${port}`;
  }, 60_000);
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
    expect(faults).toEqual([]);
  });

  it('refuses a foreign Host on every route, the API included, without reading the body', async () => {
    const body = JSON.stringify({ template: TEMPLATE, data: {} });
    const requests = [
      head('GET', '/health'),
      head('GET', '/templates'),
      head('GET', `/templates/${TEMPLATE}`),
      head('HEAD', '/health'),
      head('POST', '/reports', ['Content-Type: application/json', `Content-Length: ${body.length}`]) + body,
      head('GET', '/'),
      head('GET', '/playground/app.js'),
    ];
    const renders = server.app.service.stats().renders;
    for (const hostHeader of [`evil.example:${port}`, 'evil.example', '127.0.0.1', `127.0.0.2:${port}`, `localhost:${port + 1}`]) {
      for (const request of requests) {
        const c = connection();
        c.write(request.replace(`Host: ${host}`, `Host: ${hostHeader}`));
        const response = await c.response(10_000, request.startsWith('HEAD'));
        expect({ request: request.split('\r\n')[0], hostHeader, status: response.status }).toEqual({ request: request.split('\r\n')[0], hostHeader, status: 403 });
        if (!request.startsWith('HEAD')) {
          expect(code(response)).toBe('FORBIDDEN');
          expect(JSON.parse(response.body).error.message).toContain(`http://127.0.0.1:${port}/`);
        }
      }
    }
    expect(server.app.service.stats().renders).toBe(renders);
    // This server's own names are answered.
    for (const hostHeader of [host, `localhost:${port}`]) {
      const c = connection();
      c.write(head('GET', '/health', [], hostHeader));
      expect((await c.response()).status).toBe(200);
    }
  });

  it('answers 413 to an oversized Content-Length at once, before reading the body or saying Continue', async () => {
    const declared = 1_000_000_000;
    const plain = connection();
    const started = Date.now();
    // Only the head: the client has not sent a byte of its gigabyte, and need not.
    plain.write(head('POST', '/reports', ['Content-Type: application/json', `Content-Length: ${declared}`]));
    const refused = await plain.response(5_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect([refused.status, code(refused)]).toEqual([413, 'LIMIT_EXCEEDED']);
    expect(JSON.parse(refused.body).error.message).toBe(`The request body is ${declared} bytes, over the limit of ${MAX_BODY}; send less data.`);
    // A client that neither sends the body nor goes away loses the connection soon (it would
    // otherwise hold it until the 60 s request timeout).
    const lingered = Date.now();
    await plain.closed;
    expect(Date.now() - lingered).toBeLessThan(5_000);

    // With Expect: 100-continue the client waits for the go-ahead, which never comes.
    const waiting = connection();
    waiting.write(head('POST', '/reports', ['Content-Type: application/json', `Content-Length: ${declared}`, 'Expect: 100-continue']));
    const answer = await waiting.response(5_000);
    expect([answer.status, answer.interim]).toEqual([413, []]);
  });

  it('says Continue to a body within the limit', async () => {
    const body = '{}';
    const c = connection();
    c.write(head('POST', '/reports', ['Content-Type: application/json', `Content-Length: ${body.length}`, 'Expect: 100-continue']));
    expect(await c.interimWithin(5_000)).toBe('HTTP/1.1 100 Continue');
    c.write(body);
    const response = await c.response();
    // The envelope is wrong: the body reached the API.
    expect([response.status, code(response)]).toEqual([400, 'INVALID_REQUEST']);
  });

  it('answers 413 to a chunked body the moment it passes the limit, naming the limit', async () => {
    const c = connection();
    c.write(head('POST', '/reports', ['Content-Type: application/json', 'Transfer-Encoding: chunked']));
    const chunk = 'x'.repeat(16 * 1024);
    // One chunk more than the limit allows, and no last chunk: the body is not finished.
    for (let i = 0; i <= MAX_BODY / chunk.length; i++) c.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    const refused = await c.response(5_000);
    expect([refused.status, code(refused)]).toEqual([413, 'LIMIT_EXCEEDED']);
    const { message } = JSON.parse(refused.body).error;
    expect(message).toBe(`The request body is over the limit of ${MAX_BODY} bytes; send less data.`);
    expect(message).not.toMatch(/more than that/);
  });

  it(`caps the bytes held for unfinished bodies at ${HELD_CAP} over all connections: 503 with Retry-After past it, room again when they end`, async () => {
    const declared = MAX_BODY - 1024;
    const lines = ['Content-Type: application/json', `Content-Length: ${declared}`];
    const partial = Buffer.alloc(declared - 8 * 1024, 0x20);
    // Two unfinished bodies of 55 KiB each: 110 KiB held, under the cap.
    const [a, b] = [connection(), connection()];
    for (const c of [a, b]) c.write(head('POST', '/reports', lines) + partial.toString('latin1'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    // A third would take the total past 128 KiB: refused at once, its bytes not kept.
    const c = connection();
    c.write(head('POST', '/reports', lines) + partial.toString('latin1'));
    const busy = await c.response(5_000);
    expect([busy.status, code(busy), busy.headers['retry-after']]).toEqual([503, 'RENDERER_BUSY', String(RETRY_AFTER)]);
    expect(JSON.parse(busy.body).error.message).toMatch(new RegExp(`too many request bodies at once; retry in ${RETRY_AFTER} s`));

    // A finishes (its body is spaces, not JSON: 400) and B hangs up: both give their bytes back.
    a.write(Buffer.alloc(8 * 1024, 0x20));
    expect((await a.response()).status).toBe(400);
    b.close();
    await b.closed;
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Now two whole bodies fit again, at the same time.
    const [d, e] = [connection(), connection()];
    for (const next of [d, e]) next.write(head('POST', '/reports', lines) + Buffer.alloc(declared, 0x20).toString('latin1'));
    expect([(await d.response()).status, (await e.response()).status]).toEqual([400, 400]);
  });

  it('answers HEAD like GET without the body', async () => {
    const get = connection();
    get.write(head('GET', '/templates'));
    const full = await get.response();
    const c = connection();
    c.write(head('HEAD', '/templates', ['Connection: close']));
    await c.closed;
    const text = (c as unknown as { received: Buffer }).received.toString('latin1');
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toContain(`\r\ncontent-length: ${full.headers['content-length']}\r\n`);
    // Nothing after the head: no body.
    expect(text.endsWith('\r\n\r\n')).toBe(true);
  });
});
