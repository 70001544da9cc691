/**
 * The Lambda entry point for a Step Functions Distributed Map with an ItemBatcher: one invocation
 * renders one group of items with the container's one warm browser and stores each PDF in S3.
 *
 *   event   {"Items": [{"id", "data"}… or CSV rows {"id", "economy.gdp", …}],
 *            "BatchInput": {"template": "county-annual-report", "batchId": "2024-city"}}
 *   result  {"batchId", "template", "total", "succeeded", "failed", "skipped", "notDone",
 *            "items": [{"id", "status", "key", "bytes", "pages", "sha256", "ms", "attempts", "error"}]}
 *
 * - Failures are data: a bad item is `failed` with its reason; the invocation itself only fails
 *   when the whole group is unusable (no Items, unknown template, bad batchId, broken config),
 *   which Step Functions then counts against ToleratedFailurePercentage.
 * - Time budget: an item starts only if the Lambda has time left for a whole render (the render
 *   timeout) plus a reserve for storing and returning. Items it cannot start are `not_done`, for
 *   the state machine to retry; a Lambda killed mid-item would lose the whole group's results.
 * - Stored objects are keyed by content, so a retried group skips what it already stored.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { readInt, type Env } from '../core/env';
import { InvalidRequestError } from '../core/errors';
import { loadRenderConfig, type RenderConfig } from '../core/renderConfig';
import type { ReportRenderer } from '../core/ReportRenderer';
import type { ReportStore } from '../storage/ReportStore';
import { S3ReportStore, type S3ReportStoreOptions } from '../storage/S3ReportStore';
import { loadStorageConfig, type StorageConfig } from '../storage/storageConfig';
import { batchItemFromRecord, unreadableItem, type BatchItem } from './BatchItem';
import { createRendererPool } from './createRendererPool';
import { ReportStoreSink } from './ReportStoreSink';
import { runBatch, type BatchItemError, type BatchItemStatus } from './runBatch';

export interface BatchEvent {
  readonly Items?: unknown;
  readonly BatchInput?: unknown;
}

export interface BatchResultItem {
  readonly id: string;
  readonly status: BatchItemStatus;
  /** S3 key of the PDF; null when none was stored. */
  readonly key: string | null;
  readonly bytes: number | null;
  readonly pages: number | null;
  readonly sha256: string | null;
  readonly ms: number;
  readonly attempts: number;
  readonly error: BatchItemError | null;
}

export interface BatchResult {
  readonly batchId: string;
  readonly template: string;
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
  /** Items not started for lack of time; send them again. */
  readonly notDone: number;
  readonly items: readonly BatchResultItem[];
}

/** Structured logs: Powertools' Logger in Lambda, anything with these two methods in tests. */
export interface BatchLogger {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
}

export interface BatchApp {
  readonly renderConfig: RenderConfig;
  readonly reports: ReportRenderer;
  readonly store: ReportStore;
  /** BATCH_RESERVE_MS: time kept back at the end of an invocation for storing and returning. */
  readonly reserveMs: number;
  readonly logger: BatchLogger;
  /** Starts the browser if it is not running; a Chromium that cannot start fails the invocation. */
  warmUp(): Promise<void>;
  close(): Promise<void>;
}

export interface BatchAppOptions {
  readonly env?: Env;
  readonly storageOverrides?: Partial<Pick<StorageConfig, 'endpoint' | 'forcePathStyle'>>;
  readonly storeOptions?: S3ReportStoreOptions;
  readonly logger?: BatchLogger;
}

export const BATCH_RESERVE_DEFAULT_MS = 5_000;
/** Step Functions execution names are up to 80 characters; ids of our own choosing fit too. */
const BATCH_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** A result carries at most this many problems per item: Step Functions states hold 256 KB. */
const MAX_DETAILS = 20;

/** Configuration → warm renderer + store. Built once per container and kept. */
export function createBatchApp(options: BatchAppOptions = {}): BatchApp {
  const env = options.env ?? process.env;
  const renderConfig = loadRenderConfig(env);
  const storage = { ...loadStorageConfig(env), ...options.storageOverrides };
  const reserveMs = readInt(env, 'BATCH_RESERVE_MS', BATCH_RESERVE_DEFAULT_MS, 0, 600_000);
  const logger = options.logger ?? new Logger({ serviceName: 'pdf-export' });
  // A pool of one: the container's one warm browser, relaunched when it has grown too big
  // (RecyclingRenderer), since a warm container may print thousands of documents.
  const pool = createRendererPool(renderConfig, 1, {
    onBlockedRequest: (url) => logger.warn('document request blocked', { url: url.slice(0, 300) }),
  });
  const store = new S3ReportStore(storage, options.storeOptions);
  return {
    renderConfig,
    reports: pool.reports[0],
    store,
    reserveMs,
    logger,
    warmUp: () => pool.warmUp(),
    async close() {
      store.close();
      await pool.close();
    },
  };
}

function parseBatchInput(event: BatchEvent): { templateId: string; batchId: string; records: unknown[] } {
  if (typeof event !== 'object' || event === null || !Array.isArray(event.Items)) {
    throw new InvalidRequestError('The batch event has no "Items" array; run this function from a Distributed Map with an ItemBatcher.');
  }
  const input = (typeof event.BatchInput === 'object' && event.BatchInput !== null ? event.BatchInput : {}) as Record<string, unknown>;
  const { template, batchId } = input;
  if (typeof template !== 'string' || template === '') {
    throw new InvalidRequestError('BatchInput.template is missing; set it in the ItemBatcher\'s BatchInput to the template id.');
  }
  if (typeof batchId !== 'string' || !BATCH_ID.test(batchId) || batchId.includes('..')) {
    throw new InvalidRequestError('BatchInput.batchId must be 1–128 letters, digits, ".", "_" or "-" (e.g. the execution name).');
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

export type BatchContext = Pick<Context, 'getRemainingTimeInMillis'> & Partial<Pick<Context, 'awsRequestId'>>;

export function createBatchHandler(createApp: () => BatchApp): (event: BatchEvent, context?: BatchContext) => Promise<BatchResult> {
  let app: BatchApp | undefined;
  return async (event, context) => {
    const current = (app ??= createApp());
    const { reports, store, logger, reserveMs, renderConfig } = current;
    const { templateId, batchId, records } = parseBatchInput(event);
    const template = reports.templates.get(templateId);
    const items = withoutDuplicates(records.map((record, i) => batchItemFromRecord(record, `item ${i + 1}`, { rows: true, schema: template.schema })));
    // Enough time for the slowest render the renderer allows, plus storing and answering.
    const needMs = renderConfig.renderTimeoutMs + reserveMs;
    const outcome = await runBatch({
      templateId: template.id,
      items,
      renderers: [reports],
      sink: new ReportStoreSink(store, template.id, batchId),
      // Not one failed item per document: Step Functions should retry the group on a healthy Lambda.
      warmUp: () => current.warmUp(),
      mayStart: context?.getRemainingTimeInMillis ? () => context.getRemainingTimeInMillis() > needMs : undefined,
    });
    const result: BatchResult = {
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
    logger.info('batch group done', { ...summary, awsRequestId: context?.awsRequestId });
    for (const item of result.items.filter((i) => i.status === 'failed')) {
      logger.warn('batch item failed', { batchId, id: item.id, code: item.error?.code, message: item.error?.message });
    }
    return result;
  };
}

/** The function's handler: `lambda/src/batch/batchHandler.handler`. */
export const handler = createBatchHandler(() => createBatchApp());
