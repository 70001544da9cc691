/**
 * The last step of the batch state machine: read what the Distributed Map's ResultWriter exported,
 * write the batch manifest (the CLI's shape, items in input order) and, optionally, reports.zip
 * with every PDF and the manifest, streamed from S3 to S3 (a nationwide batch is ~2,800 PDFs,
 * hundreds of MB: never in memory, never on /tmp).
 *
 * Every item of the items file is accounted for: rendered (`ok`/`skipped`), failed with its own
 * reason, failed because its whole group failed (Lambda timeout or crash), or `NOT_RUN` when the
 * map stopped before reaching it.
 */
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { parse as parseCsv } from 'csv-parse/sync';
import { ZipFile } from 'yazl';
import { itemFileStem } from '../batch/itemFileStem';
import {
  MANIFEST_FILE,
  isBatchId,
  isTemplateId,
  manifestKey,
  resultsPrefix,
  zipKey,
  type BatchLocation,
  type ItemsFormat,
} from './batchLayout';
import {
  itemsOfChildExecution,
  parseResultFile,
  parseResultWriterManifest,
  failedItem,
  type RemoteManifestItem,
} from './resultWriterOutput';

/** What the state machine passes to the finalize function. */
export interface FinalizeInput {
  readonly batchId: string;
  readonly template: string;
  /** The items file, to put the manifest in input order and find items that never ran. */
  readonly itemsKey?: string;
  readonly format?: ItemsFormat;
  /** Write reports.zip (default true). */
  readonly zip?: boolean;
  /** The execution's start time (`$$.Execution.StartTime`), as the state machine records it. */
  readonly execution?: { readonly startedAt?: string };
  /** Same, given directly (tests, manual runs). */
  readonly startedAt?: string;
  /** Set when the Map state itself failed (e.g. too many failed groups); its Error and Cause. */
  readonly mapError?: { readonly Error?: string; readonly Cause?: string };
}

export interface RemoteBatchManifest {
  readonly batchId: string;
  readonly template: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
  /** Always 0 remotely: items that were not attempted are listed as failed (`NOT_DONE`/`NOT_RUN`). */
  readonly notDone: number;
  /** Key of reports.zip, or null when none was written. */
  readonly zip: string | null;
  readonly items: readonly RemoteManifestItem[];
}

/** What the finalize function returns to the state machine (small: states hold 256 KB). */
export interface FinalizeOutput {
  readonly bucket: string;
  readonly manifestKey: string;
  readonly zipKey: string | null;
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
}

export interface FinalizeOptions {
  readonly client: S3Client;
  readonly bucket: string;
  readonly now?: () => Date;
  /** Multipart part size for reports.zip (S3 wants ≥ 5 MiB except the last part). */
  readonly zipPartBytes?: number;
}

const DEFAULT_PART_BYTES = 16 * 1024 * 1024;
const MIN_PART_BYTES = 5 * 1024 * 1024;

async function readText(client: S3Client, bucket: string, key: string): Promise<string> {
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!response.Body) throw new Error(`s3://${bucket}/${key} has no body`);
  return response.Body.transformToString('utf8');
}

async function listKeys(client: S3Client, bucket: string, prefix: string): Promise<{ key: string; modified: number }[]> {
  const keys: { key: string; modified: number }[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      if (object.Key) keys.push({ key: object.Key, modified: object.LastModified?.getTime() ?? 0 });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** Item ids in file order, read the way the Distributed Map's ItemReader reads the file. */
export function idsInFileOrder(text: string, format: ItemsFormat): string[] {
  const body = text.replace(/^\uFEFF/, '');
  const idOf = (value: unknown): string | undefined => {
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  if (format === 'csv') {
    const rows = parseCsv(body, { relax_column_count: true, skip_empty_lines: true }) as string[][];
    const column = rows[0]?.findIndex((cell) => cell.trim() === 'id') ?? -1;
    if (column < 0) return [];
    return rows.slice(1).flatMap((row) => {
      const id = idOf(row[column]);
      return id === undefined ? [] : [id];
    });
  }
  return body.split(/\r?\n/).flatMap((line) => {
    if (line.trim() === '') return [];
    try {
      const record = JSON.parse(line) as { id?: unknown } | null;
      const id = idOf(record?.id);
      return id === undefined ? [] : [id];
    } catch {
      return [];
    }
  });
}

const RANK: Readonly<Record<RemoteManifestItem['status'], number>> = { ok: 2, skipped: 1, failed: 0 };

/**
 * Merges, orders and names the items: one entry per id (a group retried by Step Functions may
 * report an item twice; the better outcome wins), in items-file order, with unique ZIP names.
 */
export function assembleItems(reported: readonly RemoteManifestItem[], fileOrder: readonly string[], notRunReason: string): RemoteManifestItem[] {
  const byId = new Map<string, RemoteManifestItem>();
  for (const item of reported) {
    const before = byId.get(item.id);
    if (!before || RANK[item.status] > RANK[before.status]) byId.set(item.id, item);
  }
  const ordered: RemoteManifestItem[] = [];
  const seen = new Set<string>();
  for (const id of fileOrder) {
    if (seen.has(id)) continue;
    seen.add(id);
    ordered.push(byId.get(id) ?? failedItem(id, { code: 'NOT_RUN', message: notRunReason, details: [] }));
  }
  for (const [id, item] of byId) if (!seen.has(id)) ordered.push(item);

  const taken = new Set<string>([MANIFEST_FILE.toLowerCase()]);
  return ordered.map((item) => {
    if (item.key === null || item.status === 'failed') return item;
    const stem = itemFileStem(item.id) ?? 'report';
    let file = `${stem}.pdf`;
    for (let n = 2; taken.has(file.toLowerCase()); n++) file = `${stem}-${n}.pdf`;
    taken.add(file.toLowerCase());
    return { ...item, file };
  });
}

/** Streams every PDF and the manifest into `key` as a ZIP, by multipart upload. */
async function writeZipToS3(
  client: S3Client,
  bucket: string,
  key: string,
  items: readonly RemoteManifestItem[],
  manifest: Buffer,
  partBytes: number,
): Promise<void> {
  const zip = new ZipFile();
  for (const item of items) {
    if (item.key === null || item.file === null) continue;
    const source = item.key;
    // Lazy: yazl asks for an entry's stream only when the previous entry is written, so one PDF
    // is in flight at a time and the upload below paces everything.
    zip.addReadStreamLazy(item.file, { compress: false }, (callback) => {
      client.send(new GetObjectCommand({ Bucket: bucket, Key: source })).then(
        (response) => callback(null, response.Body as Readable),
        (error: unknown) => callback(error, Readable.from([])),
      );
    });
  }
  zip.addBuffer(manifest, MANIFEST_FILE, { compress: true });
  zip.end();

  const upload = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: 'application/zip' }));
  const uploadId = upload.UploadId;
  if (!uploadId) throw new Error('S3 returned no UploadId');
  const parts: { ETag: string; PartNumber: number }[] = [];
  try {
    let chunks: Buffer[] = [];
    let size = 0;
    const flush = async (): Promise<void> => {
      const body = Buffer.concat(chunks, size);
      chunks = [];
      size = 0;
      const partNumber = parts.length + 1;
      const part = await client.send(
        new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length }),
      );
      parts.push({ ETag: part.ETag ?? '', PartNumber: partNumber });
    };
    const zipErrors = new Promise<never>((_, reject) => zip.on('error', reject));
    zipErrors.catch(() => undefined);
    const consume = (async () => {
      for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= partBytes) await flush();
      }
      if (size > 0 || parts.length === 0) await flush();
    })();
    await Promise.race([consume, zipErrors]);
    await client.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }),
    );
  } catch (error) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    throw error;
  }
}

