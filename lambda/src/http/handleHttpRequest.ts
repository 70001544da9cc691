/**
 * The HTTP API (docs/http-api.md), free of any framework or event shape: the Lambda handler and the local
 * server both translate to an HttpRequest, call this, and send back the HttpResponse.
 *
 *   POST /reports            {"template", "data"} → 201 {id, key, url, expiresAt, bytes, pages, sha256}
 *   GET  /reports/{id}       → 200 with a fresh signed link, 404 if unknown
 *   GET  /templates          → 200 {templates: [{id, title, description, samples}]}
 *   GET  /templates/{id}     → 200 {id, title, description, samples, schema, sample}
 *   GET  /health             → 200 {status: "ok", ...}
 *   HEAD on each GET route   → the GET answer's status and headers, no body
 *
 * The request is read in the order that costs least to refuse: path (400, requestTarget.ts),
 * route, size (413), media type (415), JSON (400), envelope (400), then the core (422 schema,
 * 404 template, 503 busy).
 */
import { performance } from 'node:perf_hooks';
import { TextDecoder } from 'node:util';
import {
  InvalidRequestError,
  LimitExceededError,
  MethodNotAllowedError,
  RendererBusyError,
  RouteNotFoundError,
  UnsupportedMediaTypeError,
  type ErrorDetail,
} from '../core/errors';
import type { Logger } from '../core/ports';
import type { ReportService } from '../core/ReportService';
import type { TemplateStore } from '../core/TemplateStore';
import { errorCodeOf, errorResponse } from './errorResponse';
import type { HttpConfig } from '../config/loadConfig';
import { jsonResponse, withoutBodyForHead, type HttpRequest, type HttpResponse } from './httpMessages';
import { canonicalPath } from './requestTarget';

export interface HttpDependencies {
  readonly service: Pick<ReportService, 'create' | 'link' | 'stats'>;
  readonly templates: Pick<TemplateStore, 'list' | 'get'>;
  readonly config: HttpConfig;
  /** RETRY_AFTER_SECONDS: `Retry-After` of a 503 whose error does not carry its own (RENDER_TIMEOUT). */
  readonly retryAfterSeconds: number;
  readonly logger: Logger;
}

/** Facts about the request that end up in its log line. */
type LogFields = Record<string, unknown>;

type RouteHandler = (request: HttpRequest, param: string, deps: HttpDependencies, log: LogFields) => Promise<HttpResponse>;

interface Route {
  readonly pattern: RegExp;
  readonly methods: Readonly<Record<string, RouteHandler>>;
}

const ENVELOPE_FIELDS = ['template', 'data'];

