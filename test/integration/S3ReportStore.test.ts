/**
 * Storage and the report service against a real S3-compatible server (s3rver on 127.0.0.1 behind
 * the embedded S3's gate, no mocked client): metadata round trip, intact bytes, Chinese download
 * names, idempotency, single flight, saturation, expired and tampered links, and stored objects
 * whose bytes no longer match their metadata (issue #13). The printer is a stand-in here (no
 * Chromium): the real one is exercised by httpApi.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConcurrencyLimiter } from '../../lambda/src/core/ConcurrencyLimiter';
import { RendererBusyError, ReportNotFoundError, StorageError } from '../../lambda/src/core/errors';
import { sha256Hex } from '../../lambda/src/core/contentHash';
import type { PreparedReport, RenderedReport } from '../../lambda/src/core/ReportRenderer';
import { ReportService, type ReportPrinter } from '../../lambda/src/core/ReportService';
import type { Template } from '../../lambda/src/core/TemplateStore';
import { startLocalS3, type LocalS3 } from '../../lambda/src/storage/startLocalS3';
import { fileNameOfContentDisposition } from '../../lambda/src/core/contentDisposition';
import { S3ReportStore } from '../../lambda/src/storage/S3ReportStore';
import type { StorageConfig } from '../../lambda/src/config/loadConfig';
import { presignedUrlSignatureIsValid } from '../helpers/verifyPresignedUrl';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../lambda/src/storage/createS3Client';
import type { AddressInfo } from 'node:net';

const BUCKET = 'store-test';

/** Polls instead of sleeping a fixed time: under load an s3rver round trip can take half a second. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
const NAME = '青岚县县长2020年度述学述职述廉述法报告.pdf';

/** A printer whose output is random bytes; `gate` holds prints until released. */
class FakePrinter implements ReportPrinter {
  prints = 0;
  private gates: Array<() => void> = [];
  holding = false;

  prepare(templateId: string, data: unknown): PreparedReport {
    const template = { id: templateId, title: '测试模板' } as unknown as Template;
    return {
      template,
      html: '<p>x</p>',
      meta: { title: `${(data as { name: string }).name}报告`, lang: 'zh-CN' },
      inputHash: sha256Hex(`${templateId}\0${JSON.stringify(data)}`),
    };
  }

  async print(prepared: PreparedReport): Promise<RenderedReport> {
    this.prints++;
    if (this.holding) await new Promise<void>((resolve) => this.gates.push(resolve));
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(64 * 1024)]);
    return {
      templateId: prepared.template.id,
      inputHash: prepared.inputHash,
      meta: prepared.meta,
      pdf,
      bytes: pdf.length,
      pages: 3,
      sha256: sha256Hex(pdf),
      renderMs: 5,
      blockedRequests: [],
    };
  }

  release(): void {
    this.holding = false;
    for (const open of this.gates.splice(0)) open();
  }
}

