/**
 * The Step Functions batch Lambda against a real S3-compatible server (s3rver on 127.0.0.1) and
 * real Chromium: every good item stored under the batch and readable back byte for byte, bad
 * items reported as data, a retried group skipping what it stored, and the time budget.
 */
import { generateCounties, toCsvRow, type SyntheticCounty } from '../helpers/syntheticCounties';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchGroupEvent as BatchEvent, BatchGroupResult as BatchResult } from '../../lambda/src/batch/renderBatchGroup';
import type { App } from '../../lambda/src/compose';
import type { Logger } from '../../lambda/src/core/ports';
import { createBatchHandler } from '../../lambda/src/entrypoints/batchRenderLambda';
import { testApp } from '../helpers/app';
import { sha256Hex } from '../../lambda/src/core/contentHash';
import { startLocalS3, type LocalS3 } from '../../lambda/src/storage/startLocalS3';
import { compact, pdfText } from '../helpers/pdfTools';

const TEMPLATE = 'county-annual-report';
const BUCKET = 'batch-test';

type Item = SyntheticCounty<Record<string, Record<string, unknown>>>;


const forever = { getRemainingTimeInMillis: () => 600_000, awsRequestId: 'test-request' };

describe('batch Lambda handler', () => {
  let dir: string;
  let s3: LocalS3;
  let app: App;
  let handler: (event: BatchEvent, context?: typeof forever) => Promise<BatchResult>;
  const logs: { level: string; message: string; extra: unknown }[] = [];
  const logger: Logger = {
    info: (message, extra) => void logs.push({ level: 'info', message, extra }),
    warn: (message, extra) => void logs.push({ level: 'warn', message, extra }),
    error: (message, extra) => void logs.push({ level: 'error', message, extra }),
  };
  const [a, b, c, d] = generateCounties<Item['data']>(4, 31);
  const bad = structuredClone(c);
  bad.data.economy.gdp = -1;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'batch-lambda-'));
    s3 = await startLocalS3({ directory: dir, port: 0, bucket: BUCKET });
    app = testApp(
      { ...process.env, REPORTS_BUCKET: BUCKET, S3_ENDPOINT: s3.endpoint, S3_FORCE_PATH_STYLE: 'true', S3_REGION: 'us-east-1' },
      { s3Credentials: s3.credentials, logger },
    );
    handler = createBatchHandler(() => app.batchGroupRenderer());
  });
  afterAll(async () => {
    await app.close();
    await s3.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const event = (batchId: string, items: unknown[]): BatchEvent => ({ Items: items, BatchInput: { template: TEMPLATE, batchId } });

  async function download(key: string): Promise<Buffer> {
    const link = await app.store.presignGet(key, 300, 'x.pdf');
    const response = await fetch(link.url);
    expect(response.status).toBe(200);
    return Buffer.from(await response.arrayBuffer());
  }

  it('stores every good PDF under the batch and reports bad items as data', async () => {
    const result = await handler(event('city-2020', [a, toCsvRow(b), bad, { id: a.id, data: d.data }]), forever);
    expect(result).toMatchObject({ batchId: 'city-2020', template: TEMPLATE, total: 4, succeeded: 2, failed: 2, skipped: 0, notDone: 0 });
    expect(result.items.map((i) => [i.id, i.status, i.error?.code ?? null])).toEqual([
      [a.id, 'ok', null],
      [b.id, 'ok', null],
      [c.id, 'failed', 'VALIDATION_FAILED'],
      [a.id, 'failed', 'INVALID_REQUEST'],
    ]);
    expect(result.items[2].error?.details).toEqual([{ path: '/economy/gdp', message: expect.stringMatching(/must be >= 0/) }]);
    expect(result.items[3].error?.message).toMatch(/id ".+" is used by an earlier item of this batch/);

    for (const [item, source] of [
      [result.items[0], a],
      [result.items[1], b],
    ] as const) {
      expect(item.key).toMatch(/^batches\/county-annual-report\/city-2020\/[0-9a-f]{32}\.pdf$/);
      const stored = await app.store.find(item.key!);
      expect(stored).toMatchObject({ templateId: TEMPLATE, sha256: item.sha256, pages: item.pages, bytes: item.bytes, fileName: `${source.id}.pdf` });
      const pdf = await download(item.key!);
      expect(sha256Hex(pdf)).toBe(item.sha256);
      expect(compact(pdfText(pdf))).toContain(source.data.county.name as string);
    }
    // The CSV row and the JSON item of the same data give the same key: the row was typed by the schema.
    const fromJson = await handler(event('city-2020-json', [b]), forever);
    expect(fromJson.items[0].key?.split('/').pop()).toBe(result.items[1].key?.split('/').pop());

    expect(logs.some((l) => l.level === 'info' && l.message === 'batch group done')).toBe(true);
    const failures = logs.filter((l) => l.level === 'warn' && l.message === 'batch item failed');
    expect(failures).toHaveLength(2);
    // Why each failed reaches the log under a key the JSON logger keeps (it drops a `message` attribute).
    expect(failures.map((l) => (l.extra as { reason?: string }).reason)).toEqual([expect.stringMatching(/\/economy\/gdp/), expect.stringMatching(/is used by an earlier item/)]);
  });

  it('skips what a retried group already stored', async () => {
    const result = await handler(event('city-2020', [a, toCsvRow(b)]), forever);
    expect(result.items.map((i) => i.status)).toEqual(['skipped', 'skipped']);
    expect(result.items.every((i) => i.attempts === 0 && /^batches\//.test(i.key ?? ''))).toBe(true);
  });

  it('starts only items it has time for and returns the rest as not done', async () => {
    const none = await handler(event('short-lambda', [a, b]), { ...forever, getRemainingTimeInMillis: () => 10_000 });
    expect(none).toMatchObject({ succeeded: 0, notDone: 2 });
    expect(none.items.map((i) => [i.status, i.key])).toEqual([
      ['not_done', null],
      ['not_done', null],
    ]);
    let calls = 0;
    const shrinking = { ...forever, getRemainingTimeInMillis: () => (++calls <= 1 ? 600_000 : 1_000) };
    const some = await handler(event('short-lambda', [a, b, d]), shrinking);
    expect(some.items.map((i) => i.status)).toEqual(['ok', 'not_done', 'not_done']);
  });

  it('fails the invocation only when the whole group is unusable', async () => {
    await expect(handler({ BatchInput: { template: TEMPLATE, batchId: 'x' } } as BatchEvent, forever)).rejects.toThrow(/no "Items" array/);
    await expect(handler(event('../escape', [a]), forever)).rejects.toThrow(/batchId must be/);
    await expect(handler({ Items: [a], BatchInput: { batchId: 'x' } }, forever)).rejects.toThrow(/BatchInput.template is missing/);
    await expect(handler({ Items: [a], BatchInput: { template: 'nope', batchId: 'x' } }, forever)).rejects.toMatchObject({ code: 'TEMPLATE_NOT_FOUND' });
  });
});
