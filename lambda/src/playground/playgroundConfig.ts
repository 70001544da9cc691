/**
 * Configuration of the playground (the page `npm start` serves at `/` and its local-only batch
 * routes), read once at start-up into a frozen object. Listed in docs/playground.md.
 */
import { join, resolve } from 'node:path';
import { readInt, readString, type Env } from '../core/env';
import { findProjectRoot } from '../core/renderConfig';

export interface PlaygroundConfig {
  /** PLAYGROUND_DIR: where batches write their PDFs, manifest, ZIP and volume; git-ignored. */
  readonly dir: string;
  /** PLAYGROUND_BATCH_CONCURRENCY: browsers a batch renders with, besides the API's own (previews). */
  readonly batchConcurrency: number;
  /** PLAYGROUND_MAX_UPLOAD_BYTES: largest items file accepted for a batch. */
  readonly maxUploadBytes: number;
  /** PLAYGROUND_KEEP_BATCHES: batches kept on disk; the oldest are removed when a new one starts. */
  readonly keepBatches: number;
}

export const PLAYGROUND_DEFAULTS = Object.freeze({
  dirName: '.playground',
  // The API keeps its own warm browser for previews; one more for batches suits two cores.
  batchConcurrency: 1,
  // ~3.5 KB a county as JSON lines: all ~2,800 county-level divisions are ~10 MB.
  maxUploadBytes: 32 * 1024 * 1024,
  keepBatches: 10,
});

export function loadPlaygroundConfig(env: Env = process.env): PlaygroundConfig {
  return Object.freeze({
    dir: resolve(readString(env, 'PLAYGROUND_DIR', join(findProjectRoot(), PLAYGROUND_DEFAULTS.dirName))),
    batchConcurrency: readInt(env, 'PLAYGROUND_BATCH_CONCURRENCY', PLAYGROUND_DEFAULTS.batchConcurrency, 1, 4),
    maxUploadBytes: readInt(env, 'PLAYGROUND_MAX_UPLOAD_BYTES', PLAYGROUND_DEFAULTS.maxUploadBytes, 1024, 256 * 1024 * 1024),
    keepBatches: readInt(env, 'PLAYGROUND_KEEP_BATCHES', PLAYGROUND_DEFAULTS.keepBatches, 1, 1000),
  });
}
