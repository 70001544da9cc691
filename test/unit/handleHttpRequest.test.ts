/**
 * Request parsing and routing of the framework-free HTTP core, with a stand-in report service
 * (storage and Chromium are exercised by the integration tests) and a real TemplateStore holding
 * one small template of the test's own.
 */
import { DataValidationError, RendererBusyError, RenderTimeoutError, ReportNotFoundError } from '../../lambda/src/core/errors';
import type { ReportLink, ReportOutcome } from '../../lambda/src/core/ReportService';
import { TemplateStore } from '../../lambda/src/core/TemplateStore';
import { handleHttpRequest, type HttpDependencies } from '../../lambda/src/http/handleHttpRequest';
import type { HttpRequest } from '../../lambda/src/http/httpMessages';

const LINK: ReportLink = {
  id: `t.${'a'.repeat(32)}`,
  key: `reports/t/${'a'.repeat(32)}.pdf`,
  url: 'http://127.0.0.1:1/b/k?X-Amz-Signature=x',
  expiresAt: '2030-01-01T00:00:00.000Z',
  bytes: 1234,
  pages: 5,
  sha256: 'f'.repeat(64),
};

/** Template `t`: its schema gives the title and description, its one sample `s` the data {a: 1}. */
const T_SCHEMA = { title: 'T', description: 'd', type: 'object' };
const TEMPLATES = TemplateStore.fromFiles([
  { id: 't', html: '<p>{{a}}</p>', css: '', schema: T_SCHEMA, partials: {}, assets: new Map(), samples: { s: { a: 1 } } },
]);

function setup(create: (template: string, data: unknown) => Promise<ReportOutcome> = async () => ({ link: LINK, templateId: 't', rendered: true, renderMs: 42 })) {
  const calls: { template: string; data: unknown }[] = [];
  const logs: { level: string; message: string; attributes: Record<string, unknown> }[] = [];
  const deps: HttpDependencies = {
    service: {
      create: async (template, data) => {
        calls.push({ template, data });
        return create(template, data);
      },
      link: async (id) => {
        if (id !== LINK.id) throw new ReportNotFoundError(`No report with id "${id}".`);
        return LINK;
      },
      stats: () => ({ active: 0, queued: 0, renders: 1, storedHits: 0 }),
    },
    templates: TEMPLATES,
    config: { maxBodyBytes: 100 },
    retryAfterSeconds: 7,
    logger: {
      info: (message, attributes) => void logs.push({ level: 'info', message, attributes }),
      warn: (message, attributes) => void logs.push({ level: 'warn', message, attributes }),
      error: (message, attributes) => void logs.push({ level: 'error', message, attributes }),
    },
  };
  return { deps, calls, logs };
}

const request = (overrides: Partial<HttpRequest>): HttpRequest => ({
  method: 'GET',
  path: '/',
  headers: {},
  body: undefined,
  isBase64Encoded: false,
  requestId: 'req-1',
  ...overrides,
});
const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }, base64 = false): HttpRequest =>
  request({ method: 'POST', path: '/reports', headers, body: base64 ? Buffer.from(body).toString('base64') : body, isBase64Encoded: base64 });

const code = (response: { body: string }): string => JSON.parse(response.body).error?.code;

