/**
 * The embedded S3's front door: a small HTTP server on 127.0.0.1 that lets through only what S3
 * would, and hands it to s3rver listening on a private port behind it. s3rver alone answered 200 to
 * anonymous, forged, expired and cross-site requests and wrote keys such as `../../x` outside its
 * folder (issue #13); this gate refuses them the way S3 does, so the local S3 keeps the promises the
 * service relies on (the README's "HTTP API" section says which, and which not).
 *
 * In order, cheapest refusal first:
 *   1. the Host header must be the endpoint's own (`127.0.0.1:<port>`): a DNS-rebinding page
 *      reaches this port under its own name, and is refused before anything is read;
 *   2. a request from a web page (it carries `Origin`) may only read (GET, HEAD): the key pair is
 *      public (s3rver's S3RVER/S3RVER), so a page could sign a "simple" cross-site POST itself;
 *      the SDK never sends `Origin`, and downloads are GETs;
 *   3. the SigV4 signature, header-signed or presigned, with S3's time rules (verifySigV4.ts);
 *      anonymous requests, V2 signatures and browser form POSTs are refused;
 *   4. bucket, key, copy source, upload id and part numbers must name something inside the
 *      storage folder: no `.`/`..` segment, a valid bucket name;
 *   5. a signed body must match its `x-amz-content-sha256` (and `x-amz-checksum-sha256`, as S3
 *      checks it), so a signed request cannot carry another body.
 *
 * No CORS: preflights are unsigned and refused, and no `Access-Control-*` header is passed back,
 * so no other origin can read an answer even if a bucket were given a CORS configuration.
 *
 * What S3 gives and s3rver does not, the gate adds where the service relies on it: a HEAD with
 * `x-amz-checksum-mode: ENABLED` answers the SHA-256 of the stored bytes (`x-amz-checksum-sha256`),
 * read and hashed on each such request, so the report store's integrity check (S3ReportStore.find)
 * runs here as it runs on AWS.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Agent, createServer, request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { S3Credentials } from './createS3Client';
import { parseQuery, verifySigV4, type S3Refusal } from './verifySigV4';
import { BUCKET_NAME } from '../config/configTable';

export interface S3GateOptions {
  /** The address to listen on, e.g. 127.0.0.1. */
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Where s3rver listens (a private port on the same host). */
  readonly upstream: { readonly host: string; readonly port: number };
  /** The one key pair allowed to sign. */
  readonly credentials: S3Credentials;
}

export interface S3Gate {
  /** e.g. `http://127.0.0.1:4569` */
  readonly endpoint: string;
  close(): Promise<void>;
}

/** Hop-by-hop headers: they describe one connection and are never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect']);

const xmlEscape = (text: string): string => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

function forwardable(headers: IncomingHttpHeaders | OutgoingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name.toLowerCase())) out[name] = value;
  }
  return out;
}

/** An answer's headers for the client: never a CORS grant (see above). */
function answerHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out = forwardable(headers);
  for (const name of Object.keys(out)) if (name.toLowerCase().startsWith('access-control-')) delete out[name];
  return out;
}

/** A refusal, or the gate's own failure (500). */
type GateAnswer = Omit<S3Refusal, 'status'> & { readonly status: S3Refusal['status'] | 500 };

