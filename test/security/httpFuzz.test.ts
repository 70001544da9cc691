/**
 * Property-based fuzzing of the HTTP handler with fast-check: random and mutated bodies, media
 * types, encodings, methods and paths, through the real handler, the real core, a real s3rver and
 * the real Chromium. Every answer must be well-formed JSON with a 2xx or 4xx status (a HEAD answer:
 * no body, the Content-Length of the JSON it stands for): never a 5xx, never a hang, never a crash.
 * Raw paths built from the pieces that confuse path readers (dot segments, encoded dots and
 * slashes, backslashes, doubled slashes) must be either refused or read into a path no layer
 * could read differently.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { App } from '../../lambda/src/compose';
import type { Logger } from '../../lambda/src/core/ports';
import { InvalidRequestError } from '../../lambda/src/core/errors';
import type { HttpRequest, HttpResponse } from '../../lambda/src/http/httpMessages';
import { canonicalPath } from '../../lambda/src/http/requestTarget';
import { startLocalS3, type LocalS3 } from '../../lambda/src/storage/startLocalS3';
import { testApp } from '../helpers/app';
import { samples, TEMPLATE } from '../helpers/httpClient';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const SAMPLE = Object.values(samples())[0] as Record<string, unknown>;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Paths into the sample (every object key and array index), to aim mutations at real fields. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
}
const SAMPLE_PATHS = pathsOf(SAMPLE).filter((p) => p.length > 0);

type Mutation =
  | { kind: 'set'; path: (string | number)[]; value: Json }
  | { kind: 'delete'; path: (string | number)[] }
  | { kind: 'add'; path: (string | number)[]; key: string; value: Json };

function applyMutations(base: unknown, mutations: Mutation[]): unknown {
  const data = structuredClone(base) as Record<string | number, unknown>;
  for (const m of mutations) {
    let parent: Record<string | number, unknown> | undefined = data;
    for (const segment of m.path.slice(0, -1)) {
      const next: unknown = parent?.[segment];
      parent = next !== null && typeof next === 'object' ? (next as Record<string | number, unknown>) : undefined;
    }
    const last = m.path[m.path.length - 1];
    if (!parent) continue;
    if (m.kind === 'set') parent[last] = m.value;
    else if (m.kind === 'delete') delete parent[last];
    else {
      const target = parent[last];
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) (target as Record<string, unknown>)[m.key] = m.value;
    }
  }
  return data;
}

// Strings with every kind of trouble: full Unicode including lone surrogates, controls, bidi.
const nastyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', '\u202e县', '\ud800', '<script>', '{{x}}', '__proto__', 'XX', '1e309', '-0', '𠀀𪚥'),
);
const nastyNumber = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(-1, 0, 100.0001, -100.0001, 1e308, -189, 2020.5));
const jsonLeaf: fc.Arbitrary<Json> = fc.oneof(nastyString, nastyNumber.map((n) => (Number.isFinite(n) ? n : 0)), fc.boolean(), fc.constant(null));
const jsonValue: fc.Arbitrary<Json> = fc.oneof({ depthSize: 'small' }, jsonLeaf, fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json>);

const pathArb = fc.constantFrom(...SAMPLE_PATHS);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), path: pathArb, value: jsonValue }),
  fc.record({ kind: fc.constant('delete' as const), path: pathArb }),
  fc.record({ kind: fc.constant('add' as const), path: pathArb, key: nastyString, value: jsonValue }),
);

/** Raw paths from the pieces that make one path mean different things to different readers. */
const PLAIN_PIECES = ['/', 'a', 'health', 'reports', 'templates', TEMPLATE, '%41', '%68ealth', '%E5%8E%BF', '%2f', '%00', ';', '@', ':', '~', '-', '.x'];
const TRICKY_PIECES = ['//', '.', '..', '%2e', '%2E', '.%2e', '%2F', '%5c', '\\', '%', '%zz', '?x=1', '#', ' ', '县', '\t'];
const rawPathArb = fc
  .array(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...PLAIN_PIECES) }, { weight: 1, arbitrary: fc.constantFrom(...TRICKY_PIECES) }), { minLength: 1, maxLength: 8 })
  .chain((pieces) => fc.constantFrom(`/${pieces.join('')}`, pieces.join('')));

