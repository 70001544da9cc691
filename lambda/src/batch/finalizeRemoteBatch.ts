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
import { parse as parseCsv } from 'csv-parse/sync';
import type { Clock, Logger } from '../core/ports';
import { isBatchId, isTemplateId, MANIFEST_FILE, batchPrefix, resultsPrefix, zipKey, type BatchLocation, type ItemsFormat } from '../core/storageLayout';
import { buildManifest, failedItem, type BatchManifest, type ManifestItem } from './BatchManifest';
import { finishBatch } from './finishBatch';
import { itemFileStem } from './itemFileStem';
import type { BatchObjects } from './ports';
import { itemsOfChildExecution, parseResultFile, parseResultWriterManifest } from './resultWriterOutput';

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

export interface FinalizeDependencies {
  readonly objects: BatchObjects;
  /** The bucket's name, for the state machine's output. */
  readonly bucket: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** The object's text; the items file and the ResultWriter's files must exist. */
async function mustRead(objects: BatchObjects, key: string): Promise<string> {
  const text = await objects.readText(key);
  if (text === undefined) throw new Error(`${key} does not exist`);
  return text;
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

const RANK: Readonly<Record<ManifestItem['status'], number>> = { ok: 2, skipped: 1, failed: 0 };

/**
 * Merges, orders and names the items: one entry per id (a group retried by Step Functions may
 * report an item twice; the better outcome wins), in items-file order, with unique ZIP names.
 */
export function assembleItems(reported: readonly ManifestItem[], fileOrder: readonly string[], notRunReason: string): ManifestItem[] {
  const byId = new Map<string, ManifestItem>();
  for (const item of reported) {
    const before = byId.get(item.id);
    if (!before || RANK[item.status] > RANK[before.status]) byId.set(item.id, item);
  }
  const ordered: ManifestItem[] = [];
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

export async function finalizeRemoteBatch(input: FinalizeInput, deps: FinalizeDependencies): Promise<FinalizeOutput> {
  const { objects, bucket, clock } = deps;
  const started = Date.now();
  if (!isBatchId(input.batchId) || !isTemplateId(input.template)) {
    throw new Error('finalize needs a valid "batchId" and "template" (the execution input)');
  }
  const batch: BatchLocation = { template: input.template, batchId: input.batchId };

  // The ResultWriter writes below <prefix>/<map-run-id>/; a redriven run may leave an older one.
  const objectsBelow = await objects.list(`${resultsPrefix(batch)}/`);
  const manifests = objectsBelow.filter((o) => o.key.endsWith(`/${MANIFEST_FILE}`)).sort((a, b) => b.modified - a.modified);
  const reported: ManifestItem[] = [];
  if (manifests.length > 0) {
    const resultWriter = parseResultWriterManifest(await mustRead(objects, manifests[0].key));
    const { SUCCEEDED = [], FAILED = [], PENDING = [] } = resultWriter.ResultFiles;
    for (const file of [...SUCCEEDED, ...FAILED, ...PENDING]) {
      for (const entry of parseResultFile(await mustRead(objects, file.Key))) reported.push(...itemsOfChildExecution(entry));
    }
  }

  const fileOrder = input.itemsKey && input.format ? idsInFileOrder(await mustRead(objects, input.itemsKey), input.format) : [];
  const notRunReason = input.mapError?.Error
    ? `Not rendered: the batch stopped early (${input.mapError.Error}); rerun the failed items.`
    : 'Not rendered: no result was reported for this item; rerun the failed items.';
  const items = assembleItems(reported, fileOrder, notRunReason);
  const zip = (input.zip ?? true) && items.some((item) => item.file !== null);
  const manifest: BatchManifest = buildManifest({
    batchId: input.batchId,
    templateId: input.template,
    startedAt: input.startedAt ?? input.execution?.startedAt ?? clock().toISOString(),
    finishedAt: clock(),
    total: items.length,
    zip: zip ? zipKey(batch) : null,
    items,
  });
  await finishBatch(objects.folder(batchPrefix(batch)), manifest, { zip });
  const output: FinalizeOutput = {
    bucket,
    manifestKey: `${batchPrefix(batch)}${MANIFEST_FILE}`,
    zipKey: manifest.zip ?? null,
    total: manifest.total,
    succeeded: manifest.succeeded,
    failed: manifest.failed,
    skipped: manifest.skipped,
  };
  deps.logger.info('batch finalized', { batchId: input.batchId, template: input.template, ...output, ms: Date.now() - started });
  return output;
}
