/**
 * Reading what a Distributed Map's ResultWriter exported to S3, and turning it into batch manifest
 * items. Pure functions: the S3 reads are finalizeRemoteBatch's.
 *
 * The format (AWS Step Functions Developer Guide, "ResultWriter (Map)",
 * https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html, and a
 * worked example at https://sigpwned.com/2023/04/27/aws-step-functions-distributed-map-resultwriter-example):
 *
 * - The Map state's own output is `{"MapRunArn": "...", "ResultWriterDetails": {"Bucket": "...",
 *   "Key": "<Prefix>/<map-run-id>/manifest.json"}}`.
 * - That manifest.json is
 *   `{"DestinationBucket": "...", "MapRunArn": "...", "ResultFiles": {"FAILED": [...],
 *   "PENDING": [...], "SUCCEEDED": [{"Key": "<Prefix>/<map-run-id>/SUCCEEDED_0.json", "Size": 123}]}}`.
 * - Each result file holds, with the default WriterConfig (Transformation NONE, OutputType JSON),
 *   a JSON array with one entry per child workflow execution (one ItemBatcher group):
 *   `{"ExecutionArn", "Name", "StateMachineArn", "Status": "SUCCEEDED" | "FAILED" | …,
 *     "StartDate", "StopDate", "Input": "<JSON text>", "InputDetails": {"Included": true},
 *     "Output": "<JSON text>", "OutputDetails": {"Included": true},
 *     "RedriveCount", "RedriveStatus", "RedriveStatusReason"}`;
 *   failed ones carry `"Error"` and `"Cause"` instead of `"Output"`. `Input` and `Output` are
 *   strings holding JSON, not objects. OutputType JSONL would write one such object a line.
 *
 * A child's Input is what the ItemBatcher built: `{"Items": [...], "BatchInput": {...}}`; its
 * Output is the item-batch Lambda's result (batch/renderBatchGroup.ts, BatchGroupResult).
 */
import { failedItem, type BatchItemError, type ManifestItem } from './BatchManifest';

export interface ResultWriterFile {
  readonly Key: string;
  readonly Size?: number;
}

/** manifest.json as the ResultWriter writes it. */
export interface ResultWriterManifest {
  readonly DestinationBucket: string;
  readonly MapRunArn: string;
  readonly ResultFiles: {
    readonly SUCCEEDED?: readonly ResultWriterFile[];
    readonly FAILED?: readonly ResultWriterFile[];
    readonly PENDING?: readonly ResultWriterFile[];
  };
}

/** One child workflow execution in a SUCCEEDED_n.json / FAILED_n.json / PENDING_n.json file. */
export interface ChildExecutionResult {
  readonly ExecutionArn?: string;
  readonly Name?: string;
  readonly Status?: string;
  readonly Input?: string;
  readonly Output?: string;
  readonly Error?: string;
  readonly Cause?: string;
  readonly StartDate?: string;
  readonly StopDate?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseResultWriterManifest(text: string): ResultWriterManifest {
  const parsed: unknown = JSON.parse(text);
  if (!isObject(parsed) || !isObject(parsed.ResultFiles)) {
    throw new Error('not a Distributed Map ResultWriter manifest (no "ResultFiles")');
  }
  return parsed as unknown as ResultWriterManifest;
}

/** A result file's entries; accepts the JSON array (default) and JSON Lines (OutputType JSONL). */
export function parseResultFile(text: string): ChildExecutionResult[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const entries: unknown[] = trimmed.startsWith('[')
    ? (JSON.parse(trimmed) as unknown[])
    : trimmed.split(/\r?\n/).filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as unknown);
  return entries.filter(isObject) as ChildExecutionResult[];
}

/** `Input`/`Output` are JSON text; an object is accepted too (Transformation COMPACT). */
function jsonField(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function idOfRecord(record: unknown, index: number): string {
  if (isObject(record)) {
    const id = record.id;
    if (typeof id === 'string' && id.trim() !== '') return id.trim();
    if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  }
  return `item ${index + 1} of a failed group`;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function errorOf(value: unknown): BatchItemError | null {
  if (!isObject(value)) return null;
  const details = Array.isArray(value.details)
    ? value.details.filter(isObject).map((d) => ({ path: String(d.path ?? ''), message: String(d.message ?? '') }))
    : [];
  return { code: String(value.code ?? 'INTERNAL_ERROR'), message: String(value.message ?? ''), details };
}

/** A group the Lambda never answered for (timeout, crash, throttling after retries): every item failed. */
function failedGroupItems(entry: ChildExecutionResult): ManifestItem[] {
  const input = jsonField(entry.Input);
  const records = isObject(input) && Array.isArray(input.Items) ? input.Items : [];
  const code = entry.Error && /^[A-Za-z][\w.]*$/.test(entry.Error) ? entry.Error : 'BATCH_GROUP_FAILED';
  const cause = jsonField(entry.Cause);
  const reason = isObject(cause) && typeof cause.errorMessage === 'string' ? cause.errorMessage : (entry.Cause ?? entry.Status ?? 'unknown');
  const message = `The group this item was in failed as a whole (${code}: ${String(reason).slice(0, 300)}); rerun the failed items.`;
  return records.map((record, index) => failedItem(idOfRecord(record, index), { code, message, details: [] }));
}

/** The items of a group the Lambda answered for (its BatchResult in `Output`). */
function answeredGroupItems(entry: ChildExecutionResult): ManifestItem[] {
  const output = jsonField(entry.Output);
  if (!isObject(output) || !Array.isArray(output.items)) {
    return failedGroupItems({ ...entry, Error: 'BATCH_OUTPUT_UNREADABLE', Cause: 'the item-batch function returned no "items" array' });
  }
  return output.items.filter(isObject).map((item, index) => {
    const id = typeof item.id === 'string' ? item.id : `item ${index + 1}`;
    const key = stringOrNull(item.key);
    const base = {
      id,
      file: null,
      key,
      bytes: numberOrNull(item.bytes),
      pages: numberOrNull(item.pages),
      sha256: stringOrNull(item.sha256),
      ms: numberOrNull(item.ms) ?? 0,
      attempts: numberOrNull(item.attempts) ?? 0,
    };
    if (item.status === 'ok' || item.status === 'skipped') {
      return { ...base, status: item.status, error: null };
    }
    if (item.status === 'not_done') {
      return {
        ...base,
        status: 'failed' as const,
        error: { code: 'NOT_DONE', message: 'Not started: the function ran out of time for this group; rerun the failed items.', details: [] },
      };
    }
    return { ...base, status: 'failed' as const, error: errorOf(item.error) ?? { code: 'INTERNAL_ERROR', message: 'failed without a reason', details: [] } };
  });
}

/** Every item of one child execution, whatever its status. */
export function itemsOfChildExecution(entry: ChildExecutionResult): ManifestItem[] {
  return entry.Status === 'SUCCEEDED' || (entry.Status === undefined && entry.Output !== undefined)
    ? answeredGroupItems(entry)
    : failedGroupItems(entry);
}