describe('handleHttpRequest', () => {
  it('creates a report from JSON, plain or base64, with a BOM or a +json type', async () => {
    const { deps, calls } = setup();
    const bodies = [
      post('{"template":"t","data":{"a":1}}'),
      post('{"template":"t","data":{"a":1}}', { 'Content-Type': 'application/json; charset=UTF-8' }, true),
      post('\uFEFF{"template":"t","data":{"a":1}}', { 'content-type': 'application/vnd.report+json' }),
    ];
    for (const body of bodies) {
      const response = await handleHttpRequest(body, deps);
      expect(response.statusCode).toBe(201);
      expect(JSON.parse(response.body)).toEqual(LINK);
      expect(response.headers).toMatchObject({ location: `/reports/${LINK.id}`, 'x-report-cache': 'miss', 'x-request-id': 'req-1' });
    }
    expect(calls).toEqual(Array(3).fill({ template: 't', data: { a: 1 } }));
  });

  it('checks size before type, and type before parsing', async () => {
    const { deps, calls } = setup();
    expect(code(await handleHttpRequest(post('x'.repeat(101), { 'content-type': 'text/plain' }), deps))).toBe('LIMIT_EXCEEDED');
    // The limit counts decoded bytes: 100 bytes of base64 payload is fine.
    expect(code(await handleHttpRequest(post(`{"template":"t","data":"${'x'.repeat(70)}"}`, undefined, true), deps))).toBeUndefined();
    expect(code(await handleHttpRequest(post('{', { 'content-type': 'text/plain' }), deps))).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(code(await handleHttpRequest(post('{', {}), deps))).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(code(await handleHttpRequest(post('{'), deps))).toBe('INVALID_REQUEST');
    expect(code(await handleHttpRequest(post(''), deps))).toBe('INVALID_REQUEST');
    const invalidUtf8 = request({ method: 'POST', path: '/reports', headers: { 'content-type': 'application/json' }, body: Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'), isBase64Encoded: true });
    expect(JSON.parse((await handleHttpRequest(invalidUtf8, deps)).body).error.message).toMatch(/UTF-8/);
    expect(calls).toHaveLength(1);
  });

  it('reports every envelope problem at once', async () => {
    const { deps } = setup();
    const response = await handleHttpRequest(post('{"template":7,"extra":true}'), deps);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error.details.map((d: { path: string }) => d.path)).toEqual(['/template', '/data', '/extra']);
    expect((await handleHttpRequest(post('null'), deps)).statusCode).toBe(400);
    expect((await handleHttpRequest(post('"text"'), deps)).statusCode).toBe(400);
  });

  it('passes core errors through the one mapping', async () => {
    const details = [{ path: '/year', message: 'is required' }];
    const invalid = setup(async () => {
      throw new DataValidationError('1 problem', { details });
    });
    const response = await handleHttpRequest(post('{"template":"t","data":{}}'), invalid.deps);
    expect(response.statusCode).toBe(422);
    expect(JSON.parse(response.body).error.details).toEqual(details);

    const busy = setup(async () => {
      throw new RendererBusyError('busy', 6);
    });
    const refused = await handleHttpRequest(post('{"template":"t","data":{}}'), busy.deps);
    expect([refused.statusCode, refused.headers['retry-after']]).toEqual([503, '6']);
    expect(busy.logs.map((l) => l.level)).toEqual(['warn']);

    // A timeout carries no wait of its own: the client is told the configured RETRY_AFTER_SECONDS.
    const slow = setup(async () => {
      throw new RenderTimeoutError('took 20000 ms; raise RENDER_TIMEOUT_MS');
    });
    const timedOut = await handleHttpRequest(post('{"template":"t","data":{}}'), slow.deps);
    expect([timedOut.statusCode, code(timedOut), timedOut.headers['retry-after']]).toEqual([503, 'RENDER_TIMEOUT', '7']);
  });

  it('logs a server fault with its cause and answers without it', async () => {
    const cause = new Error('ECONNRESET at 10.0.0.1');
    const broken = setup(async () => {
      throw new TypeError('Cannot read properties of undefined (reading "x")', { cause });
    });
    const response = await handleHttpRequest(post('{"template":"t","data":{}}'), broken.deps);
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toMatch(/ECONNRESET|Cannot read|TypeError/);
    expect(broken.logs).toHaveLength(1);
    expect(broken.logs[0]).toMatchObject({ level: 'error', message: 'request failed', attributes: { requestId: 'req-1', status: 500, code: 'INTERNAL_ERROR', template: 't' } });
    expect((broken.logs[0].attributes.error as Error).cause).toBe(cause);
  });

  it('routes exactly, forgiving one trailing slash', async () => {
    const { deps } = setup();
    const get = async (path: string, method = 'GET'): Promise<number> => (await handleHttpRequest(request({ method, path }), deps)).statusCode;
    expect(await get('/health')).toBe(200);
    expect(await get('/templates/')).toBe(200);
    expect(await get('/templates/t')).toBe(200);
    expect(await get('/templates/x')).toBe(404);
    expect(await get(`/reports/${LINK.id}`)).toBe(200);
    expect(await get(`/reports/${LINK.id}/extra`)).toBe(404);
    expect(await get('/reports/%E0%A4%AA')).toBe(404);
    expect(await get('/reports', 'GET')).toBe(405);
    expect(await get('/health', 'post')).toBe(405);
    expect(await get('/')).toBe(404);
    // Escapes of letters and digits are the letters themselves (RFC 3986 §6.2.2.2).
    expect(await get('/%68ealth')).toBe(200);
    expect(await get('/templates/%74')).toBe(200);
  });

  it('refuses raw paths that only mean a route after repairs: 400, saying what to change', async () => {
    const { deps, calls } = setup();
    // The paths of issue #13 (part 5), and their relatives: empty segments, dot segments plain
    // and encoded, backslashes, broken escapes, targets that are not a path.
    const refused = ['//health', '//templates', '/health//', '/health/..', '/health/.', '/templates/%2e%2e', '/templates/.%2E', '/reports/..', '/x/../reports', '/./health', '/reports\\', '/reports/%E0%A4%A', '/health%', '/he alth', '/health#x', 'health', '*', 'http://evil.example/health', '/templates/\u53bf'];
    for (const path of refused) {
      for (const method of ['GET', 'POST']) {
        const response = await handleHttpRequest(request({ method, path, headers: { 'content-type': 'application/json' }, body: '{"template":"t","data":{}}' }), deps);
        expect({ path, method, status: response.statusCode, code: code(response) }).toEqual({ path, method, status: 400, code: 'INVALID_REQUEST' });
        expect(JSON.parse(response.body).error.message).toMatch(/^The request path .+; (?:remove|send|encode|write)/);
      }
    }
    expect(calls).toEqual([]);
    // An encoded slash stays inside its segment: it is a (wrong) id, not a way to another route.
    expect((await handleHttpRequest(request({ path: '/templates/..%2F..%2Fetc' }), deps)).statusCode).toBe(404);
  });

  it('answers HEAD on every GET route like GET, without the body', async () => {
    const { deps } = setup();
    for (const path of ['/health', '/templates', '/templates/t', `/reports/${LINK.id}`, '/templates/x']) {
      const get = await handleHttpRequest(request({ path }), deps);
      const head = await handleHttpRequest(request({ method: 'HEAD', path }), deps);
      expect(head.statusCode).toBe(get.statusCode);
      expect(head.body).toBe('');
      const { 'content-length': length, ...headers } = head.headers;
      expect(headers).toEqual(get.headers);
      expect(length).toBe(String(Buffer.byteLength(get.body)));
    }
    // POST-only stays POST-only, and a wrong method hears that HEAD is allowed where GET is.
    const headReports = await handleHttpRequest(request({ method: 'HEAD', path: '/reports' }), deps);
    expect([headReports.statusCode, headReports.headers.allow, headReports.body]).toEqual([405, 'POST', '']);
    const put = await handleHttpRequest(request({ method: 'PUT', path: '/templates' }), deps);
    expect([put.statusCode, put.headers.allow]).toEqual([405, 'GET, HEAD']);
  });

  it('shows a template with its schema and first sample', async () => {
    const { deps } = setup();
    const response = await handleHttpRequest(request({ path: '/templates/t' }), deps);
    expect(JSON.parse(response.body)).toEqual({ id: 't', title: 'T', description: 'd', samples: ['s'], schema: T_SCHEMA, sample: { a: 1 } });
  });

  it('logs one line per request with the request id, template, size, pages and render time', async () => {
    const { deps, logs } = setup();
    await handleHttpRequest(post('{"template":"t","data":{}}'), deps);
    expect(logs).toEqual([
      {
        level: 'info',
        message: 'request served',
        attributes: expect.objectContaining({ requestId: 'req-1', method: 'POST', path: '/reports', status: 201, template: 't', reportId: LINK.id, bytes: 1234, pages: 5, renderMs: 42, rendered: true, durationMs: expect.any(Number) }),
      },
    ]);
  });
});
