/**
 * `POST /batches` and `GET /batches/{id}`: start a remote batch (upload the items, start the state
 * machine) and report its progress, then signed links to its manifest and ZIP.
 *
 *   POST /batches  application/json  {"template": "...", "items": [{"id", "data"}, …], "zip"?: true}
 *                  application/x-ndjson or text/csv with ?template=…[&zip=false]: the items file as is
 *     → 202 {"batchId", "template", "status": "running", "total", "links": {"self": "/batches/<id>"}}
 *   GET /batches/{id}
 *     → 200 {"batchId", "template", "status": "running" | "succeeded" | "failed" | "timed_out" | "aborted",
 *            "startedAt", "stoppedAt", "progress"?: {…}, "total", "succeeded", "failed", "skipped",
 *            "failedItems": [{"id", "code", "message"}], "manifest": {"url", "expiresAt"}, "zip": {…}}
 *
 * The items file is checked as a whole before anything starts (unknown template, not JSON/CSV,
 * duplicate ids: 4xx, nothing stored); single bad records are left to fail alone in the batch.
 * The batch id is the execution name, so batches started with `aws stepfunctions start-execution`
 * (docs/deploy.md) are reported the same way.
 */
import { randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { parseBatchItems, type BatchFormat } from '../batch/parseBatchItems';
import {
  InvalidRequestError,
  LimitExceededError,
  MethodNotAllowedError,
  RouteNotFoundError,
  UnsupportedMediaTypeError,
} from '../core/errors';
import type { TemplateStore } from '../core/TemplateStore';
import { contentDisposition } from '../storage/contentDisposition';
import { errorResponse } from '../http/errorResponse';
import { jsonResponse, type HttpResponse } from '../http/httpMessages';
import {
  isBatchId,
  itemsKey,
  manifestKey,
  newBatchId,
  type BatchExecutionInput,
  type ItemsFormat,
} from './batchLayout';
import type { RemoteBatchManifest } from './finalizeBatch';
import { StepFunctionsError, executionArnOf, type StepFunctionsClient } from './stepFunctionsClient';

export interface BatchApiConfig {
  readonly bucket: string;
  readonly stateMachineArn: string;
  /** Lifetime of the signed manifest/ZIP links. */
  readonly linkExpirySeconds: number;
  /** Largest accepted body, after base64 decoding (Lambda's synchronous limit is 6 MB). */
  readonly maxBodyBytes: number;
  readonly maxItems: number;
}

export interface BatchApiDependencies {
  readonly config: BatchApiConfig;
  readonly s3: S3Client;
  readonly sfn: StepFunctionsClient;
  readonly templates: TemplateStore;
  readonly now?: () => Date;
  readonly logger?: { error(message: string, fields: Record<string, unknown>): void };
}

export interface BatchApiRequest {
  readonly method: string;
  /** Without stage prefix or query string. */
  readonly path: string;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string | undefined;
  readonly isBase64Encoded: boolean;
  readonly requestId: string;
}

/** At most this many failed items are listed in the status answer; the manifest has all. */
const MAX_FAILED_LISTED = 50;

const MEDIA_TYPES: Readonly<Record<string, 'json' | ItemsFormat>> = {
  'application/json': 'json',
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/x-jsonlines': 'jsonl',
  'text/csv': 'csv',
};

function bodyText(request: BatchApiRequest, maxBytes: number): string {
  const raw = request.body ?? '';
  const buffer = request.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (buffer.length > maxBytes) {
    throw new LimitExceededError(
      `The items are ${buffer.length} bytes; this endpoint takes up to ${maxBytes}. Upload larger files to S3 and start the batch with the CLI (see docs/deploy.md).`,
    );
  }
  if (buffer.length === 0) throw new InvalidRequestError('The request has no body; send the items (see POST /batches in docs/deploy.md).');
  return buffer.toString('utf8');
}

function zipFlag(value: unknown, where: string): boolean {
  if (value === undefined) return true;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new InvalidRequestError(`${where} must be true or false.`);
}

interface ParsedUpload {
  readonly template: string;
  readonly format: ItemsFormat;
  readonly file: string;
  readonly total: number;
  readonly zip: boolean;
}

function parseUpload(request: BatchApiRequest, deps: BatchApiDependencies): ParsedUpload {
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const kind = MEDIA_TYPES[mediaType];
  if (!kind) {
    throw new UnsupportedMediaTypeError(`Send the items as application/json, application/x-ndjson or text/csv, not "${mediaType || 'nothing'}".`);
  }
  const text = bodyText(request, deps.config.maxBodyBytes);
  let template: unknown;
  let file: string;
  let format: ItemsFormat;
  let zip: boolean;
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
    zip = zipFlag(body.zip, '"zip"');
    // One record a line: what the Distributed Map's JSONL reader hands to the item-batch function.
    file = body.items.map((item) => JSON.stringify(item)).join('\n') + '\n';
    format = 'jsonl';
  } else {
    template = request.query.template;
    zip = zipFlag(request.query.zip, 'The "zip" query parameter');
    file = text;
    format = kind;
  }
  if (typeof template !== 'string' || template === '') {
    throw new InvalidRequestError('Say which template to use: "template" in the JSON body, or ?template=… with a JSONL/CSV body.', {
      details: [{ path: '/template', message: 'is required: the template id, see GET /templates' }],
    });
  }
  const found = deps.templates.get(template);
  // Whole-file problems (not CSV, unknown columns, duplicate ids) are refused now; bad records fail alone later.
  const items = parseBatchItems(file, format as BatchFormat, found.schema);
  if (items.length > deps.config.maxItems) {
    throw new LimitExceededError(`The file has ${items.length} items; one batch takes up to ${deps.config.maxItems}. Split it.`);
  }
  return { template: found.id, format, file, total: items.length, zip };
}

