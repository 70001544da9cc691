/**
 * Where everything lives in the service's bucket, and how its parts are named. Shared by the
 * report service, the batch functions and the CDK stack (lifecycle rules, IAM scopes, the state
 * machine's paths), so the three never drift. docs/architecture.md shows the layout.
 *
 *   reports/<template>/<32 hex>.pdf                             single reports (core/reportAddress.ts)
 *   batches/<template>/<batchId>/<32 hex>.pdf                   a remote batch's PDFs (batch/ReportStoreSink.ts)
 *   batches/<template>/<batchId>/input/items.jsonl|items.csv   the uploaded items (ItemReader)
 *   batches/<template>/<batchId>/results/<map-run-id>/…         Step Functions' ResultWriter output
 *   batches/<template>/<batchId>/manifest.json                  the batch manifest (batch/BatchManifest.ts)
 *   batches/<template>/<batchId>/reports.zip                    every PDF + manifest.json
 *
 * Keys are derived from template ids, batch ids and content hashes, never from text a client typed.
 * Nothing here touches AWS: pure names and checks, unit-testable and importable from infra/.
 */
/** Prefix of single reports. */
export const REPORTS_PREFIX = 'reports/';
/** Prefix of everything a batch writes or reads. */
export const BATCHES_PREFIX = 'batches/';
/**
 * The files a batch writes beside its PDFs, the same in the bucket, in `pdf-export batch -o <dir>`
 * and in a playground batch's folder.
 */
export const MANIFEST_FILE = 'manifest.json';
export const ZIP_FILE = 'reports.zip';
export const VOLUME_FILE = 'volume.pdf';
/** An item id may not name a PDF that would overwrite the bound volume. */
export const VOLUME_STEM = 'volume';

/** Hex digits of the SHA-256 of template + data in a key (128 bits keep collisions out of reach). */
export const REPORT_HASH_HEX_DIGITS = 32;

export type ItemsFormat = 'jsonl' | 'csv';
export const ITEMS_FORMATS: readonly ItemsFormat[] = ['jsonl', 'csv'];

/**
 * Batch ids double as Step Functions execution names (1–80 characters: letters, digits, `-`, `_`)
 * and as one S3 key segment.
 */
export const BATCH_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/;
/**
 * Template ids are folder names (TemplateStore refuses any other folder) and one key segment; they
 * never contain a dot, so a report id `<template>.<hash>` splits unambiguously.
 */
export const TEMPLATE_ID_SOURCE = '[a-z0-9][a-z0-9-]{0,63}';
export const TEMPLATE_ID_PATTERN = new RegExp(`^${TEMPLATE_ID_SOURCE}$`);

export function isBatchId(value: unknown): value is string {
  return typeof value === 'string' && BATCH_ID_PATTERN.test(value);
}

export function isTemplateId(value: unknown): value is string {
  return typeof value === 'string' && TEMPLATE_ID_PATTERN.test(value);
}

/** The PDF of a remote batch's item: keyed by content, so a retried group finds what it stored. */
export function batchReportKey(batch: BatchLocation, inputHash: string): string {
  return `${checked(batch)}${inputHash.slice(0, REPORT_HASH_HEX_DIGITS).toLowerCase()}.pdf`;
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
