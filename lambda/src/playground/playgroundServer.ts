/**
 * The playground: the page `npm start` serves at `/` (pick a template, fill in the form, watch the
 * PDF) and the local-only routes it needs beyond the HTTP API. It lives in the dev server only;
 * the Lambda handler and handleHttpRequest know nothing of it.
 *
 *   GET  /                                      the page (static files under lambda/src/playground/static)
 *   GET  /playground/<file>.js|.css|.svg        its scripts, styles and icon
 *   GET  /playground/templates/{id}/samples/{name}  one sample's data (GET /templates/{id} has only the first)
 *   GET  /playground/templates/{id}/example.jsonl   the samples as a batch items file
 *   GET  /playground/templates/{id}/sheet.xlsx      the Excel data sheet, its one row the first sample
 *   POST /playground/templates/{id}/sheet.xlsx      {"data", "id"?} → the same sheet with that county as its row
 *   POST /playground/templates/{id}/rows?name=      raw .xlsx/.csv/.json/.jsonl → {items: [{id, where, data, problem}]}
 *   GET  /playground/reports/{id}.pdf            a stored report, inline, same origin: the preview frame
 *   POST /playground/batches?template=&name=&volume=1   raw items file → 202 {id, …}
 *   GET  /playground/batches                     the batches this server holds, newest first
 *   GET  /playground/batches/{id}                progress, per-item states, time left and the manifest
 *   POST /playground/batches/{id}/cancel         stop after the documents in progress, finish with what was done
 *   POST /playground/batches/{id}/rerun          a new batch of the items without a PDF, same records
 *   GET  /playground/batches/{id}/failed-rows    those items' rows, in the uploaded file's format
 *   GET  /playground/batches/{id}/reports.zip | volume.pdf | manifest.json | files/{name}.pdf
 *
 * Everything else falls through to the HTTP API. The page is a developer tool bound to 127.0.0.1,
 * but a web page in the same browser can still aim requests at it, so requests must name this
 * server as their Host (no DNS rebinding: the local server checks that for every route before it
 * offers a request here, http/localHost.ts) and state-changing ones must come from its own origin
 * with a content type a cross-site form cannot send (no CSRF). Paths arrive read by the same rule
 * as the API's (http/requestTarget.ts): no `//`, `..` or `\` reaches the routes below.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { batchFormatOf, parseBatchItems, textOf } from '../batch/parseBatchItems';
import { XLSX_MEDIA_TYPE, type WorkbookLimits } from '../batch/readWorkbook';
import { defaultRowId, writeWorkbook, type WorkbookRow } from '../batch/writeWorkbook';
import type { App } from '../compose';
import type { PlaygroundConfig } from '../config/loadConfig';
import {
  InvalidRequestError,
  LimitExceededError,
  MethodNotAllowedError,
  RendererBusyError,
  RouteNotFoundError,
  StorageError,
  UnsupportedMediaTypeError,
} from '../core/errors';
import { MANIFEST_FILE, VOLUME_FILE, ZIP_FILE } from '../core/storageLayout';
import type { Template } from '../core/TemplateStore';
import { findProjectRoot } from '../config/projectRoot';
import { errorResponse } from '../http/errorResponse';
import { contentDisposition, fileNameOfContentDisposition } from '../core/contentDisposition';
import { jsonResponse, type HttpResponse } from '../http/httpMessages';
import { forbiddenResponse } from '../http/localHost';
import type { RequestTarget } from '../http/requestTarget';
import type { LocalRoutes } from '../http/startLocalServer';
import { BatchJobs, JOB_ID } from './BatchJobs';

/** The page's static files: plain HTML, CSS and ES modules, no build step. */
export function playgroundStaticDir(): string {
  return join(findProjectRoot(), 'lambda', 'src', 'playground', 'static');
}

/**
 * The page runs only its own scripts and styles; it talks only to this server and frames only
 * this server's PDF previews. The signed download links point at S3, but following a link is a
 * navigation, which CSP does not restrict.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-src 'self'",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const STATIC_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const STATIC_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*\.(?:js|css|svg)$/;

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

export interface PlaygroundOptions {
  readonly app: App;
  readonly config: PlaygroundConfig;
}

export interface Playground extends LocalRoutes {
  /** Whether the request is the playground's (`/`, `/index.html`, `/playground…`); the HTTP API answers the rest. */
  claims(target: RequestTarget): boolean;
  /** Serves a request it claims. */
  handle(req: IncomingMessage, res: ServerResponse, target: RequestTarget): Promise<void>;
  /** Lets a running batch finish the documents in progress, then closes the batch browsers. */
  close(): Promise<void>;
}

