/**
 * Checks an incoming S3 request's Signature Version 4 the way S3 does, for the embedded S3's gate
 * (storage/startS3Gate.ts): s3rver itself accepts any V4 signature and anonymous requests
 * (docs/architecture.md), so without this check anyone who can reach 127.0.0.1 could read, replace
 * or delete reports.
 *
 * Both ways of signing are checked: the `Authorization` header the SDK sends, and the presigned
 * query (`X-Amz-Signature`, the links the service hands out). The signature is recomputed with
 * @smithy/signature-v4, the signer the SDK itself uses, from the request as it arrived (path as
 * sent, query, the headers the client named as signed), never re-implemented here. Time is
 * checked as S3 checks it: a header-signed request at most 15 minutes off, a presigned link
 * between its `X-Amz-Date` and `X-Amz-Date + X-Amz-Expires` (at most 7 days).
 *
 * What it does not do: no IAM, no policies, one key pair; the request body is checked against
 * `x-amz-content-sha256` by the gate, once the signature over the headers has passed.
 */
import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { S3Credentials } from './createS3Client';

/** An HTTP request as it arrived, before its body is read. */
export interface IncomingS3Request {
  readonly method: string;
  /** Path and query exactly as sent (node's `req.url`), still percent-encoded. */
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
}

/** Why S3 would refuse a request: the status and error code S3 answers with, and a message saying how to fix it. */
export interface S3Refusal {
  readonly status: 400 | 403;
  readonly code: string;
  readonly message: string;
}

export type SigV4Verdict =
  | {
      readonly ok: true;
      /** `x-amz-content-sha256` of a header-signed request (hex or `UNSIGNED-PAYLOAD`); presigned requests carry `UNSIGNED-PAYLOAD`. */
      readonly payloadHash: string;
    }
  | ({ readonly ok: false } & S3Refusal);

export interface VerifyOptions {
  readonly credentials: S3Credentials;
  /** The time to check against; the test helper passes the signing time to check only the signature. */
  readonly now: Date;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** S3's allowed clock skew for header-signed requests, and for a presigned link signed "in the future". */
const MAX_SKEW_MS = 15 * 60 * 1000;
/** S3's longest presigned link: 7 days. */
const MAX_EXPIRES_SECONDS = 7 * 24 * 3600;

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/** node:crypto as the `Checksum` constructor SignatureV4 wants (plain SHA-256, or HMAC with a key). */
export class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

const refuse = (status: 400 | 403, code: string, message: string): SigV4Verdict => ({ ok: false, status, code, message });

const signatureMismatch = (): SigV4Verdict =>
  refuse(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Sign with the embedded S3\'s key pair (S3RVER/S3RVER) and send the request unchanged; a presigned link works only as it was handed out.');

/** `20240102T030405Z` → Date; undefined for anything else, impossible dates included. */
export function parseAmzDate(value: string | undefined): Date | undefined {
  const m = value === undefined ? null : /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const date = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  // Date.UTC rolls month 13 or second 61 over into a valid date; such a value is not a date.
  return date.toISOString().replace(/[-:]|\.\d{3}/g, '') === value ? date : undefined;
}

/** Query parameters as S3 reads them ('+' is a space), repeated names kept in order. */
export function parseQuery(rawQuery: string): Map<string, string[]> | undefined {
  const query = new Map<string, string[]>();
  if (rawQuery === '') return query;
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
      value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      return undefined;
    }
    query.set(name, [...(query.get(name) ?? []), value]);
  }
  return query;
}

function single(query: Map<string, string[]>, name: string): string | undefined {
  const values = query.get(name);
  return values?.length === 1 ? values[0] : undefined;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

interface Scope {
  readonly accessKeyId: string;
  readonly day: string;
  readonly region: string;
}

/** `S3RVER/20240102/us-east-1/s3/aws4_request` → its parts, or a refusal. */
function parseCredential(credential: string | undefined, amzDate: string, credentials: S3Credentials): Scope | SigV4Verdict {
  const parts = (credential ?? '').split('/');
  if (parts.length !== 5 || parts[3] !== 's3' || parts[4] !== 'aws4_request' || !/^[a-z0-9-]{1,32}$/.test(parts[2])) {
    return refuse(400, 'AuthorizationHeaderMalformed', 'The credential must read <access key>/<yyyymmdd>/<region>/s3/aws4_request; sign for the service "s3".');
  }
  const [accessKeyId, day, region] = parts;
  if (!sameText(accessKeyId, credentials.accessKeyId)) {
    return refuse(403, 'InvalidAccessKeyId', `The access key "${accessKeyId.slice(0, 40)}" is unknown here: the embedded S3 knows one key pair, ${credentials.accessKeyId}.`);
  }
  if (day !== amzDate.slice(0, 8)) {
    return refuse(400, 'AuthorizationHeaderMalformed', `The credential's date ${day.slice(0, 8)} is not the day of the signing time ${amzDate}; sign again.`);
  }
  return { accessKeyId, day, region };
}

/** Every `x-amz-*` header must be signed, as S3 requires, so none can be added to a signed request. */
function unsignedAmzHeaders(headers: IncomingHttpHeaders, signed: ReadonlySet<string>): string[] {
  return Object.keys(headers).filter((name) => name.startsWith('x-amz-') && !signed.has(name));
}

function pickHeaders(request: IncomingS3Request, names: readonly string[]): Record<string, string> | undefined {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = headerValue(request.headers, name);
    if (value === undefined) return undefined;
    picked[name] = value;
  }
  return picked;
}