describe('S3ReportStore and ReportService on s3rver', () => {
  let dir: string;
  let s3: LocalS3;
  let config: StorageConfig;
  let store: S3ReportStore;
  /** A writer with the service's own keys, putting what the service never would. */
  let writer: S3Client;

  /** Puts `body` under `key` with the metadata the report store writes, but no checksum: a forged or torn object. */
  const putRaw = (key: string, body: Buffer, metadata: Record<string, string>): Promise<unknown> =>
    writer.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentLength: body.length, ContentType: 'application/pdf', Metadata: metadata }));
  const metadataOf = (sha256: string, template = 't'): Record<string, string> => ({ template, sha256, pages: '1', filename: encodeURIComponent(NAME) });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pdf-export-s3-'));
    s3 = await startLocalS3({ directory: dir, port: 0, bucket: BUCKET });
    config = { bucket: BUCKET, region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true };
    store = new S3ReportStore(config, { credentials: s3.credentials });
    writer = createS3Client(config, s3.credentials);
  });
  afterAll(async () => {
    store.close();
    writer.destroy();
    await s3.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores the PDF intact with its metadata and serves it under the Chinese name', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(300 * 1024)]);
    const sha256 = sha256Hex(pdf);
    await store.put('reports/t/0123456789abcdef0123456789abcdef.pdf', pdf, { templateId: 't', sha256, pages: 7, fileName: NAME });

    const found = await store.find('reports/t/0123456789abcdef0123456789abcdef.pdf');
    expect(found).toEqual({ key: 'reports/t/0123456789abcdef0123456789abcdef.pdf', bytes: pdf.length, pages: 7, sha256, templateId: 't', fileName: NAME });

    const { url, expiresAt } = await store.presignGet('reports/t/0123456789abcdef0123456789abcdef.pdf', 600, NAME);
    expect(url.startsWith(`${s3.endpoint}/${BUCKET}/reports/t/`)).toBe(true);
    expect(Math.abs(expiresAt.getTime() - (Date.now() + 600_000))).toBeLessThan(2_000);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    const disposition = response.headers.get('content-disposition') ?? '';
    expect(disposition).toMatch(/^attachment; filename="t-0123456789abcdef0123456789abcdef\.pdf"; filename\*=UTF-8''[A-Za-z0-9%._~-]+$/);
    expect(fileNameOfContentDisposition(disposition)).toBe(NAME);
    const body = Buffer.from(await response.arrayBuffer());
    expect(sha256Hex(body)).toBe(sha256);
  });

  it('finds nothing for a missing key or an object without its metadata', async () => {
    expect(await store.find('reports/t/ffffffffffffffffffffffffffffffff.pdf')).toBeUndefined();
    // Written by "another tool" (with the keys, as the embedded S3 wants), without metadata.
    await putRaw('reports/t/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee.pdf', Buffer.from('%PDF-1.7 bare'), {});
    expect(await store.find('reports/t/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee.pdf')).toBeUndefined();
  });

  it('finds nothing where the stored bytes are not the ones the metadata describes', async () => {
    const genuine = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(8 * 1024)]);
    const sha256 = sha256Hex(genuine);
    const key = (n: number): string => `reports/t/${String(n).repeat(32)}.pdf`;
    const intact = async (k: string): Promise<void> => {
      await store.put(k, genuine, { templateId: 't', sha256, pages: 1, fileName: NAME });
      expect(await store.find(k)).toMatchObject({ sha256, bytes: genuine.length });
    };

    // Replaced by a forged PDF under the genuine metadata (the forged PUT of issue #13).
    await intact(key(3));
    await putRaw(key(3), Buffer.from('%PDF-1.7 forged'), metadataOf(sha256));
    expect(await store.find(key(3))).toBeUndefined();

    // Truncated: the size no longer matches.
    await intact(key(4));
    await putRaw(key(4), genuine.subarray(0, 4096), metadataOf(sha256));
    expect(await store.find(key(4))).toBeUndefined();

    // Genuine bytes, metadata naming another document.
    await putRaw(key(5), genuine, metadataOf(sha256Hex('%PDF-1.7 forged')));
    expect(await store.find(key(5))).toBeUndefined();

    // Edited on disk, behind S3's back (s3rver keeps each object in a file; its metadata stays).
    await intact(key(6));
    writeFileSync(join(dir, BUCKET, 'reports', 't', `${'6'.repeat(32)}.pdf._S3rver_object`), Buffer.from('%PDF-1.7 edited on disk'));
    expect(await store.find(key(6))).toBeUndefined();
  });

  it('reads and hashes the object once where the S3 keeps no SHA-256 checksum (plain s3rver)', async () => {
    // s3rver without the gate returns no checksums, like an S3-compatible server that keeps none.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const S3rver = require('s3rver') as new (options: Record<string, unknown>) => { run(): Promise<AddressInfo>; close(): Promise<void> };
    const plainDir = mkdtempSync(join(tmpdir(), 'pdf-export-plain-s3-'));
    const plain = new S3rver({ address: '127.0.0.1', port: 0, directory: plainDir, silent: true, vhostBuckets: false, configureBuckets: [{ name: BUCKET }] });
    const { port } = await plain.run();
    const plainConfig = { ...config, endpoint: `http://127.0.0.1:${port}` };
    const plainStore = new S3ReportStore(plainConfig, { credentials: s3.credentials });
    const plainWriter = createS3Client(plainConfig, s3.credentials);
    try {
      const genuine = Buffer.from('%PDF-1.7 plain');
      const sha256 = sha256Hex(genuine);
      await plainStore.put('reports/t/77777777777777777777777777777777.pdf', genuine, { templateId: 't', sha256, pages: 1, fileName: NAME });
      expect(await plainStore.find('reports/t/77777777777777777777777777777777.pdf')).toMatchObject({ sha256, bytes: genuine.length, fileName: NAME });
      await plainWriter.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: 'reports/t/77777777777777777777777777777777.pdf', Body: Buffer.from('%PDF-1.7 forged'), Metadata: metadataOf(sha256) }),
      );
      expect(await plainStore.find('reports/t/77777777777777777777777777777777.pdf')).toBeUndefined();
    } finally {
      plainStore.close();
      plainWriter.destroy();
      await plain.close();
      rmSync(plainDir, { recursive: true, force: true });
    }
  });

  it('signs links whose signature verifies and detects every tampering', async () => {
    await store.put('reports/t/11111111111111111111111111111111.pdf', Buffer.from('%PDF-1.7 a'), {
      templateId: 't',
      sha256: sha256Hex('%PDF-1.7 a'),
      pages: 1,
      fileName: NAME,
    });
    const { url } = await store.presignGet('reports/t/11111111111111111111111111111111.pdf', 600, NAME);
    expect(await presignedUrlSignatureIsValid(url, s3.credentials)).toBe(true);

    const tampered = (edit: (u: URL) => void): string => {
      const u = new URL(url);
      edit(u);
      return u.toString();
    };
    const otherKey = tampered((u) => void (u.pathname = u.pathname.replace('11111111', '22222222')));
    const longer = tampered((u) => u.searchParams.set('X-Amz-Expires', '604800'));
    const renamed = tampered((u) => u.searchParams.set('response-content-disposition', 'attachment; filename="evil.html"'));
    const retyped = tampered((u) => u.searchParams.set('response-content-type', 'text/html'));
    for (const link of [otherKey, longer, renamed, retyped]) {
      expect(await presignedUrlSignatureIsValid(link, s3.credentials)).toBe(false);
    }
    expect(await presignedUrlSignatureIsValid(url, { accessKeyId: 'S3RVER', secretAccessKey: 'not-the-secret' })).toBe(false);
  });

  it('has an expired link refused by the server', async () => {
    const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
    const past = new S3ReportStore(config, { credentials: s3.credentials, now: () => twoHoursAgo });
    try {
      const { url, expiresAt } = await past.presignGet('reports/t/11111111111111111111111111111111.pdf', 3600, NAME);
      expect(expiresAt.getTime()).toBeLessThan(Date.now());
      const response = await fetch(url);
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('Request has expired');
    } finally {
      past.close();
    }
  });

  it('turns an unreachable S3 into a StorageError with a safe message', async () => {
    const down = new S3ReportStore({ ...config, endpoint: 'http://127.0.0.1:9' }, { credentials: s3.credentials });
    try {
      const error: unknown = await down.find('reports/t/11111111111111111111111111111111.pdf').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).code).toBe('STORAGE_FAILED');
      expect((error as StorageError).message).not.toContain('127.0.0.1');
      expect((error as StorageError).cause).toBeDefined();
    } finally {
      down.close();
    }
  });

  describe('ReportService', () => {
    const limits = { maxConcurrent: 1, maxQueued: 1, retryAfterSeconds: 7 };

    it('renders once per template + data and answers repeats from storage', async () => {
      const printer = new FakePrinter();
      const service = new ReportService(printer, store, { linkExpirySeconds: 900, limiter: new ConcurrencyLimiter(limits) });
      const first = await service.create('t', { name: '青岚县' });
      const again = await service.create('t', { name: '青岚县' });
      expect(printer.prints).toBe(1);
      expect(first.rendered).toBe(true);
      expect(again.rendered).toBe(false);
      expect(first.link.id).toMatch(/^t\.[0-9a-f]{32}$/);
      expect(first.link.key).toBe(`reports/t/${first.link.id.slice(2)}.pdf`);
      expect(again.link).toMatchObject({ id: first.link.id, key: first.link.key, bytes: first.link.bytes, pages: 3, sha256: first.link.sha256 });
      expect(service.stats()).toMatchObject({ renders: 1, storedHits: 1, active: 0, queued: 0 });

      const response = await fetch(again.link.url);
      expect(sha256Hex(Buffer.from(await response.arrayBuffer()))).toBe(first.link.sha256);
      expect(fileNameOfContentDisposition(response.headers.get('content-disposition') ?? '')).toBe('青岚县报告.pdf');

      const fresh = await service.link(first.link.id);
      expect(fresh).toMatchObject({ id: first.link.id, bytes: first.link.bytes, pages: 3, sha256: first.link.sha256 });
      expect(Date.parse(fresh.expiresAt) - Date.now()).toBeGreaterThan(890_000);
      expect(printer.prints).toBe(1);
    });

    it('renders again and overwrites a stored report whose bytes do not match its metadata', async () => {
      const printer = new FakePrinter();
      const service = new ReportService(printer, store, { linkExpirySeconds: 900, limiter: new ConcurrencyLimiter(limits) });
      const first = await service.create('t', { name: '篡改县' });
      const forged = Buffer.from('%PDF-1.7 forged');
      await putRaw(first.link.key, forged, metadataOf(first.link.sha256));
      await expect(service.link(first.link.id)).rejects.toBeInstanceOf(ReportNotFoundError);

      const again = await service.create('t', { name: '篡改县' });
      expect(again.rendered).toBe(true);
      expect(printer.prints).toBe(2);
      expect(again.link.sha256).not.toBe(sha256Hex(forged));
      const downloaded = Buffer.from(await (await fetch(again.link.url)).arrayBuffer());
      expect(sha256Hex(downloaded)).toBe(again.link.sha256);
      expect(downloaded.length).toBe(again.link.bytes);

      // Overwritten with a whole report: the next request is a genuine hit.
      const third = await service.create('t', { name: '篡改县' });
      expect(third.rendered).toBe(false);
      expect(third.link.sha256).toBe(again.link.sha256);
      expect(printer.prints).toBe(2);
    });

    it('renders again where intact bytes carry another template\'s metadata', async () => {
      const printer = new FakePrinter();
      const service = new ReportService(printer, store, { linkExpirySeconds: 900, limiter: new ConcurrencyLimiter(limits) });
      const first = await service.create('t', { name: '错模板县' });
      const bytes = Buffer.from(await (await fetch(first.link.url)).arrayBuffer());
      await store.put(first.link.key, bytes, { templateId: 'another-template', sha256: first.link.sha256, pages: 3, fileName: NAME });
      await expect(service.link(first.link.id)).rejects.toBeInstanceOf(ReportNotFoundError);
      const again = await service.create('t', { name: '错模板县' });
      expect(again.rendered).toBe(true);
      expect(printer.prints).toBe(2);
    });

    it('refuses unknown and malformed ids', async () => {
      const service = new ReportService(new FakePrinter(), store, { linkExpirySeconds: 900, limiter: new ConcurrencyLimiter(limits) });
      for (const id of ['t.ffffffffffffffffffffffffffffffff', 't.FFFF', '../etc/passwd', 't.0123456789abcdef0123456789abcdef.pdf', '']) {
        await expect(service.link(id)).rejects.toBeInstanceOf(ReportNotFoundError);
      }
    });

    it('shares one render among identical concurrent requests', async () => {
      const printer = new FakePrinter();
      const service = new ReportService(printer, store, { linkExpirySeconds: 900, limiter: new ConcurrencyLimiter(limits) });
      printer.holding = true;
      const pending = Array.from({ length: 5 }, () => service.create('t', { name: '澄湾县' }));
      await until(() => printer.prints === 1, 'the render started');
      printer.release();
      const outcomes = await Promise.all(pending);
      expect(printer.prints).toBe(1);
      expect(outcomes.filter((o) => o.rendered)).toHaveLength(1);
      expect(new Set(outcomes.map((o) => o.link.id)).size).toBe(1);
    });

    it('refuses work beyond the queue with RendererBusyError and recovers', async () => {
      const printer = new FakePrinter();
      const service = new ReportService(printer, store, { linkExpirySeconds: 900, limiter: new ConcurrencyLimiter(limits) });
      printer.holding = true;
      const running = service.create('t', { name: '甲县' });
      const queued = service.create('t', { name: '乙县' });
      await until(() => service.stats().queued === 1, 'the second render waits');
      expect(service.stats()).toMatchObject({ active: 1, queued: 1 });
      const refused: unknown = await service.create('t', { name: '丙县' }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(RendererBusyError);
      expect((refused as RendererBusyError).retryAfterSeconds).toBe(7);
      printer.release();
      await expect(running).resolves.toMatchObject({ rendered: true });
      await expect(queued).resolves.toMatchObject({ rendered: true });
      await expect(service.create('t', { name: '丙县' })).resolves.toMatchObject({ rendered: true });
      expect(service.stats()).toMatchObject({ active: 0, queued: 0, renders: 3 });
    });
  });
});