class ForbiddenError extends Error {}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new RouteNotFoundError(`Malformed path segment ${segment.slice(0, 60)}.`);
  }
}

function sendResponse(res: ServerResponse, response: HttpResponse): void {
  res.writeHead(response.statusCode, { ...response.headers, 'content-length': Buffer.byteLength(response.body) });
  res.end(response.body);
}

function sendBody(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer | string, head: boolean): void {
  res.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(head ? undefined : body);
}

/** Reads a request body up to `max` bytes; LimitExceededError beyond (the rest is not kept). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      req.resume();
      reject(new LimitExceededError(`文件有 ${declared} 字节，超过预览台的上限 ${max} 字节（PLAYGROUND_MAX_UPLOAD_BYTES）：请分成几个文件，或用命令行 \`pdf-export batch\`。`));
      return;
    }
    let size = 0;
    const chunks: Buffer[] = [];
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        failed = true;
        chunks.length = 0;
      } else if (!failed) chunks.push(chunk);
    });
    req.on('end', () =>
      failed
        ? reject(new LimitExceededError(`文件超过预览台的上限 ${max} 字节（PLAYGROUND_MAX_UPLOAD_BYTES）：请分成几个文件，或用命令行 \`pdf-export batch\`。`))
        : resolve(Buffer.concat(chunks)),
    );
    req.on('error', reject);
  });
}

/**
 * The body of a cancel or re-run: nothing is read from it, but like an upload it must be of a type
 * a cross-site form cannot send (application/json), so another site cannot trigger one.
 */
async function readCommand(req: IncomingMessage): Promise<void> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    req.resume();
    throw new UnsupportedMediaTypeError('Send the command with "Content-Type: application/json" and an empty object {} as its body.');
  }
  await readBody(req, 1024);
}

/** CSRF: state-changing requests must come from the page itself. */
function checkSameOrigin(req: IncomingMessage, origin: string): void {
  const from = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  if ((from !== undefined && from !== origin) || (site !== undefined && site !== 'same-origin')) {
    throw new ForbiddenError('Batches can be started only from the playground page itself.');
  }
}