function splitTarget(target: string): { path: string; query: string } {
  const at = target.indexOf('?');
  return at < 0 ? { path: target, query: '' } : { path: target.slice(0, at), query: target.slice(at + 1) };
}

function signerFor(credentials: S3Credentials, region: string): SignatureV4 {
  return new SignatureV4({
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    region,
    service: 's3',
    sha256: Sha256,
    // S3 signs the path as sent, without encoding it a second time.
    uriEscapePath: false,
    // Sign exactly the headers the client named; never add x-amz-content-sha256 of our own.
    applyChecksum: false,
  });
}

function asSignerQuery(query: Map<string, string[]>, without: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, values] of query) if (name !== without) out[name] = values.length === 1 ? values[0] : values;
  return out;
}

function hostParts(headers: IncomingHttpHeaders): { hostname: string; port: number | undefined } {
  const host = headerValue(headers, 'host') ?? '';
  const m = /^(.*?)(?::(\d+))?$/.exec(host);
  return { hostname: m?.[1] ?? host, port: m?.[2] === undefined ? undefined : Number(m[2]) };
}

async function verifyHeaderSigned(request: IncomingS3Request, query: Map<string, string[]>, path: string, options: VerifyOptions): Promise<SigV4Verdict> {
  const authorization = headerValue(request.headers, 'authorization') ?? '';
  if (/^AWS /.test(authorization)) {
    return refuse(400, 'InvalidRequest', 'Signature Version 2 is not accepted here; sign with AWS4-HMAC-SHA256 (any current AWS SDK does).');
  }
  const m = /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]{64})$/.exec(authorization);
  if (!m) {
    return refuse(400, 'AuthorizationHeaderMalformed', 'The Authorization header must read "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=<64 hex>".');
  }
  const [, credential, signedList, signature] = m;
  const amzDate = headerValue(request.headers, 'x-amz-date') ?? '';
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate) return refuse(403, 'AccessDenied', 'A signed request needs an X-Amz-Date header (yyyymmddThhmmssZ) among its signed headers.');
  const scope = parseCredential(credential, amzDate, options.credentials);
  if ('ok' in scope) return scope;
  if (Math.abs(options.now.getTime() - signingDate.getTime()) > MAX_SKEW_MS) {
    return refuse(403, 'RequestTimeTooSkewed', `The request was signed at ${amzDate}, more than 15 minutes from the server's time ${options.now.toISOString()}; check the clock and sign again.`);
  }
  const payloadHash = headerValue(request.headers, 'x-amz-content-sha256');
  if (payloadHash === undefined) {
    return refuse(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256 (the SHA-256 of the body in hex, or UNSIGNED-PAYLOAD).');
  }
  if (payloadHash !== UNSIGNED_PAYLOAD && !/^[0-9a-f]{64}$/.test(payloadHash)) {
    return refuse(400, 'InvalidRequest', `x-amz-content-sha256 "${payloadHash.slice(0, 64)}" is not accepted here: send the body as one buffer with its SHA-256 in hex, or UNSIGNED-PAYLOAD (no aws-chunked streaming, see storage/createS3Client.ts).`);
  }
  const names = signedList.split(';');
  const signed = new Set(names);
  if (names.some((name) => name !== name.toLowerCase()) || !signed.has('host') || !signed.has('x-amz-date') || !signed.has('x-amz-content-sha256')) {
    return refuse(403, 'AccessDenied', 'SignedHeaders must be lower case and include host, x-amz-date and x-amz-content-sha256.');
  }
  const unsigned = unsignedAmzHeaders(request.headers, signed);
  if (unsigned.length > 0) {
    return refuse(403, 'AccessDenied', `There were headers present in the request which were not signed: ${unsigned.join(', ').slice(0, 200)}. Sign every x-amz-* header.`);
  }
  const headers = pickHeaders(request, names);
  if (!headers) return signatureMismatch();

  const resigned = await signerFor(options.credentials, scope.region).sign(
    { method: request.method, protocol: 'http:', ...hostParts(request.headers), path, query: asSignerQuery(query, 'X-Amz-Signature'), headers },
    { signingDate, signingRegion: scope.region, signingService: 's3', signableHeaders: signed },
  );
  const expected = `${ALGORITHM} Credential=${credential}, SignedHeaders=${signedList}, Signature=${signature}`;
  return sameText(String(resigned.headers.authorization ?? ''), expected) ? { ok: true, payloadHash } : signatureMismatch();
}

