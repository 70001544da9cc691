/**
 * Remote batches on AWS, as `POST /batches` and `GET /batches/{id}` use them
 * (http/batchRoutes.ts maps the requests): start one (upload the items file, start the workflow),
 * and tell how one is doing, then hand out signed links to its manifest and ZIP.
 *
 * The items file is checked as a whole before anything starts (unknown template, not JSON/CSV/xlsx,
 * unknown columns, duplicate ids, too many items: an error, nothing stored); single bad records
 * are left to fail alone in the batch. A workbook is turned into the JSON Lines the state machine
 * reads, each record keeping its spreadsheet row and, for a bad row, the problem found in its
 * cells, so the manifest names row, column and field as `pdf-export batch` does. The batch id is the execution name, so batches started with `aws
 * stepfunctions start-execution` (docs/deploy.md) are reported the same way.
 */
import { randomBytes } from 'node:crypto';
import { LimitExceededError, RouteNotFoundError } from '../core/errors';
import type { Clock } from '../core/ports';
import { isBatchId, itemsKey, manifestKey, newBatchId, type BatchExecutionInput, type ItemsFormat } from '../core/storageLayout';
import type { TemplateStore } from '../core/TemplateStore';
import { recordOfBatchItem } from './BatchItem';
import { parseManifest } from './BatchManifest';
import { parseBatchItems } from './parseBatchItems';
import type { BatchObjects, BatchWorkflow } from './ports';

export interface RemoteBatchDependencies {
  readonly templates: TemplateStore;
  readonly objects: BatchObjects;
  readonly workflow: BatchWorkflow;
  /** Lifetime of the signed manifest/ZIP links (LINK_EXPIRY_SECONDS). */
  readonly linkExpirySeconds: number;
  /** Most items one batch may hold (MAX_BATCH_ITEMS), rows of a workbook included. */
  readonly maxItems: number;
  /** How much of an uploaded workbook may be read (MAX_WORKBOOK_BYTES, MAX_WORKBOOK_UNZIPPED_BYTES). */
  readonly workbook: { readonly maxBytes: number; readonly maxUnzippedBytes: number };
  readonly clock: Clock;
}

export interface RemoteBatchUpload {
  readonly template: string;
  readonly format: ItemsFormat | 'xlsx';
  /** The items file: JSON Lines or CSV text (what the Distributed Map's item reader reads), or a workbook's bytes. */
  readonly file: string | Uint8Array;
  /** Also write reports.zip. */
  readonly zip: boolean;
}

export interface StartedBatch {
  readonly batchId: string;
  readonly template: string;
  readonly status: 'running';
  readonly total: number;
  readonly links: { readonly self: string };
}

export async function startRemoteBatch(upload: RemoteBatchUpload, deps: RemoteBatchDependencies): Promise<StartedBatch> {
  const template = deps.templates.get(upload.template);
  // Whole-file problems (not CSV, unknown columns, duplicate ids) are refused now; bad records fail alone later.
  const items = parseBatchItems(upload.file, upload.format, template.schema, { workbook: { ...deps.workbook, maxRows: deps.maxItems } });
  if (items.length > deps.maxItems) {
    throw new LimitExceededError(`The file has ${items.length} items; one batch takes up to ${deps.maxItems}. Split it.`);
  }
  let file: string;
  let format: ItemsFormat;
  if (upload.format === 'xlsx') {
    // The state machine reads JSON Lines or CSV; a row's record keeps its row and its cells' problem.
    file = items.map((item) => JSON.stringify(recordOfBatchItem(item))).join('\n') + '\n';
    format = 'jsonl';
  } else {
    file = typeof upload.file === 'string' ? upload.file : Buffer.from(upload.file).toString('utf8');
    format = upload.format;
  }
  const batchId = newBatchId(deps.clock(), randomBytes(4));
  const key = itemsKey({ template: template.id, batchId }, format);
  await deps.objects.putText(key, file, format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
  const input: BatchExecutionInput = { batchId, template: template.id, itemsKey: key, format, zip: upload.zip };
  await deps.workflow.start(input);
  return { batchId, template: template.id, status: 'running', total: items.length, links: { self: `/batches/${batchId}` } };
}

/** At most this many failed items are listed in the status answer; the manifest has all. */
const MAX_FAILED_LISTED = 50;

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

/** `GET /batches/{id}`'s answer: status, progress while running, then counts, failures and links. */
export type RemoteBatchStatus = Readonly<Record<string, unknown>> & { readonly status: string };

export async function describeRemoteBatch(batchId: string, deps: RemoteBatchDependencies): Promise<RemoteBatchStatus> {
  const notFound = new RouteNotFoundError(`No batch with id "${batchId.slice(0, 100)}". POST /batches answers with the id of a new batch.`);
  if (!isBatchId(batchId)) throw notFound;
  const execution = await deps.workflow.describe(batchId);
  if (!execution) throw notFound;
  let input: Partial<BatchExecutionInput> = {};
  try {
    input = JSON.parse(execution.input ?? '{}') as Partial<BatchExecutionInput>;
  } catch {
    input = {};
  }
  const status = STATUS[execution.status] ?? execution.status.toLowerCase();
  const answer: Record<string, unknown> & { status: string } = {
    batchId,
    template: input.template ?? null,
    status,
    startedAt: isoOfEpoch(execution.startDate),
    stoppedAt: isoOfEpoch(execution.stopDate),
  };
  if (status === 'running') {
    const counts = await deps.workflow.progress(batchId);
    // Map-level counts: an item "succeeded" here when its group ran; item-level failures are in the manifest.
    answer.progress = counts
      ? {
          total: counts.total,
          processed: counts.succeeded + counts.failed + counts.timedOut + counts.aborted,
          running: counts.running,
          pending: counts.pending,
          groupsFailed: counts.failed + counts.timedOut,
        }
      : null;
    return answer;
  }
  if (execution.status !== 'SUCCEEDED') answer.error = { code: execution.error ?? 'BATCH_FAILED', message: (execution.cause ?? '').slice(0, 500) };
  const text = typeof input.template === 'string' ? await deps.objects.readText(manifestKey({ template: input.template, batchId })) : undefined;
  const manifest = text === undefined ? undefined : parseManifest(text);
  if (manifest) {
    answer.total = manifest.total;
    answer.succeeded = manifest.succeeded;
    answer.failed = manifest.failed;
    answer.skipped = manifest.skipped;
    answer.failedItems = manifest.items
      .filter((item) => item.status === 'failed')
      .slice(0, MAX_FAILED_LISTED)
      .map((item) => ({ id: item.id, code: item.error?.code ?? null, message: item.error?.message ?? null }));
    const link = async (key: string, name: string, type: string): Promise<{ url: string; expiresAt: string }> => {
      const signed = await deps.objects.presignGet(key, deps.linkExpirySeconds, name, type);
      return { url: signed.url, expiresAt: signed.expiresAt.toISOString() };
    };
    answer.manifest = await link(manifestKey({ template: manifest.template, batchId }), `${batchId}-manifest.json`, 'application/json');
    answer.zip = manifest.zip ? await link(manifest.zip, `${batchId}.zip`, 'application/zip') : null;
  } else {
    answer.manifest = null;
    answer.zip = null;
  }
  return answer;
}