async function startBatch(request: BatchApiRequest, deps: BatchApiDependencies): Promise<HttpResponse> {
  const upload = parseUpload(request, deps);
  const now = deps.now?.() ?? new Date();
  const batchId = newBatchId(now, randomBytes(4));
  const batch = { template: upload.template, batchId };
  const key = itemsKey(batch, upload.format);
  const body = Buffer.from(upload.file, 'utf8');
  await deps.s3.send(
    new PutObjectCommand({
      Bucket: deps.config.bucket,
      Key: key,
      Body: body,
      ContentLength: body.length,
      ContentType: upload.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    }),
  );
  const input: BatchExecutionInput = { batchId, template: upload.template, itemsKey: key, format: upload.format, zip: upload.zip };
  await deps.sfn.startExecution({ stateMachineArn: deps.config.stateMachineArn, name: batchId, input: JSON.stringify(input) });
  return jsonResponse(
    202,
    { batchId, template: upload.template, status: 'running', total: upload.total, links: { self: `/batches/${batchId}` } },
    request.requestId,
    { location: `/batches/${batchId}` },
  );
}

const STATUS: Readonly<Record<string, string>> = {
  RUNNING: 'running',
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  TIMED_OUT: 'timed_out',
  ABORTED: 'aborted',
  PENDING_REDRIVE: 'running',
};

function isoOfEpoch(seconds: number | undefined): string | null {
  return typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : null;
}

async function signedLink(deps: BatchApiDependencies, key: string, downloadName: string, contentType: string): Promise<{ url: string; expiresAt: string }> {
  const now = deps.now?.() ?? new Date();
  const signingDate = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const expiresIn = deps.config.linkExpirySeconds;
  const url = await getSignedUrl(
    deps.s3,
    new GetObjectCommand({
      Bucket: deps.config.bucket,
      Key: key,
      ResponseContentDisposition: contentDisposition(downloadName),
      ResponseContentType: contentType,
    }),
    { expiresIn, signingDate },
  );
  return { url, expiresAt: new Date(signingDate.getTime() + expiresIn * 1000).toISOString() };
}

async function readManifest(deps: BatchApiDependencies, key: string): Promise<RemoteBatchManifest | undefined> {
  try {
    const response = await deps.s3.send(new GetObjectCommand({ Bucket: deps.config.bucket, Key: key }));
    return JSON.parse((await response.Body?.transformToString('utf8')) ?? '') as RemoteBatchManifest;
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
    throw error;
  }
}