export async function finalizeBatch(input: FinalizeInput, options: FinalizeOptions): Promise<FinalizeOutput> {
  const { client, bucket } = options;
  if (!isBatchId(input.batchId) || !isTemplateId(input.template)) {
    throw new Error('finalize needs a valid "batchId" and "template" (the execution input)');
  }
  const batch: BatchLocation = { template: input.template, batchId: input.batchId };
  const now = options.now ?? (() => new Date());

  // The ResultWriter writes below <prefix>/<map-run-id>/; a redriven run may leave an older one.
  const prefix = `${resultsPrefix(batch)}/`;
  const objects = await listKeys(client, bucket, prefix);
  const manifests = objects.filter((o) => o.key.endsWith(`/${MANIFEST_FILE}`)).sort((a, b) => b.modified - a.modified);
  const reported: RemoteManifestItem[] = [];
  if (manifests.length > 0) {
    const resultWriter = parseResultWriterManifest(await readText(client, bucket, manifests[0].key));
    const { SUCCEEDED = [], FAILED = [], PENDING = [] } = resultWriter.ResultFiles;
    for (const file of [...SUCCEEDED, ...FAILED, ...PENDING]) {
      for (const entry of parseResultFile(await readText(client, bucket, file.Key))) reported.push(...itemsOfChildExecution(entry));
    }
  }

  const fileOrder = input.itemsKey && input.format ? idsInFileOrder(await readText(client, bucket, input.itemsKey), input.format) : [];
  const notRunReason = input.mapError?.Error
    ? `Not rendered: the batch stopped early (${input.mapError.Error}); rerun the failed items.`
    : 'Not rendered: no result was reported for this item; rerun the failed items.';
  const items = assembleItems(reported, fileOrder, notRunReason);
  const count = (status: RemoteManifestItem['status']): number => items.filter((i) => i.status === status).length;
  const withPdf = items.filter((i) => i.file !== null);
  const writeZip = (input.zip ?? true) && withPdf.length > 0;
  const manifest: RemoteBatchManifest = {
    batchId: input.batchId,
    template: input.template,
    startedAt: input.startedAt ?? input.execution?.startedAt ?? now().toISOString(),
    finishedAt: now().toISOString(),
    total: items.length,
    succeeded: count('ok'),
    failed: count('failed'),
    skipped: count('skipped'),
    notDone: 0,
    zip: writeZip ? zipKey(batch) : null,
    items,
  };
  const manifestBody = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
  if (writeZip) {
    const partBytes = Math.max(MIN_PART_BYTES, options.zipPartBytes ?? DEFAULT_PART_BYTES);
    await writeZipToS3(client, bucket, zipKey(batch), withPdf, manifestBody, partBytes);
  }
  // The manifest last: once it exists, the batch is complete (GET /batches/{id} relies on it).
  await client.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: manifestKey(batch),
      Body: manifestBody,
      ContentLength: manifestBody.length,
      ContentType: 'application/json; charset=utf-8',
    }),
  );
  return {
    bucket,
    manifestKey: manifestKey(batch),
    zipKey: manifest.zip,
    total: manifest.total,
    succeeded: manifest.succeeded,
    failed: manifest.failed,
    skipped: manifest.skipped,
  };
}
