/**
 * Configuration of `pdf-export serve` beyond the service's own, read once at start-up into a frozen
 * object. Every variable, its default and its meaning is listed in docs/http-api.md.
 */
import { join, resolve } from 'node:path';
import { readInt, readString, type Env } from '../core/env';
import { findProjectRoot } from '../core/renderConfig';

export interface DevServerConfig {
  /** PORT (or --port): the API's port on 127.0.0.1. */
  readonly port: number;
  /** LOCAL_S3_DIR: where the embedded S3 keeps its buckets; git-ignored. */
  readonly localS3Dir: string;
  /** LOCAL_S3_PORT: the embedded S3's port on 127.0.0.1; 0 picks a free one. */
  readonly localS3Port: number;
  /** Bucket when REPORTS_BUCKET is unset. */
  readonly defaultBucket: string;
  /**
   * True when S3_ENDPOINT or REPORTS_BUCKET is set: use that S3 (AWS, MinIO…) with the SDK's
   * default credentials and start no embedded S3.
   */
  readonly useExternalS3: boolean;
}

export const DEV_SERVER_DEFAULTS = Object.freeze({
  port: 3000,
  localS3DirName: '.local-s3',
  // A fixed port keeps links printed before a restart working while they are valid.
  localS3Port: 4569,
  defaultBucket: 'pdf-export-local',
});

export function loadDevServerConfig(env: Env = process.env, overrides: { port?: number } = {}): DevServerConfig {
  return Object.freeze({
    port: overrides.port ?? readInt(env, 'PORT', DEV_SERVER_DEFAULTS.port, 0, 65_535),
    localS3Dir: resolve(readString(env, 'LOCAL_S3_DIR', join(findProjectRoot(), DEV_SERVER_DEFAULTS.localS3DirName))),
    localS3Port: readInt(env, 'LOCAL_S3_PORT', DEV_SERVER_DEFAULTS.localS3Port, 0, 65_535),
    defaultBucket: DEV_SERVER_DEFAULTS.defaultBucket,
    useExternalS3: readString(env, 'S3_ENDPOINT') !== undefined || readString(env, 'REPORTS_BUCKET') !== undefined,
  });
}
