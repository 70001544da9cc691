/**
 * Where a remote batch keeps its objects, and how it is named. Shared by the CDK stack (lifecycle
 * rules, IAM scopes, the state machine's paths) and the batch Lambdas, so the three never drift.
 *
 * Everything of one batch lives under one prefix, next to the PDFs the item-batch Lambda stores
 * there (`batches/<template>/<batchId>/<hash>.pdf`, see lambda/src/batch/ReportStoreSink.ts):
 *
 *   batches/<template>/<batchId>/input/items.jsonl|items.csv   the uploaded items (ItemReader)
 *   batches/<template>/<batchId>/results/<map-run-id>/…         Step Functions' ResultWriter output
 *   batches/<template>/<batchId>/manifest.json                  the batch manifest (CLI shape)
 *   batches/<template>/<batchId>/reports.zip                    every PDF + manifest.json
 *
 * Nothing here touches AWS: pure names and checks, unit-testable and importable from infra/.
 */

/** Prefix of single reports (`reports/<template>/<hash>.pdf`, see core/reportAddress.ts). */
export const REPORTS_PREFIX = 'reports/';
/** Prefix of everything a batch writes or reads. */
export const BATCHES_PREFIX = 'batches/';
/** Same names as the CLI's `<dir>/manifest.json` and `<dir>/reports.zip`. */
export const MANIFEST_FILE = 'manifest.json';
export const ZIP_FILE = 'reports.zip';

export type ItemsFormat = 'jsonl' | 'csv';
export const ITEMS_FORMATS: readonly ItemsFormat[] = ['jsonl', 'csv'];

/**
 * Batch ids double as Step Functions execution names (1–80 characters: letters, digits, `-`, `_`)
 * and as one S3 key segment. The item-batch Lambda accepts a superset (it also allows `.`).
 */
export const BATCH_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/;
/** Template ids as TemplateStore accepts them (folder names). */
export const TEMPLATE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function isBatchId(value: unknown): value is string {
  return typeof value === 'string' && BATCH_ID_PATTERN.test(value);
}

export function isTemplateId(value: unknown): value is string {
  return typeof value === 'string' && TEMPLATE_ID_PATTERN.test(value);
}

/** A new, sortable batch id: `20261128T134502Z-3f9a1c2e`. */
export function newBatchId(now: Date, random: Buffer): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${random.toString('hex').slice(0, 8)}`;
}

export interface BatchLocation {
  readonly template: string;
  readonly batchId: string;
}

function checked({ template, batchId }: BatchLocation): string {
  if (!isTemplateId(template)) throw new RangeError(`not a template id: ${JSON.stringify(template)}`);
  if (!isBatchId(batchId)) throw new RangeError(`not a batch id: ${JSON.stringify(batchId)}`);
  return `${BATCHES_PREFIX}${template}/${batchId}/`;
}

export function batchPrefix(batch: BatchLocation): string {
  return checked(batch);
}

export function itemsKey(batch: BatchLocation, format: ItemsFormat): string {
  return `${checked(batch)}input/items.${format}`;
}

/** The ResultWriter prefix; Step Functions adds `/<map-run-id>/manifest.json` etc. below it. */
export function resultsPrefix(batch: BatchLocation): string {
  return `${checked(batch)}results`;
}

export function manifestKey(batch: BatchLocation): string {
  return `${checked(batch)}${MANIFEST_FILE}`;
}

export function zipKey(batch: BatchLocation): string {
  return `${checked(batch)}${ZIP_FILE}`;
}

/**
 * The state machine's execution input. `POST /batches` starts executions with it; an operator
 * can do the same with `aws stepfunctions start-execution` after uploading the items file.
 */
export interface BatchExecutionInput {
  readonly batchId: string;
  readonly template: string;
  /** Object key of the items file in the service's bucket. */
  readonly itemsKey: string;
  readonly format: ItemsFormat;
  /** Also write reports.zip (default true). */
  readonly zip: boolean;
}
