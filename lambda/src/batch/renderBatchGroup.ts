/**
 * One group of a remote batch: the Distributed Map's ItemBatcher hands a Lambda a few items, which
 * are rendered with the container's one warm browser and stored in the bucket under the batch
 * (ReportStoreSink). entrypoints/batchRenderLambda.ts only translates the event.
 *
 *   event   {"Items": [{"id", "data"}… or CSV rows {"id", "economy.gdp", …}],
 *            "BatchInput": {"template": "county-annual-report", "batchId": "2024-city"}}
 *   result  {"batchId", "template", "total", "succeeded", "failed", "skipped", "notDone",
 *            "items": [{"id", "status", "key", "bytes", "pages", "sha256", "ms", "attempts", "error"}]}
 *
 * - Failures are data: a bad item is `failed` with its reason; the group itself only fails when it
 *   is unusable as a whole (no Items, unknown template, bad batchId), which Step Functions then
 *   counts against ToleratedFailurePercentage.
 * - Time budget: an item starts only if there is time left for a whole render (the render timeout)
 *   plus a reserve for storing and returning. Items it cannot start are `not_done`, for the state
 *   machine to retry; a Lambda killed mid-item would lose the whole group's results.
 * - Stored objects are keyed by content, so a retried group skips what it already stored.
 */
import { InvalidRequestError } from '../core/errors';
import type { Logger, ReportStore } from '../core/ports';
import type { ReportRenderer } from '../core/ReportRenderer';
import { isBatchId } from '../core/storageLayout';
import { batchItemFromRecord, unreadableItem, type BatchItem } from './BatchItem';
import type { ManifestItem } from './BatchManifest';
import { ReportStoreSink } from './ReportStoreSink';
import { runBatch, type BatchItemStatus } from './runBatch';

export interface BatchGroupEvent {
  readonly Items?: unknown;
  readonly BatchInput?: unknown;
}

/** One item of a group's result: a manifest item with its object key, or `not_done`. */
export interface BatchGroupItem extends Pick<ManifestItem, 'id' | 'bytes' | 'pages' | 'sha256' | 'ms' | 'attempts' | 'error'> {
  readonly status: BatchItemStatus;
  /** Object key of the PDF; null when none was stored. */
  readonly key: string | null;
}

/** What the group's Lambda returns, and the ResultWriter records for finalizeRemoteBatch. */
export interface BatchGroupResult {
  readonly batchId: string;
  readonly template: string;
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
  /** Items not started for lack of time; send them again. */
  readonly notDone: number;
  readonly items: readonly BatchGroupItem[];
}

export interface BatchGroupDependencies {
  /** The container's one warm renderer. */
  readonly reports: ReportRenderer;
  readonly store: ReportStore;
  /** Starts the browser; a Chromium that cannot start fails the group, so Step Functions retries it elsewhere. */
  readonly warmUp: () => Promise<void>;
  /** RENDER_TIMEOUT_MS + BATCH_RESERVE_MS: the time an item needs left before it may start. */
  readonly needMs: number;
  readonly logger: Logger;
}

/** What the Lambda runtime tells about the invocation. */
export interface BatchGroupContext {
  /** Milliseconds left before the function times out. */
  readonly remainingMs?: () => number;
  readonly requestId?: string;
}

/** A result carries at most this many problems per item: Step Functions states hold 256 KB. */
const MAX_DETAILS = 20;

function parseGroup(event: BatchGroupEvent): { templateId: string; batchId: string; records: unknown[] } {
  if (typeof event !== 'object' || event === null || !Array.isArray(event.Items)) {
    throw new InvalidRequestError('The batch event has no "Items" array; run this function from a Distributed Map with an ItemBatcher.');
  }
  const input = (typeof event.BatchInput === 'object' && event.BatchInput !== null ? event.BatchInput : {}) as Record<string, unknown>;
  const { template, batchId } = input;
  if (typeof template !== 'string' || template === '') {
    throw new InvalidRequestError("BatchInput.template is missing; set it in the ItemBatcher's BatchInput to the template id.");
  }
  if (!isBatchId(batchId)) {
    throw new InvalidRequestError('BatchInput.batchId must be 1–80 letters, digits, "_" or "-" (e.g. the execution name).');
  }
  return { templateId: template, batchId, records: event.Items };
}

/** Ids must be unique within the group: a repeated id fails (the first occurrence renders). */
function withoutDuplicates(items: readonly BatchItem[]): BatchItem[] {
  const seen = new Set<string>();
  return items.map((item) => {
    if (item.stem === undefined) return item;
    const key = item.stem.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      return item;
    }
    return unreadableItem(item.where, new InvalidRequestError(`${item.where}: id "${item.id}" is used by an earlier item of this batch; give every item a unique id.`), item.id);
  });
}

export async function renderBatchGroup(
  event: BatchGroupEvent,
  deps: BatchGroupDependencies,
  context: BatchGroupContext = {},
): Promise<BatchGroupResult> {
  const { reports, store, logger, needMs } = deps;
  const { templateId, batchId, records } = parseGroup(event);
  const template = reports.templates.get(templateId);
  const items = withoutDuplicates(records.map((record, i) => batchItemFromRecord(record, `item ${i + 1}`, { rows: true, schema: template.schema })));
  const remainingMs = context.remainingMs;
  const outcome = await runBatch({
    templateId: template.id,
    items,
    renderers: [reports],
    sink: new ReportStoreSink(store, template.id, batchId),
    // Not one failed item per document: Step Functions should retry the group on a healthy Lambda.
    warmUp: deps.warmUp,
    mayStart: remainingMs ? () => remainingMs() > needMs : undefined,
  });
  const result: BatchGroupResult = {
    batchId,
    template: template.id,
    total: outcome.counts.total,
    succeeded: outcome.counts.ok,
    failed: outcome.counts.failed,
    skipped: outcome.counts.skipped,
    notDone: outcome.counts.notDone,
    items: outcome.results.map((r) => ({
      id: r.id,
      status: r.status,
      key: r.stored?.location ?? null,
      bytes: r.stored?.bytes ?? null,
      pages: r.stored?.pages ?? null,
      sha256: r.stored?.sha256 ?? null,
      ms: r.ms,
      attempts: r.attempts,
      error: r.error ? { ...r.error, details: r.error.details.slice(0, MAX_DETAILS) } : null,
    })),
  };
  const { items: _items, ...summary } = result;
  logger.info('batch group done', { ...summary, awsRequestId: context.requestId });
  for (const item of result.items.filter((i) => i.status === 'failed')) {
    logger.warn('batch item failed', { batchId, id: item.id, code: item.error?.code, reason: item.error?.message });
  }
  return result;
}