export function createPlayground(options: PlaygroundOptions): Playground {
  const { app, config } = options;
  const { logger } = app;
  const staticDir = playgroundStaticDir();
  if (!existsSync(join(staticDir, 'index.html'))) {
    throw new Error(`The playground's page is missing: ${join(staticDir, 'index.html')}`);
  }
  // The names are fixed at start-up; the contents are read per request, so edits show on reload.
  const staticNames = new Set(readdirSync(staticDir).filter((name) => STATIC_NAME.test(name)));
  const { templates } = app;
  /** How much of a workbook the playground reads: the batch limits, within its own upload limit. */
  const workbookLimits: WorkbookLimits = {
    maxBytes: Math.min(app.config.batch.maxWorkbookBytes, config.maxUploadBytes),
    maxUnzippedBytes: app.config.batch.maxWorkbookUnzippedBytes,
    maxRows: app.config.batch.maxItems,
  };
  const jobs = new BatchJobs({
    dir: join(config.dir, 'batches'),
    app,
    concurrency: config.batchConcurrency,
    keep: config.keepBatches,
    onError: (message, error) => logger.error(message, { error }),
  });

  const serveStatic = async (res: ServerResponse, name: string, head: boolean): Promise<void> => {
    const ext = name.slice(name.lastIndexOf('.'));
    const body = await readFile(join(staticDir, name));
    const headers: Record<string, string> = { 'content-type': STATIC_TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'no-cache' };
    if (ext === '.html') Object.assign(headers, { 'content-security-policy': PAGE_CSP, 'x-frame-options': 'DENY', 'cross-origin-opener-policy': 'same-origin' });
    sendBody(res, 200, headers, body, head);
  };

  const sendFile = async (
    res: ServerResponse,
    path: string,
    type: string,
    names: { fileName: string; ascii: string },
    disposition: 'inline' | 'attachment',
    head: boolean,
  ): Promise<void> => {
    const { size } = await stat(path);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': type,
      'content-length': size,
      'content-disposition': contentDisposition(names.fileName, names.ascii).replace(/^attachment/, disposition),
      'cache-control': 'no-store',
      'x-frame-options': 'SAMEORIGIN',
    });
    if (head) res.end();
    else await pipeline(createReadStream(path), res);
  };

  /** A stored report, fetched through its signed link and served inline from this origin. */
  const previewPdf = async (res: ServerResponse, id: string, head: boolean): Promise<void> => {
    const link = await app.service.link(id);
    let upstream: Response;
    try {
      upstream = await fetch(link.url, { signal: AbortSignal.timeout(15_000) });
    } catch (error) {
      throw new StorageError('The stored report could not be read.', { cause: error });
    }
    if (!upstream.ok) throw new StorageError(`Reading the stored report answered ${upstream.status}.`);
    const pdf = Buffer.from(await upstream.arrayBuffer());
    const name = fileNameOfContentDisposition(upstream.headers.get('content-disposition') ?? '') ?? `${id}.pdf`;
    sendBody(
      res,
      200,
      {
        'content-type': 'application/pdf',
        'content-disposition': contentDisposition(name, `${id}.pdf`).replace(/^attachment/, 'inline'),
        // Ids are content hashes: the same id is always the same document.
        'cache-control': 'private, max-age=3600',
        'x-frame-options': 'SAMEORIGIN',
      },
      pdf,
      head,
    );
  };

  const startBatch = async (req: IncomingMessage, res: ServerResponse, query: URLSearchParams, requestId: string): Promise<void> => {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    // Not a type a cross-site <form> can send, so a browser would have to ask first (CORS), and is refused.
    if (type !== 'application/octet-stream') {
      throw new UnsupportedMediaTypeError('Send the items file as the raw request body with "Content-Type: application/octet-stream".');
    }
    const templateId = query.get('template') ?? '';
    const source = (query.get('name') ?? '').slice(0, 200);
    if (templateId === '') throw new InvalidRequestError('Name the template: ?template=<id>.', { details: [{ path: 'template', message: 'is required' }] });
    const format = batchFormatOf(source);
    const bytes = await readBody(req, config.maxUploadBytes);
    // A workbook is read from its bytes; text files are decoded here (a CSV may be UTF-8 or GB18030).
    const file = format === 'xlsx' ? { bytes, workbook: workbookLimits } : { text: textOf(bytes, format) };
    const view = await jobs.start({ templateId, format, ...file, source, volume: query.get('volume') === '1' });
    logger.info('playground batch started', { requestId, batchId: view.id, template: view.template, items: view.counts.total });
    sendResponse(res, jsonResponse(202, view, requestId, { location: `/playground/batches/${view.id}` }));
  };

  /**
   * The template's Excel data sheet (writeWorkbook.ts): GET gives it with the first sample as its
   * one row; POST `{"data": {...}, "id"?}` gives it with that county as its one row (the form's
   * 导出 Excel). POST comes from the page only, as JSON, which a cross-site form cannot send.
   */
  const sendSheet = async (req: IncomingMessage, res: ServerResponse, template: Template, post: boolean, head: boolean): Promise<void> => {
    let row: WorkbookRow;
    if (post) {
      checkSameOrigin(req, `http://${req.headers.host}`);
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (type !== 'application/json') {
        req.resume();
        throw new UnsupportedMediaTypeError('Send {"data": {...}} with "Content-Type: application/json".');
      }
      let body: unknown;
      try {
        body = JSON.parse((await readBody(req, config.maxUploadBytes)).toString('utf8'));
      } catch (error) {
        if (error instanceof LimitExceededError) throw error;
        throw new InvalidRequestError(`The body is not valid JSON (${(error as Error).message}); send {"data": {...}}.`);
      }
      const { data, id } = (typeof body === 'object' && body !== null ? body : {}) as { data?: unknown; id?: unknown };
      if (typeof data !== 'object' || data === null || Array.isArray(data)) {
        throw new InvalidRequestError('Send {"data": {...}}: the report data of one county.', { details: [{ path: '/data', message: 'must be an object' }] });
      }
      row = { id: typeof id === 'string' && id.trim() !== '' ? id.trim() : defaultRowId(template.schema, data), data };
    } else {
      const data = template.sampleData[template.samples[0]] ?? {};
      row = { id: defaultRowId(template.schema, data), data };
    }
    const bytes = await writeWorkbook(template, [row], { maxRows: app.config.batch.maxItems });
    const name = post ? `${template.title}-${row.id}.xlsx` : `${template.title}-数据模板.xlsx`;
    const headers = { 'content-type': XLSX_MEDIA_TYPE, 'content-disposition': contentDisposition(name, `${template.id}-sheet.xlsx`), 'cache-control': 'no-store' };
    sendBody(res, 200, headers, bytes, head);
  };

  /** The items of an uploaded file (.xlsx, .csv, .json, .jsonl), read as a batch would, for the form to open one county. */
  const sendRows = async (req: IncomingMessage, res: ServerResponse, template: Template, query: URLSearchParams, requestId: string): Promise<void> => {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/octet-stream') {
      req.resume();
      throw new UnsupportedMediaTypeError('Send the file as the raw request body with "Content-Type: application/octet-stream".');
    }
    const format = batchFormatOf((query.get('name') ?? '').slice(0, 200));
    const bytes = await readBody(req, config.maxUploadBytes);
    const items = parseBatchItems(format === 'xlsx' ? bytes : textOf(bytes, format), format, template.schema, { workbook: workbookLimits });
    const answer = items.map((item) => ({
      id: item.id,
      where: item.where,
      data: item.data ?? null,
      problem: item.problem ? { code: item.problem.code, message: item.problem.message, details: item.problem.details } : null,
    }));
    sendResponse(res, jsonResponse(200, { template: template.id, items: answer }, requestId));
  };

  const route = async (req: IncomingMessage, res: ServerResponse, target: RequestTarget, requestId: string): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const { path } = target;
    const head = method === 'HEAD';
    const only = (...allowed: string[]): void => {
      const accepted = allowed.includes('GET') ? [...allowed, 'HEAD'] : allowed;
      if (!accepted.includes(method)) throw new MethodNotAllowedError(`${method} is not supported on ${path}; use ${allowed.join(' or ')}.`, allowed);
    };
    let m: RegExpExecArray | null;

    if (path === '/' || path === '/index.html') {
      only('GET');
      return serveStatic(res, 'index.html', head);
    }
    if ((m = /^\/playground\/([^/]+)$/.exec(path)) && staticNames.has(m[1])) {
      only('GET');
      return serveStatic(res, m[1], head);
    }
    if ((m = /^\/playground\/templates\/([^/]+)\/samples\/([^/]+)$/.exec(path))) {
      only('GET');
      const template = templates.get(decode(m[1]));
      const name = decode(m[2]);
      if (!template.samples.includes(name)) throw new RouteNotFoundError(`Template ${template.id} has no sample "${name.slice(0, 60)}"; it has ${template.samples.join(', ') || 'none'}.`);
      return sendResponse(res, jsonResponse(200, { template: template.id, name, data: template.sampleData[name] }, requestId));
    }
    if ((m = /^\/playground\/templates\/([^/]+)\/example\.jsonl$/.exec(path))) {
      only('GET');
      const template = templates.get(decode(m[1]));
      const lines = template.samples.map((name) => JSON.stringify({ id: name, data: template.sampleData[name] }));
      return sendBody(
        res,
        200,
        { 'content-type': 'application/x-ndjson; charset=utf-8', 'content-disposition': contentDisposition(`${template.id}-examples.jsonl`), 'cache-control': 'no-cache' },
        lines.map((line) => `${line}\n`).join(''),
        head,
      );
    }
    if ((m = /^\/playground\/templates\/([^/]+)\/sheet\.xlsx$/.exec(path))) {
      only('GET', 'POST');
      return sendSheet(req, res, templates.get(decode(m[1])), method === 'POST', head);
    }
    if ((m = /^\/playground\/templates\/([^/]+)\/rows$/.exec(path))) {
      only('POST');
      checkSameOrigin(req, `http://${req.headers.host}`);
      return sendRows(req, res, templates.get(decode(m[1])), target.query, requestId);
    }
    if ((m = /^\/playground\/reports\/([^/]+)\.pdf$/.exec(path))) {
      only('GET');
      return previewPdf(res, decode(m[1]), head);
    }
    if (path === '/playground/batches') {
      only('GET', 'POST');
      if (method === 'GET' || head) return sendResponse(res, jsonResponse(200, { batches: jobs.list() }, requestId));
      // The Host is this server's (checked before any route), so it spells the page's origin.
      checkSameOrigin(req, `http://${req.headers.host}`);
      return startBatch(req, res, target.query, requestId);
    }
    if ((m = /^\/playground\/batches\/([^/]+)\/(cancel|rerun)$/.exec(path))) {
      only('POST');
      checkSameOrigin(req, `http://${req.headers.host}`);
      await readCommand(req);
      const id = decode(m[1]);
      if (m[2] === 'cancel') {
        const view = jobs.cancel(id);
        logger.info('playground batch cancel', { requestId, batchId: id, phase: view.phase });
        return sendResponse(res, jsonResponse(view.cancelRequested ? 202 : 200, view, requestId));
      }
      const view = await jobs.rerun(id);
      logger.info('playground batch re-run', { requestId, batchId: view.id, rerunOf: id, items: view.counts.total });
      return sendResponse(res, jsonResponse(202, view, requestId, { location: `/playground/batches/${view.id}` }));
    }
    if ((m = /^\/playground\/batches\/([^/]+)\/failed-rows$/.exec(path))) {
      only('GET');
      const id = decode(m[1]);
      const file = await jobs.failedRows(id);
      return sendBody(
        res,
        200,
        { 'content-type': file.contentType, 'content-disposition': contentDisposition(file.fileName, file.ascii), 'cache-control': 'no-store' },
        file.body,
        head,
      );
    }
    if ((m = /^\/playground\/batches\/([^/]+)(?:\/(reports\.zip|volume\.pdf|manifest\.json|files\/[^/]+))?$/.exec(path))) {
      only('GET');
      const id = m[1];
      const view = JOB_ID.test(id) ? jobs.view(id) : undefined;
      if (!view) throw new RouteNotFoundError(`没有批次 ${id.slice(0, 40)}：服务器重新启动后，之前的批次不再保留。`);
      const file = m[2];
      if (file === undefined) return sendResponse(res, jsonResponse(200, view, requestId));
      const name = file.startsWith('files/') ? decode(file.slice('files/'.length)) : file;
      const filePath = jobs.filePath(id, name);
      if (!filePath) throw new RouteNotFoundError(`Batch ${id} has no ${name.slice(0, 80)} (yet).`);
      const title = view.templateTitle;
      if (name === ZIP_FILE) return sendFile(res, filePath, 'application/zip', { fileName: `${title}-${id}.zip`, ascii: `reports-${id}.zip` }, 'attachment', head);
      if (name === VOLUME_FILE) return sendFile(res, filePath, 'application/pdf', { fileName: `${title}汇编-${id}.pdf`, ascii: `volume-${id}.pdf` }, 'attachment', head);
      if (name === MANIFEST_FILE) return sendFile(res, filePath, 'application/json; charset=utf-8', { fileName: `manifest-${id}.json`, ascii: `manifest-${id}.json` }, 'attachment', head);
      return sendFile(res, filePath, 'application/pdf', { fileName: name, ascii: `report-${id}.pdf` }, 'inline', head);
    }
    throw new RouteNotFoundError(`No such playground resource: ${method} ${path.slice(0, 200)}.`);
  };

  return {
    claims: ({ path }) => path === '/' || path === '/index.html' || path === '/playground' || path.startsWith('/playground/'),
    async handle(req, res, target) {
      const requestId = randomUUID();
      try {
        await route(req, res, target, requestId);
      } catch (error) {
        if (res.headersSent) {
          res.destroy();
        } else if (error instanceof ForbiddenError) {
          sendResponse(res, forbiddenResponse(error.message, requestId));
        } else {
          const response = errorResponse(error, requestId);
          const log = { requestId, path: target.path.slice(0, 200), status: response.statusCode };
          if (response.statusCode >= 500 && !(error instanceof RendererBusyError)) logger.error('playground request failed', { ...log, error });
          else logger.warn('playground request refused', { ...log, reason: (error as Error).message });
          sendResponse(res, response);
        }
      }
    },
    close: () => jobs.close(),
  };
}
