/**
 * The embedded S3 (`npm start`'s storage) refuses what S3 refuses (issue #13): forged, missing,
 * misdirected and expired signatures, anonymous reads and writes, cross-site form posts, foreign
 * Host headers (DNS rebinding) and keys that would leave its folder. Real s3rver behind the real
 * gate on 127.0.0.1; requests are sent with node's http, which sends any Host, path and header as
 * written, and signed requests are built with @smithy/signature-v4 as the SDK builds them.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CopyObjectCommand, DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { sha256Hex } from '../../lambda/src/core/contentHash';
import { createS3Client } from '../../lambda/src/storage/createS3Client';
import { S3ReportStore } from '../../lambda/src/storage/S3ReportStore';
import { startLocalS3, type LocalS3 } from '../../lambda/src/storage/startLocalS3';
import { Sha256 } from '../../lambda/src/storage/verifySigV4';

const BUCKET = 'gate-test';
const NAME = '青岚县县长2020年度述学述职述廉述法报告.pdf';
const KEY_A = `reports/t/${'a'.repeat(32)}.pdf`;
const KEY_B = `reports/t/${'b'.repeat(32)}.pdf`;
/** Names a bucket escaping the temporary root would get, unique to this run. */
const unique = `${process.pid}-${Date.now()}`;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** S3's error code from the XML body, if any. */
  code: string | undefined;
}