async function verifyPresigned(request: IncomingS3Request, query: Map<string, string[]>, path: string, options: VerifyOptions): Promise<SigV4Verdict> {
  const algorithm = single(query, 'X-Amz-Algorithm');
  const credential = single(query, 'X-Amz-Credential');
  const amzDate = single(query, 'X-Amz-Date') ?? '';
  const expires = single(query, 'X-Amz-Expires') ?? '';
  const signedList = single(query, 'X-Amz-SignedHeaders') ?? '';
  const signature = single(query, 'X-Amz-Signature') ?? '';
  if (algorithm !== ALGORITHM || !credential || !/^[0-9a-f]{64}$/.test(signature) || signedList === '') {
    return refuse(400, 'AuthorizationQueryParametersError', 'A presigned link needs X-Amz-Algorithm=AWS4-HMAC-SHA256, X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature, once each; use the link exactly as the service handed it out.');
  }
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate) return refuse(400, 'AuthorizationQueryParametersError', 'X-Amz-Date must be a time like 20240102T030405Z.');
  if (!/^\d{1,6}$/.test(expires) || Number(expires) < 1 || Number(expires) > MAX_EXPIRES_SECONDS) {
    return refuse(400, 'AuthorizationQueryParametersError', `X-Amz-Expires must be a number of seconds from 1 to ${MAX_EXPIRES_SECONDS} (7 days).`);
  }
  const scope = parseCredential(credential, amzDate, options.credentials);
  if ('ok' in scope) return scope;
  if (signingDate.getTime() - options.now.getTime() > MAX_SKEW_MS) {
    return refuse(403, 'AccessDenied', 'Request is not valid yet: the link was signed in the future; check the clock.');
  }
  if (options.now.getTime() > signingDate.getTime() + Number(expires) * 1000) {
    return refuse(403, 'AccessDenied', 'Request has expired: ask the service for a fresh link (GET /reports/{id}).');
  }
  const names = signedList.split(';');
  const signed = new Set(names);
  if (names.some((name) => name !== name.toLowerCase()) || !signed.has('host')) {
    return refuse(400, 'AuthorizationQueryParametersError', 'X-Amz-SignedHeaders must be lower case and include host.');
  }
  const unsigned = unsignedAmzHeaders(request.headers, signed);
  if (unsigned.length > 0) {
    return refuse(403, 'AccessDenied', `There were headers present in the request which were not signed: ${unsigned.join(', ').slice(0, 200)}. Send a presigned link without extra x-amz-* headers.`);
  }
  const headers = pickHeaders(request, names);
  if (!headers) return signatureMismatch();
  // A presigned link signs no body: its payload hash is UNSIGNED-PAYLOAD unless the link names one.
  // Handed to the signer as a header it neither signs nor moves into the query, so the query is
  // signed exactly as it arrived.
  const payloadHash = single(query, 'X-Amz-Content-Sha256') ?? UNSIGNED_PAYLOAD;
  const shaHeader = 'x-amz-content-sha256';
  const resigned = await signerFor(options.credentials, scope.region).presign(
    { method: request.method, protocol: 'http:', ...hostParts(request.headers), path, query: asSignerQuery(query, 'X-Amz-Signature'), headers: { ...headers, [shaHeader]: payloadHash } },
    {
      signingDate,
      expiresIn: Number(expires),
      signingRegion: scope.region,
      signingService: 's3',
      signableHeaders: signed,
      unsignableHeaders: signed.has(shaHeader) ? undefined : new Set([shaHeader]),
      unhoistableHeaders: new Set([...names, shaHeader]),
    },
  );
  const q = resigned.query ?? {};
  const same = (name: string, value: string): boolean => typeof q[name] === 'string' && sameText(q[name] as string, value);
  return same('X-Amz-Signature', signature) && same('X-Amz-Credential', credential) && same('X-Amz-Date', amzDate) && same('X-Amz-SignedHeaders', signedList)
    ? { ok: true, payloadHash: UNSIGNED_PAYLOAD }
    : signatureMismatch();
}

/** Whether `request` is signed with `credentials` and valid at `now`; S3's refusal when not. */
export async function verifySigV4(request: IncomingS3Request, options: VerifyOptions): Promise<SigV4Verdict> {
  const { path, query: rawQuery } = splitTarget(request.target);
  const query = parseQuery(rawQuery);
  if (!query) return refuse(400, 'InvalidArgument', 'The query string is not valid percent-encoding.');
  const byHeader = headerValue(request.headers, 'authorization') !== undefined;
  const byQuery = query.has('X-Amz-Algorithm');
  if (byHeader && byQuery) {
    return refuse(400, 'InvalidArgument', 'Only one auth mechanism allowed: either the Authorization header or the X-Amz-* query parameters of a presigned link.');
  }
  if (byHeader) return verifyHeaderSigned(request, query, path, options);
  if (byQuery) return verifyPresigned(request, query, path, options);
  if (query.has('Signature') || query.has('AWSAccessKeyId')) {
    return refuse(400, 'InvalidRequest', 'Signature Version 2 links are not accepted here; use the SigV4 link the service hands out.');
  }
  return refuse(403, 'AccessDenied', 'Anonymous requests are refused: download through the signed link the service hands out (POST /reports, GET /reports/{id}), or sign with the embedded S3\'s key pair.');
}