function sendRefusal(req: IncomingMessage, res: ServerResponse, refusal: GateAnswer): void {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code><Message>${xmlEscape(refusal.message)}</Message><RequestId>${requestId}</RequestId></Error>`;
  // The body of a refused request is never read; closing the connection keeps it from being
  // taken for the next request on a kept-alive socket.
  res.writeHead(refusal.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), 'x-amz-request-id': requestId, connection: 'close' });
  res.end(req.method === 'HEAD' ? undefined : body);
  req.resume();
}

const badTarget = (message: string): S3Refusal => ({ status: 400, code: 'InvalidArgument', message });

/** Whether a decoded key stays inside its bucket's folder on disk: no `.` or `..` segment, no NUL. */
function keyStaysInside(key: string): boolean {
  return !key.includes('\0') && key.split('/').every((segment) => segment !== '.' && segment !== '..');
}

/** Bucket, key, copy source and multipart ids of a request, checked before s3rver turns them into file paths. */
function targetRefusal(path: string, query: Map<string, string[]>, headers: IncomingHttpHeaders): S3Refusal | undefined {
  if (!path.startsWith('/')) return badTarget('The request path must start with "/".');
  let decoded: string;
  try {
    decoded = decodeURIComponent(path.slice(1));
  } catch {
    return badTarget('The request path is not valid percent-encoding.');
  }
  const slash = decoded.indexOf('/');
  const bucket = slash < 0 ? decoded : decoded.slice(0, slash);
  const key = slash < 0 ? '' : decoded.slice(slash + 1);
  if (bucket !== '' && !BUCKET_NAME.test(bucket)) {
    return badTarget(`"${bucket.slice(0, 70)}" is not a bucket name: 3–63 lower-case letters, digits, dots and hyphens.`);
  }
  if (!keyStaysInside(key)) {
    return badTarget('Object keys with a "." or ".." segment are refused by the embedded S3: it stores keys as file paths, and such a key would leave its folder.');
  }
  const copySource = headers['x-amz-copy-source'];
  if (typeof copySource === 'string') {
    let source: string;
    try {
      source = decodeURIComponent(copySource.split('?')[0]).replace(/^\//, '');
    } catch {
      return badTarget('x-amz-copy-source is not valid percent-encoding.');
    }
    const at = source.indexOf('/');
    if (at < 0 || !BUCKET_NAME.test(source.slice(0, at)) || !keyStaysInside(source.slice(at + 1))) {
      return badTarget('x-amz-copy-source must name <bucket>/<key> with a valid bucket and no "." or ".." segment.');
    }
  }
  // s3rver keeps multipart uploads in folders named by the upload id and files named by part number.
  for (const uploadId of query.get('uploadId') ?? []) {
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(uploadId)) return badTarget('uploadId must be the id CreateMultipartUpload returned.');
  }
  for (const partNumber of query.get('partNumber') ?? []) {
    if (!/^\d{1,5}$/.test(partNumber)) return badTarget('partNumber must be a number from 1 to 10000.');
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** What a signed body must match: its payload hash, S3's checksum header, and (for CompleteMultipartUpload) numeric part numbers. */
function bodyRefusal(method: string, body: Buffer, payloadHash: string, headers: IncomingHttpHeaders, query: Map<string, string[]>): S3Refusal | undefined {
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && createHash('sha256').update(body).digest('hex') !== payloadHash) {
    return { status: 400, code: 'XAmzContentSHA256Mismatch', message: 'The provided x-amz-content-sha256 header does not match what was computed: send the body that was signed.' };
  }
  const checksum = headers['x-amz-checksum-sha256'];
  if (typeof checksum === 'string' && createHash('sha256').update(body).digest('base64') !== checksum) {
    return { status: 400, code: 'BadDigest', message: 'The SHA256 you specified did not match the calculated checksum: the body was changed on its way.' };
  }
  // CompleteMultipartUpload names the parts s3rver reads back by number from its upload folder.
  if (method === 'POST' && query.has('uploadId')) {
    for (const m of body.toString('utf8').matchAll(/<PartNumber>([^<]*)<\/PartNumber>/g)) {
      if (!/^\d{1,5}$/.test(m[1])) return badTarget('Every PartNumber must be a number from 1 to 10000.');
    }
  }
  return undefined;
}

export async function startS3Gate(options: S3GateOptions): Promise<S3Gate> {
  // One pool of connections to s3rver, closed with the gate.
  const agent = new Agent({ keepAlive: true });
  // Set once the port is known, before any request can arrive.
  let expectedHost = '';
  let ownHosts = new Set<string>();

  const toUpstream = (method: string, path: string, headers: OutgoingHttpHeaders): { request: ClientRequest; response: Promise<IncomingMessage> } => {
    const request = httpRequest({ host: options.upstream.host, port: options.upstream.port, method, path, headers, agent });
    const response = new Promise<IncomingMessage>((resolve, reject) => {
      request.once('response', resolve);
      request.once('error', reject);
    });
    // Awaited later; a failure before then is reported there, not as an unhandled rejection.
    response.catch(() => undefined);
    return { request, response };
  };

  /** The SHA-256 (base64) of the object as stored, or undefined when it changed meanwhile or cannot be read. */
  const storedChecksum = async (path: string, etag: string | string[] | undefined): Promise<string | undefined> => {
    const { request, response: pending } = toUpstream('GET', path, { host: expectedHost });
    request.end();
    const response = await pending;
    if (response.statusCode !== 200 || response.headers.etag !== etag) {
      response.resume();
      return undefined;
    }
    const hash = createHash('sha256');
    for await (const chunk of response) hash.update(chunk as Buffer);
    return hash.digest('base64');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    if (!ownHosts.has((req.headers.host ?? '').toLowerCase())) {
      sendRefusal(req, res, {
        status: 400,
        code: 'InvalidRequest',
        message: `This S3 answers only requests addressed to http://${expectedHost}; the Host header named "${String(req.headers.host ?? '').slice(0, 100)}". Use the endpoint (or link) exactly as the service printed it.`,
      });
      return;
    }
    if (req.headers.origin !== undefined && method !== 'GET' && method !== 'HEAD') {
      sendRefusal(req, res, {
        status: 403,
        code: 'AccessDenied',
        message: 'Requests from web pages (with an Origin header) may only read: the embedded S3 is written by the service through the SDK, never by a browser.',
      });
      return;
    }
    const verdict = await verifySigV4({ method, target, headers: req.headers }, { credentials: options.credentials, now: new Date() });
    if (!verdict.ok) {
      sendRefusal(req, res, verdict);
      return;
    }
    const at = target.indexOf('?');
    const path = at < 0 ? target : target.slice(0, at);
    const query = parseQuery(at < 0 ? '' : target.slice(at + 1)) ?? new Map<string, string[]>();
    const refusal = targetRefusal(path, query, req.headers);
    if (refusal) {
      sendRefusal(req, res, refusal);
      return;
    }

    const headers = forwardable(req.headers);
    // A signed body is read whole and checked before s3rver sees a byte of it; an unsigned one
    // (UNSIGNED-PAYLOAD, as S3 allows) streams through.
    const checkBody = verdict.payloadHash !== 'UNSIGNED-PAYLOAD' || req.headers['x-amz-checksum-sha256'] !== undefined || (method === 'POST' && query.has('uploadId'));
    let body: Buffer | undefined;
    if (checkBody) {
      body = await readBody(req);
      const wrong = bodyRefusal(method, body, verdict.payloadHash, req.headers, query);
      if (wrong) {
        sendRefusal(req, res, wrong);
        return;
      }
      headers['content-length'] = String(body.length);
    }
    const { request: upstreamRequest, response } = toUpstream(method, target, headers);
    if (body) upstreamRequest.end(body);
    else await pipeline(req, upstreamRequest);
    const upstream = await response;

    const responseHeaders = answerHeaders(upstream.headers);
    const wantsChecksum = method === 'HEAD' && String(req.headers['x-amz-checksum-mode'] ?? '').toUpperCase() === 'ENABLED';
    if (wantsChecksum && upstream.statusCode === 200) {
      const checksum = await storedChecksum(path, upstream.headers.etag);
      if (checksum) Object.assign(responseHeaders, { 'x-amz-checksum-sha256': checksum, 'x-amz-checksum-type': 'FULL_OBJECT' });
    }
    res.writeHead(upstream.statusCode ?? 502, responseHeaders);
    await pipeline(upstream, res);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // s3rver failed or a socket broke mid-way; the client sees S3's 500 (or a cut connection
      // once the answer has begun), as it would from S3.
      if (!res.headersSent) sendRefusal(req, res, { status: 500, code: 'InternalError', message: 'The embedded S3 failed; try again.' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  expectedHost = `${options.host}:${port}`;
  // Clients leave out the default port.
  ownHosts = new Set(port === 80 ? [expectedHost, options.host] : [expectedHost]);

  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${expectedHost}`,
    close: () =>
      (closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        // Keep-alive sockets (the SDK's pool, a browser) would hold close() open indefinitely.
        server.closeIdleConnections();
        const cut = setTimeout(() => server.closeAllConnections(), 1_000);
        try {
          await stopped;
        } finally {
          clearTimeout(cut);
          agent.destroy();
        }
      })()),
  };
}