/** One request exactly as written: method, path and query, headers (Host included). */
function send(endpoint: string, method: string, target: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // Host, port and path given apart: a URL would resolve "/../" before sending.
    const { hostname, port } = new URL(endpoint);
    const req = httpRequest({ host: hostname, port, path: target, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, code: /<Code>([^<]+)<\/Code>/.exec(text.toString())?.[1] });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The target (path and query) of a full URL, exactly as written in it. */
const targetOf = (link: string): string => link.slice(new URL(link).origin.length);

describe('the embedded S3 refuses what S3 refuses', () => {
  let root: string;
  let dir: string;
  let s3: LocalS3;
  let host: string;
  let store: S3ReportStore;
  let client: S3Client;
  const genuineA = Buffer.from('%PDF-1.7 report A');
  const genuineB = Buffer.from('%PDF-1.7 report B');
  let linkA: string;

  /** Headers that sign `method target` with `body` as the SDK would, with these keys and this clock. */
  async function signedHeaders(
    method: string,
    path: string,
    options: { query?: Record<string, string>; headers?: Record<string, string>; body?: Buffer; secret?: string; accessKeyId?: string; at?: Date; host?: string } = {},
  ): Promise<Record<string, string>> {
    const body = options.body ?? Buffer.alloc(0);
    const signer = new SignatureV4({
      credentials: { accessKeyId: options.accessKeyId ?? s3.credentials.accessKeyId, secretAccessKey: options.secret ?? s3.credentials.secretAccessKey },
      region: 'us-east-1',
      service: 's3',
      sha256: Sha256,
      uriEscapePath: false,
    });
    const signed = await signer.sign(
      {
        method,
        protocol: 'http:',
        hostname: '127.0.0.1',
        path,
        query: options.query ?? {},
        headers: { host: options.host ?? host, 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'), ...options.headers },
        body,
      },
      { signingDate: options.at ?? new Date() },
    );
    return signed.headers as Record<string, string>;
  }

  /** Every file under the temporary root that is not inside the storage folder, and a bucket made beside the root. */
  function filesOutsideStorage(): string[] {
    const beside = join(root, '..', `escaped-bucket-${unique}`);
    return [...readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => !file.startsWith('s3')), ...(existsSync(beside) ? [beside] : [])];
  }

  async function stillGenuine(): Promise<void> {
    expect(await store.find(KEY_A)).toMatchObject({ sha256: sha256Hex(genuineA), bytes: genuineA.length });
    const download = await fetch(linkA);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(genuineA);
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'pdf-export-gate-'));
    dir = join(root, 's3');
    s3 = await startLocalS3({ directory: dir, port: 0, bucket: BUCKET });
    host = new URL(s3.endpoint).host;
    const config = { bucket: BUCKET, region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true };
    store = new S3ReportStore(config, { credentials: s3.credentials });
    client = createS3Client(config, s3.credentials);
    await store.put(KEY_A, genuineA, { templateId: 't', sha256: sha256Hex(genuineA), pages: 1, fileName: NAME });
    await store.put(KEY_B, genuineB, { templateId: 't', sha256: sha256Hex(genuineB), pages: 1, fileName: NAME });
    linkA = (await store.presignGet(KEY_A, 600, NAME)).url;
  });
  afterAll(async () => {
    store?.close();
    client?.destroy();
    await s3?.close();
    rmSync(root, { recursive: true, force: true });
  });

  describe('presigned links', () => {
    it('serves a link as handed out, with its download name and type, to fetch and to a plain GET', async () => {
      const answer = await send(s3.endpoint, 'GET', targetOf(linkA));
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual(genuineA);
      expect(answer.headers['content-type']).toBe('application/pdf');
      expect(answer.headers['content-disposition']).toContain("filename*=UTF-8''");
      expect((await fetch(linkA)).status).toBe(200);
      expect((await send(s3.endpoint, 'HEAD', targetOf(linkA))).status).toBe(403); // signed for GET only
    });

    it('refuses a link whose signature was replaced by zeros', async () => {
      const forged = new URL(linkA);
      forged.searchParams.set('X-Amz-Signature', '0'.repeat(64));
      const answer = await send(s3.endpoint, 'GET', targetOf(forged.toString()));
      expect(answer).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
      expect(answer.body.includes(genuineA)).toBe(false);
    });

    it('refuses the object without any query string', async () => {
      const answer = await send(s3.endpoint, 'GET', new URL(linkA).pathname);
      expect(answer).toMatchObject({ status: 403, code: 'AccessDenied' });
    });

    it("refuses a valid signature pointed at another report's key", async () => {
      const other = targetOf(linkA).replace('a'.repeat(32), 'b'.repeat(32));
      const answer = await send(s3.endpoint, 'GET', other);
      expect(answer).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
      expect(answer.body.includes(genuineB)).toBe(false);
    });

    it('refuses an expired link, also after X-Amz-Expires or X-Amz-Date was edited', async () => {
      const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
      const past = new S3ReportStore({ bucket: BUCKET, region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true }, { credentials: s3.credentials, now: () => twoHoursAgo });
      try {
        const expired = (await past.presignGet(KEY_A, 3600, NAME)).url;
        const plain = await send(s3.endpoint, 'GET', targetOf(expired));
        expect(plain).toMatchObject({ status: 403, code: 'AccessDenied' });
        expect(plain.body.toString()).toContain('Request has expired');

        const stretched = targetOf(expired).replace('X-Amz-Expires=3600', 'X-Amz-Expires=604800');
        const redated = targetOf(expired).replace(/X-Amz-Date=\d{8}T\d{6}Z/, `X-Amz-Date=${new Date().toISOString().replace(/[-:]|\.\d{3}/g, '')}`);
        expect(stretched).not.toBe(targetOf(expired));
        expect(redated).not.toBe(targetOf(expired));
        for (const target of [stretched, redated]) {
          const answer = await send(s3.endpoint, 'GET', target);
          expect(answer.status).toBe(403);
          expect(answer.body.includes(genuineA)).toBe(false);
        }
        // A link may not be made longer than S3 allows, signed or not.
        expect((await send(s3.endpoint, 'GET', targetOf(linkA).replace(/X-Amz-Expires=\d+/, 'X-Amz-Expires=9999999'))).status).toBe(400);
      } finally {
        past.close();
      }
    });
  });

  describe('without credentials', () => {
    it('refuses listing the bucket and the buckets', async () => {
      for (const target of [`/${BUCKET}`, `/${BUCKET}/`, `/${BUCKET}?list-type=2&prefix=reports%2F`, '/']) {
        const answer = await send(s3.endpoint, 'GET', target);
        expect(answer).toMatchObject({ status: 403, code: 'AccessDenied' });
        expect(answer.body.toString()).not.toContain('reports/t/');
      }
    });

    it('refuses a forged PDF with the metadata the service trusts, and keeps the report', async () => {
      const forged = Buffer.from('%PDF-1.7 forged');
      const answer = await send(
        s3.endpoint,
        'PUT',
        `/${BUCKET}/${KEY_A}`,
        { 'content-type': 'application/pdf', 'x-amz-meta-template': 't', 'x-amz-meta-sha256': sha256Hex(forged), 'x-amz-meta-pages': '1', 'x-amz-meta-filename': encodeURIComponent(NAME) },
        forged,
      );
      expect(answer).toMatchObject({ status: 403, code: 'AccessDenied' });
      await stillGenuine();
    });

    it('refuses DELETE', async () => {
      expect(await send(s3.endpoint, 'DELETE', `/${BUCKET}/${KEY_A}`)).toMatchObject({ status: 403, code: 'AccessDenied' });
      expect(await send(s3.endpoint, 'POST', `/${BUCKET}?delete`, { 'content-type': 'application/xml' }, `<Delete><Object><Key>${KEY_A}</Key></Object></Delete>`)).toMatchObject({ status: 403 });
      await stillGenuine();
    });

    it('refuses a cross-site HTML form (multipart POST, no preflight) that would overwrite a report', async () => {
      const boundary = '----formboundary';
      const field = (name: string, value: string): string => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
      const form = Buffer.from(
        field('key', KEY_A) +
          field('x-amz-meta-sha256', sha256Hex('%PDF-1.7 forged')) +
          field('x-amz-meta-template', 't') +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7 forged\r\n--${boundary}--\r\n`,
      );
      const answer = await send(s3.endpoint, 'POST', `/${BUCKET}`, { 'content-type': `multipart/form-data; boundary=${boundary}`, origin: 'http://evil.example' }, form);
      expect(answer.status).toBe(403);
      await stillGenuine();
    });

    it('refuses writes from a web page even when the page signed them with the public key pair', async () => {
      // S3RVER/S3RVER is public: a page can presign a request itself and send it as a "simple"
      // cross-site POST (no preflight). Browsers always send Origin with it; the SDK never does.
      const body = `<Delete><Object><Key>${KEY_A}</Key></Object></Delete>`;
      const signer = new SignatureV4({ credentials: { ...s3.credentials }, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false });
      const presigned = await signer.presign(
        { method: 'POST', protocol: 'http:', hostname: '127.0.0.1', path: `/${BUCKET}`, query: { delete: '' }, headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } },
        { expiresIn: 60, unhoistableHeaders: new Set(['x-amz-content-sha256']), unsignableHeaders: new Set(['x-amz-content-sha256']) },
      );
      const query = new URLSearchParams(presigned.query as Record<string, string>).toString();
      const answer = await send(s3.endpoint, 'POST', `/${BUCKET}?${query}`, { origin: 'http://evil.example', 'content-type': 'text/plain' }, body);
      expect(answer).toMatchObject({ status: 403, code: 'AccessDenied' });
      await stillGenuine();
    });

    it('grants no other origin a read (no CORS)', async () => {
      const answer = await send(s3.endpoint, 'GET', targetOf(linkA), { origin: 'http://evil.example' });
      expect(answer.status).toBe(200); // a download started from any page still works…
      expect(Object.keys(answer.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]); // …but no page can read it
      const preflight = await send(s3.endpoint, 'OPTIONS', `/${BUCKET}/${KEY_A}`, { origin: 'http://evil.example', 'access-control-request-method': 'PUT' });
      expect(preflight.status).toBe(403);
    });

    it('writes no file outside the bucket folder for a key ..%2f..%2fname', async () => {
      for (const target of [`/${BUCKET}/..%2f..%2fescaped-anonymous`, `/${BUCKET}/../../escaped-raw`, `/..%2f..%2fescaped-bucket-${unique}`]) {
        expect((await send(s3.endpoint, 'PUT', target, {}, 'x')).status).toBe(403);
      }
      expect(filesOutsideStorage()).toEqual([]);
    });
  });

  describe('a foreign Host (DNS rebinding)', () => {
    it('is refused before anything is read, signed or not', async () => {
      const evil = `evil.example:${new URL(s3.endpoint).port}`;
      const listing = await send(s3.endpoint, 'GET', `/${BUCKET}?list-type=2`, { host: evil });
      expect(listing.status).toBe(400);
      expect(listing.body.toString()).not.toContain('reports/t/');
      const link = await send(s3.endpoint, 'GET', targetOf(linkA), { host: evil });
      expect(link.status).toBe(400);
      expect(link.body.includes(genuineA)).toBe(false);
      const signedForEvil = await signedHeaders('GET', `/${BUCKET}`, { query: { 'list-type': '2' }, host: evil });
      expect((await send(s3.endpoint, 'GET', `/${BUCKET}?list-type=2`, signedForEvil)).status).toBe(400);
      expect((await send(s3.endpoint, 'GET', `/${BUCKET}?list-type=2`, { host: 'localhost' })).status).toBe(400);
    });
  });

  describe('header-signed requests (the SDK)', () => {
    it('lets the service list, head, write and delete with its keys', async () => {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'reports/' }));
      expect(listed.Contents?.map((o) => o.Key)).toEqual(expect.arrayContaining([KEY_A, KEY_B]));
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'reports/t/scratch.pdf', Body: Buffer.from('x'), ContentLength: 1 }));
      await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'reports/t/scratch.pdf' }));
      const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: KEY_A, ChecksumMode: 'ENABLED' }));
      // What S3 keeps from the upload, here computed from the stored bytes.
      expect(head.ChecksumSHA256).toBe(createHash('sha256').update(genuineA).digest('base64'));
    });

    it('refuses a wrong secret and an unknown access key', async () => {
      const wrong = await signedHeaders('GET', `/${BUCKET}`, { query: { 'list-type': '2' }, secret: 'not-the-secret' });
      expect(await send(s3.endpoint, 'GET', `/${BUCKET}?list-type=2`, wrong)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
      const stranger = await signedHeaders('GET', `/${BUCKET}`, { query: { 'list-type': '2' }, accessKeyId: 'AKIASTRANGER' });
      expect(await send(s3.endpoint, 'GET', `/${BUCKET}?list-type=2`, stranger)).toMatchObject({ status: 403, code: 'InvalidAccessKeyId' });
    });

    it('refuses a signed request whose body, time or headers were changed', async () => {
      const path = `/${BUCKET}/${KEY_A}`;
      const body = Buffer.from('%PDF-1.7 signed but swapped');
      const headers = await signedHeaders('PUT', path, { body });
      expect(await send(s3.endpoint, 'PUT', path, headers, Buffer.from('%PDF-1.7 forged body!!!!!!!!!'))).toMatchObject({ status: 400, code: 'XAmzContentSHA256Mismatch' });

      const old = await signedHeaders('PUT', path, { body, at: new Date(Date.now() - 20 * 60 * 1000) });
      expect(await send(s3.endpoint, 'PUT', path, old, body)).toMatchObject({ status: 403, code: 'RequestTimeTooSkewed' });

      const extra = { ...(await signedHeaders('PUT', path, { body })), 'x-amz-meta-sha256': sha256Hex(body) };
      expect(await send(s3.endpoint, 'PUT', path, extra, body)).toMatchObject({ status: 403, code: 'AccessDenied' });

      const moved = await signedHeaders('PUT', path, { body });
      expect(await send(s3.endpoint, 'PUT', `/${BUCKET}/${KEY_B}`, moved, body)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
      await stillGenuine();
    });

    it('keeps every key inside the storage folder, even signed with the keys', async () => {
      await expect(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: '../../escaped-sdk', Body: Buffer.from('x'), ContentLength: 1 }))).rejects.toMatchObject({
        name: 'InvalidArgument',
        $metadata: { httpStatusCode: 400 },
      });
      for (const path of [`/${BUCKET}/..%2f..%2fescaped-signed`, `/${BUCKET}/reports/..%2F..%2F..%2Fescaped-deep`, `/..%2f..%2fescaped-bucket-${unique}`, `/${BUCKET}/./x/../../escaped`]) {
        const headers = await signedHeaders('PUT', path, { body: Buffer.from('x') });
        expect({ path, ...(await send(s3.endpoint, 'PUT', path, headers, 'x')) }).toMatchObject({ path, status: 400, code: 'InvalidArgument' });
      }
      await expect(client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'reports/t/copy.pdf', CopySource: `${BUCKET}/../../../etc/passwd` }))).rejects.toMatchObject({
        $metadata: { httpStatusCode: 400 },
      });
      const uploadPath = `/${BUCKET}/reports/t/upload.pdf`;
      const uploadHeaders = await signedHeaders('PUT', uploadPath, { query: { partNumber: '1', uploadId: '../../escaped-upload' }, body: Buffer.from('x') });
      expect((await send(s3.endpoint, 'PUT', `${uploadPath}?partNumber=1&uploadId=..%2F..%2Fescaped-upload`, uploadHeaders, 'x')).status).toBe(400);
      expect(filesOutsideStorage()).toEqual([]);
      expect(existsSync(join(root, 'escaped-sdk'))).toBe(false);
    });
  });
});