/** `application/json`, `application/json; charset=utf-8`, `application/vnd.x+json`… */
function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const [type, ...params] = contentType.split(';').map((s) => s.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return false;
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

function header(request: HttpRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(request.headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** The raw body bytes, refusing anything over the limit before decoding it as text. */
function bodyBytes(request: HttpRequest, maxBodyBytes: number): Buffer {
  const body = request.body ?? '';
  const bytes = request.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  if (bytes.length > maxBodyBytes) {
    throw new LimitExceededError(`The request body is ${bytes.length} bytes, over the limit of ${maxBodyBytes}; send less data.`);
  }
  return bytes;
}

function parseJsonBody(request: HttpRequest, maxBodyBytes: number): unknown {
  const bytes = bodyBytes(request, maxBodyBytes);
  if (!isJsonMediaType(header(request, 'content-type'))) {
    throw new UnsupportedMediaTypeError('Send the request body as JSON with "Content-Type: application/json".');
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InvalidRequestError('The request body is not valid UTF-8; send JSON encoded as UTF-8.');
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new InvalidRequestError(`The request body is not valid JSON: ${(error as Error).message}.`);
  }
}

/** `{"template": "<id>", "data": {...}}`, every problem reported at once. */
function readEnvelope(body: unknown): { template: string; data: unknown } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError('The request body must be a JSON object {"template": "...", "data": {...}}.', {
      details: [{ path: '', message: 'must be an object with "template" and "data"' }],
    });
  }
  const envelope = body as Record<string, unknown>;
  const details: ErrorDetail[] = [];
  if (typeof envelope.template !== 'string' || envelope.template === '') {
    details.push({ path: '/template', message: 'is required: the template id as a string, see GET /templates' });
  }
  if (!('data' in envelope)) details.push({ path: '/data', message: 'is required: the report data as an object' });
  for (const key of Object.keys(envelope)) {
    if (!ENVELOPE_FIELDS.includes(key)) details.push({ path: `/${key}`, message: 'is not a field of the request; only "template" and "data" are' });
  }
  if (details.length > 0) {
    throw new InvalidRequestError(`The request body has ${details.length} problem(s): ${details.map((d) => d.path).join(', ')}.`, { details });
  }
  return { template: envelope.template as string, data: envelope.data };
}

const createReport: RouteHandler = async (request, _param, deps, log) => {
  const { template, data } = readEnvelope(parseJsonBody(request, deps.config.maxBodyBytes));
  log.template = template.slice(0, 64);
  const outcome = await deps.service.create(template, data);
  Object.assign(log, {
    reportId: outcome.link.id,
    bytes: outcome.link.bytes,
    pages: outcome.link.pages,
    rendered: outcome.rendered,
    renderMs: outcome.renderMs,
    blockedRequests: outcome.blockedRequests?.length,
  });
  return jsonResponse(201, outcome.link, request.requestId, {
    location: `/reports/${outcome.link.id}`,
    // Lets clients (and tests) see that a repeated POST was answered from storage.
    'x-report-cache': outcome.rendered ? 'miss' : 'hit',
  });
};

const getReport: RouteHandler = async (request, id, deps, log) => {
  const link = await deps.service.link(id);
  Object.assign(log, { reportId: link.id, bytes: link.bytes, pages: link.pages });
  return jsonResponse(200, link, request.requestId);
};

const listTemplates: RouteHandler = async (request, _param, deps) =>
  jsonResponse(200, { templates: deps.templates.list() }, request.requestId);

const getTemplate: RouteHandler = async (request, id, deps, log) => {
  const template = deps.templates.get(id);
  log.template = template.id;
  const firstSample = template.samples[0];
  return jsonResponse(
    200,
    {
      id: template.id,
      title: template.title,
      description: template.description,
      samples: template.samples,
      schema: template.schema,
      sample: firstSample === undefined ? null : template.sampleData[firstSample],
    },
    request.requestId,
  );
};

const health: RouteHandler = async (request, _param, deps) => {
  const { active, queued, renders, storedHits } = deps.service.stats();
  return jsonResponse(
    200,
    { status: 'ok', templates: deps.templates.list().map((t) => t.id), renders: { active, queued, total: renders, storedHits } },
    request.requestId,
  );
};

const ROUTES: readonly Route[] = [
  { pattern: /^\/reports$/, methods: { POST: createReport } },
  { pattern: /^\/reports\/([^/]+)$/, methods: { GET: getReport } },
  { pattern: /^\/templates$/, methods: { GET: listTemplates } },
  { pattern: /^\/templates\/([^/]+)$/, methods: { GET: getTemplate } },
  { pattern: /^\/health$/, methods: { GET: health } },
];

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function route(request: HttpRequest): { handler: RouteHandler; param: string } {
  // The transports pass the raw path; this refuses what no route may read (`//`, `..`, `\`).
  const canonical = canonicalPath(request.path);
  // One trailing slash is forgiven (`/reports/`); the routes themselves are exact.
  const path = canonical.length > 1 ? canonical.replace(/\/$/, '') : canonical;
  for (const { pattern, methods } of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    const method = request.method.toUpperCase();
    // HEAD is GET without the body (RFC 9110 §9.3.2): the same handler, the body dropped later.
    const handler = methods[method] ?? (method === 'HEAD' ? methods.GET : undefined);
    if (!handler) {
      const allowed = Object.keys(methods).flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]));
      throw new MethodNotAllowedError(`${request.method} is not supported on ${path}; use ${allowed.join(' or ')}.`, allowed);
    }
    return { handler, param: safeDecode(match[1] ?? '') };
  }
  throw new RouteNotFoundError(`No such endpoint: ${request.method} ${path.slice(0, 200)}. See GET /templates and POST /reports.`);
}

export async function handleHttpRequest(request: HttpRequest, deps: HttpDependencies): Promise<HttpResponse> {
  const started = performance.now();
  const log: LogFields = { requestId: request.requestId, method: request.method, path: request.path.slice(0, 200) };
  let response: HttpResponse;
  try {
    const { handler, param } = route(request);
    response = withoutBodyForHead(request, await handler(request, param, deps, log));
  } catch (error) {
    response = withoutBodyForHead(request, errorResponse(error, request.requestId, { retryAfterSeconds: deps.retryAfterSeconds }));
    log.status = response.statusCode;
    log.code = errorCodeOf(error);
    log.durationMs = Math.round(performance.now() - started);
    if (response.statusCode >= 500 && !(error instanceof RendererBusyError)) {
      // The cause (stack, Chromium or S3 error) is for operators only.
      deps.logger.error('request failed', { ...log, error });
    } else {
      deps.logger.warn('request refused', { ...log, reason: (error as Error).message });
    }
    return response;
  }
  log.status = response.statusCode;
  log.durationMs = Math.round(performance.now() - started);
  deps.logger.info('request served', log);
  return response;
}
