/**
 * The ports of the batch use cases, beside the core's (core/ports.ts): where a batch's files go (a
 * local folder in `files/`, the batch's prefix in the bucket in `storage/`), the bucket's other
 * objects a remote batch reads, and the workflow that runs a remote batch (`stepFunctions/`).
 * compose.ts plugs the adapters in.
 */
import type { Readable } from 'node:stream';
import type { SignedLink } from '../core/ports';
import type { BatchExecutionInput } from '../core/storageLayout';
import type { BatchManifest, ManifestItem } from './BatchManifest';
import type { BatchSink } from './runBatch';

/**
 * A batch's folder: its PDFs, and the files the batch writes beside them (manifest.json,
 * reports.zip, volume.pdf; core/storageLayout.ts names them). Every write is all or nothing: a
 * reader never sees half a file under its real name.
 */
export interface BatchFolder {
  /** A PDF the manifest lists, as a stream (for the ZIP). */
  openPdf(item: ManifestItem): Readable;
  /** A PDF the manifest lists, whole (for the bound volume). */
  readPdf(item: ManifestItem): Promise<Uint8Array>;
  writeFile(name: string, body: string | Uint8Array, contentType: string): Promise<void>;
  /** Writes `body` as it streams in; resolves with the bytes written. */
  writeStream(name: string, body: Readable, contentType: string): Promise<number>;
}

/** A batch's folder on this machine (`pdf-export batch -o <dir>`, a playground batch). */
export interface LocalBatchFolder extends BatchFolder {
  /** The folder's path, for messages. */
  readonly path: string;
  /** The manifest of an earlier run in this folder, or undefined when there is none readable. */
  readManifest(): Promise<BatchManifest | undefined>;
  /** Removes what a killed run left behind: temporary files of processes no longer running. */
  removeLeftovers(): Promise<void>;
  /** Stores each PDF as `<stem>.pdf`; given the earlier run's manifest, finds those still current. */
  sink(previous?: BatchManifest): BatchSink;
}

/** The bucket as a remote batch sees it: texts it reads and writes, keys it lists, links it signs. */
export interface BatchObjects {
  /** The object's text, or undefined when there is no such object. */
  readText(key: string): Promise<string | undefined>;
  putText(key: string, body: string, contentType: string): Promise<void>;
  /** Every key under `prefix`, with its last-modified time in ms. */
  list(prefix: string): Promise<readonly { readonly key: string; readonly modified: number }[]>;
  /** The folder of one batch (keys `prefix` + name), its PDFs read by their `key`. */
  folder(prefix: string): BatchFolder;
  /** A GET link that downloads as `downloadName`. */
  presignGet(key: string, expiresInSeconds: number, downloadName: string, contentType: string): Promise<SignedLink>;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

/** One remote batch as the workflow reports it. */
export interface BatchExecution {
  readonly status: ExecutionStatus;
  /** Epoch seconds. */
  readonly startDate?: number;
  readonly stopDate?: number;
  /** The execution input as started (JSON text). */
  readonly input?: string;
  readonly error?: string;
  readonly cause?: string;
}

/** Item counts of a running batch's map. */
export interface BatchProgressCounts {
  readonly total: number;
  readonly pending: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly aborted: number;
}

/** Runs remote batches: the batch state machine on AWS. */
export interface BatchWorkflow {
  /** Starts the batch `input.batchId` (its execution name). */
  start(input: BatchExecutionInput): Promise<void>;
  /** The batch, or undefined when the workflow knows no batch of that id. */
  describe(batchId: string): Promise<BatchExecution | undefined>;
  /** Item counts of the batch's map while it runs, or undefined before the map has started. */
  progress(batchId: string): Promise<BatchProgressCounts | undefined>;
}