/** A request body and how it is sent. */
const requestArb: fc.Arbitrary<HttpRequest> = fc
  .record({
    body: fc.oneof(
      // A mutated valid report: the most interesting inputs are close to valid ones.
      { weight: 5, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 4 }).map((ms) => JSON.stringify({ template: TEMPLATE, data: applyMutations(SAMPLE, ms) })) },
      // Envelopes with random template names and random data.
      { weight: 2, arbitrary: fc.record({ template: fc.oneof(fc.constant(TEMPLATE), nastyString), data: jsonValue }).map((e) => JSON.stringify(e)) },
      // Any JSON at all.
      { weight: 1, arbitrary: jsonValue.map((v) => JSON.stringify(v)) },
      // Broken JSON: truncated or spliced.
      { weight: 1, arbitrary: fc.tuple(fc.nat(2000), nastyString).map(([cut, junk]) => JSON.stringify({ template: TEMPLATE, data: SAMPLE }).slice(0, cut) + junk) },
      // Raw bytes.
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')) },
    ),
    base64: fc.boolean(),
    contentType: fc.oneof(
      { weight: 6, arbitrary: fc.constant('application/json') },
      { weight: 1, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'APPLICATION/JSON', '', 'application/json; charset=latin1', 'multipart/form-data; boundary=x') },
    ),
    method: fc.oneof({ weight: 8, arbitrary: fc.constant('POST') }, { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') }),
    path: fc.oneof(
      { weight: 8, arbitrary: fc.constant('/reports') },
      { weight: 1, arbitrary: fc.oneof(fc.constantFrom('/reports/', '/reports/x', `/reports/${TEMPLATE}.0123456789abcdef0123456789abcdef`, '/templates', `/templates/${TEMPLATE}`, '/templates/..%2f..%2fetc', '/health', '/', '//reports', '/reports/../health', '/x/../reports', '/reports\\', '/templates/%2e%2e'), nastyString.map((s) => `/${s}`), rawPathArb) },
    ),
  })
  .map(({ body, base64, contentType, method, path }, ) => ({
    method,
    path,
    headers: contentType === '' ? {} : { 'content-type': contentType },
    body: base64 ? Buffer.from(body, 'utf8').toString('base64') : body,
    isBase64Encoded: base64,
    requestId: 'fuzz',
  }));

describe('HTTP handler fuzzing', () => {
  let dir: string;
  let s3: LocalS3;
  let app: App;
  const faults: unknown[] = [];
  const logger: Logger = { info: () => undefined, warn: () => undefined, error: (_m, attributes) => void faults.push(attributes) };
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pdf-export-fuzz-'));
    s3 = await startLocalS3({ directory: dir, port: 0, bucket: 'fuzz' });
    app = testApp(
      // A generous queue: this test sends one request at a time, so a 503 would be a fault here.
      { REPORTS_BUCKET: 'fuzz', S3_ENDPOINT: s3.endpoint, S3_FORCE_PATH_STYLE: 'true', S3_REGION: 'us-east-1' },
      { s3Credentials: s3.credentials, logger },
    );
  });
  afterAll(async () => {
    await app.close();
    await s3.close();
    rmSync(dir, { recursive: true, force: true });
    console.log(`fuzz: ${RUNS} requests; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}; renders ${app.service.stats().renders}`);
  });

  it(`answers ${RUNS} random and mutated requests with well-formed 2xx/4xx JSON`, async () => {
    await fc.assert(
      fc.asyncProperty(requestArb, async (request) => {
        const response: HttpResponse = await Promise.race([
          app.httpApi()(request),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error('hang: no answer within 30 s')), 30_000)),
        ]);
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        if (response.statusCode >= 500) throw new Error(`${response.statusCode}: ${response.body}`);
        expect(response.statusCode).toBeGreaterThanOrEqual(200);
        expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
        if (request.method === 'HEAD') {
          expect(response.body).toBe('');
          expect(Number(response.headers['content-length'])).toBeGreaterThan(0);
          return;
        }
        const body = JSON.parse(response.body) as { error?: { code: unknown; message: unknown; details: unknown } };
        if (response.statusCode >= 400) {
          expect(typeof body.error?.code).toBe('string');
          expect(typeof body.error?.message).toBe('string');
          expect(Array.isArray(body.error?.details)).toBe(true);
          expect(response.body).not.toMatch(/\bat .+\(|\.ts:\d+|node_modules/);
        }
      }),
      { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 20261128), endOnFailure: true },
    );
    expect(faults).toEqual([]);
    // The fuzzer must reach the core: validation failures and successful renders both occur.
    expect(statuses.get(422) ?? 0).toBeGreaterThan(RUNS / 10);
    expect(statuses.get(201) ?? 0).toBeGreaterThan(0);
  }, 600_000);

  it('reads every raw path into one that no layer can read differently, or refuses it with 400', () => {
    let accepted = 0;
    fc.assert(
      fc.property(rawPathArb, (raw) => {
        let path: string;
        try {
          path = canonicalPath(raw);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidRequestError);
          return;
        }
        accepted++;
        const segments = path.split('/').slice(1);
        // No empty segment but a trailing one, no dot segment even once decoded, no backslash,
        // nothing a URL parser would take for a host, a query or a fragment.
        expect(path.startsWith('/') && !path.startsWith('//')).toBe(true);
        expect(segments.slice(0, -1)).not.toContain('');
        for (const segment of segments) expect(['.', '..']).not.toContain(decodeURIComponent(segment.replace(/%(?![0-9a-fA-F]{2})/g, '%25')));
        expect(path).not.toMatch(/[\\?# ]/);
        // node's URL parser, which once read the local server's paths, now finds the same path.
        expect(new URL(path, 'http://127.0.0.1').pathname).toBe(path);
        // Reading it again changes nothing: the core checks what a transport already checked.
        expect(canonicalPath(path)).toBe(path);
      }),
      { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 20261128) },
    );
    expect(accepted).toBeGreaterThan(RUNS / 20);
  });
});
