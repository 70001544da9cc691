/**
 * `POST /batches` and `GET /batches/{id}` (the batch API function on AWS): the requests mapped onto
 * the remote batch use cases (batch/remoteBatches.ts), every error through errorResponse.
 *
 *   POST /batches  application/json  {"template": "...", "items": [{"id", "data"}, …], "zip"?: true}
 *                  application/x-ndjson or text/csv with ?template=…[&zip=false]: the items file as is
 *                  application/vnd.openxmlformats-officedocument.spreadsheetml.sheet with ?template=…: an
 *                  Excel workbook (base64, as API Gateway passes binary bodies), turned into JSON Lines
 *     → 202 {"batchId", "template", "status": "running", "total", "links": {"self": "/batches/<id>"}}
 *   GET /batches/{id}
 *     → 200 {"batchId", "template", "status": "running" | "succeeded" | "failed" | "timed_out" | "aborted",
 *            "startedAt", "stoppedAt", "progress"?: {…}, "total", "succeeded", "failed", "skipped",
 *            "failedItems": [{"id", "code", "message"}], "manifest": {"url", "expiresAt"}, "zip": {…}}
 */
import { XLSX_MEDIA_TYPE } from '../batch/readWorkbook';
import { describeRemoteBatch, startRemoteBatch, type RemoteBatchDependencies, type RemoteBatchUpload } from '../batch/remoteBatches';
import { InvalidRequestError, LimitExceededError, MethodNotAllowedError, RouteNotFoundError, UnsupportedMediaTypeError } from '../core/errors';
import type { Logger } from '../core/ports';
import type { ItemsFormat } from '../core/storageLayout';
import { errorResponse } from './errorResponse';
import { jsonResponse, withoutBodyForHead, type HttpRequest, type HttpResponse } from './httpMessages';
import { canonicalPath } from './requestTarget';

export interface BatchRoutesDependencies extends RemoteBatchDependencies {
  /** Largest accepted body, after base64 decoding (MAX_BATCH_BODY_BYTES). */
  readonly maxBodyBytes: number;
  readonly logger: Logger;
}

const MEDIA_TYPES: Readonly<Record<string, 'json' | ItemsFormat | 'xlsx'>> = {
  'application/json': 'json',
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/x-jsonlines': 'jsonl',
  'text/csv': 'csv',
  [XLSX_MEDIA_TYPE]: 'xlsx',
};

function bodyBytes(request: HttpRequest, maxBytes: number): Buffer {
  const raw = request.body ?? '';
  const buffer = request.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (buffer.length > maxBytes) {
    throw new LimitExceededError(
      `The items are ${buffer.length} bytes; this endpoint takes up to ${maxBytes}. Upload larger files to S3 and start the batch with the CLI (see docs/deploy.md).`,
    );
  }
  if (buffer.length === 0) throw new InvalidRequestError('The request has no body; send the items (see POST /batches in docs/deploy.md).');
  return buffer;
}

function zipFlag(value: unknown, where: string): boolean {
  if (value === undefined) return true;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new InvalidRequestError(`${where} must be true or false.`);
}

function readUpload(request: HttpRequest, maxBodyBytes: number): RemoteBatchUpload {
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const kind = MEDIA_TYPES[mediaType];
  if (!kind) {
    throw new UnsupportedMediaTypeError(`Send the items as application/json, application/x-ndjson, text/csv or ${XLSX_MEDIA_TYPE}, not "${mediaType || 'nothing'}".`);
  }
  const bytes = bodyBytes(request, maxBodyBytes);
  if (kind === 'xlsx' && !request.isBase64Encoded) {
    // A workbook is binary: read as text on the way in, it would arrive mangled.
    throw new InvalidRequestError('Send the workbook as a binary body (API Gateway and Function URLs pass it base64-encoded); it arrived as text.');
  }
  const text = kind === 'xlsx' ? '' : bytes.toString('utf8');
  let template: unknown;
  let upload: Omit<RemoteBatchUpload, 'template'>;
  if (kind === 'json') {
    let envelope: unknown;
    try {
      envelope = JSON.parse(text);
    } catch (error) {
      throw new InvalidRequestError(`The body is not valid JSON (${(error as Error).message}).`);
    }
    if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope) || !Array.isArray((envelope as { items?: unknown }).items)) {
      throw new InvalidRequestError('The body must be {"template": "...", "items": [{"id": "...", "data": {...}}, ...]}.', {
        details: [{ path: '/items', message: 'is required: an array of {"id", "data"} items' }],
      });
    }
    const body = envelope as { template?: unknown; items: unknown[]; zip?: unknown };
    template = body.template;
    // One record a line: what the Distributed Map's JSONL reader hands to the item-batch function.
    upload = { zip: zipFlag(body.zip, '"zip"'), file: body.items.map((item) => JSON.stringify(item)).join('\n') + '\n', format: 'jsonl' };
  } else {
    template = request.query?.template;
    upload = { zip: zipFlag(request.query?.zip, 'The "zip" query parameter'), file: kind === 'xlsx' ? bytes : text, format: kind };
  }
  if (typeof template !== 'string' || template === '') {
    throw new InvalidRequestError('Say which template to use: "template" in the JSON body, or ?template=… with a JSONL/CSV/xlsx body.', {
      details: [{ path: '/template', message: 'is required: the template id, see GET /templates' }],
    });
  }
  return { ...upload, template };
}

export async function handleBatchRequest(request: HttpRequest, deps: BatchRoutesDependencies): Promise<HttpResponse> {
  return withoutBodyForHead(request, await answerBatchRequest(request, deps));
}

async function answerBatchRequest(request: HttpRequest, deps: BatchRoutesDependencies): Promise<HttpResponse> {
  try {
    // The raw path, read as the report routes read it (requestTarget.ts).
    const canonical = canonicalPath(request.path);
    const path = canonical.length > 1 ? canonical.replace(/\/$/, '') : canonical;
    const method = request.method.toUpperCase();
    if (path === '/batches') {
      if (method !== 'POST') throw new MethodNotAllowedError(`${method} is not supported on /batches; use POST.`, ['POST']);
      const started = await startRemoteBatch(readUpload(request, deps.maxBodyBytes), deps);
      return jsonResponse(202, started, request.requestId, { location: started.links.self });
    }
    const match = /^\/batches\/([^/]+)$/.exec(path);
    if (match) {
      if (method !== 'GET' && method !== 'HEAD') throw new MethodNotAllowedError(`${method} is not supported on ${path}; use GET or HEAD.`, ['GET', 'HEAD']);
      const answer = await describeRemoteBatch(decodeURIComponent(match[1]), deps);
      return jsonResponse(200, answer, request.requestId, answer.status === 'running' ? { 'retry-after': '10' } : {});
    }
    throw new RouteNotFoundError(`No such endpoint: ${method} ${path.slice(0, 200)}.`);
  } catch (error) {
    const response = errorResponse(error, request.requestId);
    if (response.statusCode >= 500) deps.logger.error('batch request failed', { requestId: request.requestId, error });
    return response;
  }
}