async function batchStatus(request: BatchApiRequest, batchId: string, deps: BatchApiDependencies): Promise<HttpResponse> {
  const notFound = new RouteNotFoundError(`No batch with id "${batchId.slice(0, 100)}". POST /batches answers with the id of a new batch.`);
  if (!isBatchId(batchId)) throw notFound;
  let execution;
  try {
    execution = await deps.sfn.describeExecution(executionArnOf(deps.config.stateMachineArn, batchId));
  } catch (error) {
    if (error instanceof StepFunctionsError && error.type === 'ExecutionDoesNotExist') throw notFound;
    throw error;
  }
  let input: Partial<BatchExecutionInput> = {};
  try {
    input = JSON.parse(execution.input ?? '{}') as Partial<BatchExecutionInput>;
  } catch {
    input = {};
  }
  const status = STATUS[execution.status] ?? execution.status.toLowerCase();
  const answer: Record<string, unknown> = {
    batchId,
    template: input.template ?? null,
    status,
    startedAt: isoOfEpoch(execution.startDate),
    stoppedAt: isoOfEpoch(execution.stopDate),
  };
  if (status === 'running') {
    const [run] = await deps.sfn.listMapRuns(execution.executionArn);
    if (run) {
      const { itemCounts } = await deps.sfn.describeMapRun(run.mapRunArn);
      // Map-level counts: an item "succeeded" here when its group ran; item-level failures are in the manifest.
      answer.progress = {
        total: itemCounts.total,
        processed: itemCounts.succeeded + itemCounts.failed + itemCounts.timedOut + itemCounts.aborted,
        running: itemCounts.running,
        pending: itemCounts.pending,
        groupsFailed: itemCounts.failed + itemCounts.timedOut,
      };
    } else {
      answer.progress = null;
    }
    return jsonResponse(200, answer, request.requestId, { 'retry-after': '10' });
  }
  if (execution.status !== 'SUCCEEDED') answer.error = { code: execution.error ?? 'BATCH_FAILED', message: (execution.cause ?? '').slice(0, 500) };
  const manifest = typeof input.template === 'string' ? await readManifest(deps, manifestKey({ template: input.template, batchId })) : undefined;
  if (manifest) {
    answer.total = manifest.total;
    answer.succeeded = manifest.succeeded;
    answer.failed = manifest.failed;
    answer.skipped = manifest.skipped;
    answer.failedItems = manifest.items
      .filter((item) => item.status === 'failed')
      .slice(0, MAX_FAILED_LISTED)
      .map((item) => ({ id: item.id, code: item.error?.code ?? null, message: item.error?.message ?? null }));
    answer.manifest = await signedLink(deps, manifestKey({ template: manifest.template, batchId }), `${batchId}-manifest.json`, 'application/json');
    answer.zip = manifest.zip ? await signedLink(deps, manifest.zip, `${batchId}.zip`, 'application/zip') : null;
  } else {
    answer.manifest = null;
    answer.zip = null;
  }
  return jsonResponse(200, answer, request.requestId);
}

export async function handleBatchRequest(request: BatchApiRequest, deps: BatchApiDependencies): Promise<HttpResponse> {
  try {
    const path = request.path.length > 1 ? request.path.replace(/\/$/, '') : request.path;
    const method = request.method.toUpperCase();
    if (path === '/batches') {
      if (method !== 'POST') throw new MethodNotAllowedError(`${method} is not supported on /batches; use POST.`, ['POST']);
      return await startBatch(request, deps);
    }
    const match = /^\/batches\/([^/]+)$/.exec(path);
    if (match) {
      if (method !== 'GET') throw new MethodNotAllowedError(`${method} is not supported on ${path}; use GET.`, ['GET']);
      return await batchStatus(request, decodeURIComponent(match[1]), deps);
    }
    throw new RouteNotFoundError(`No such endpoint: ${method} ${path.slice(0, 200)}.`);
  } catch (error) {
    const response = errorResponse(error, request.requestId);
    if (response.statusCode >= 500) deps.logger?.error('batch request failed', { requestId: request.requestId, error });
    return response;
  }
}
