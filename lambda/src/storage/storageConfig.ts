/**
 * Where reports are stored, read once at start-up into a frozen object. The same code talks to AWS
 * S3 (leave S3_ENDPOINT unset) and to any S3-compatible server (set S3_ENDPOINT and, usually,
 * S3_FORCE_PATH_STYLE). Credentials come from the AWS SDK's default chain (the Lambda role,
 * AWS_PROFILE, AWS_ACCESS_KEY_ID…), never from this object.
 */
import { readBoolean, readString, type Env } from '../core/env';
import { ConfigError } from '../core/errors';

export interface StorageConfig {
  /** REPORTS_BUCKET: the private bucket holding the PDFs. */
  readonly bucket: string;
  /** S3_REGION (else AWS_REGION): the bucket's region; links are signed for it. */
  readonly region: string;
  /** S3_ENDPOINT: base URL of an S3-compatible server; undefined means AWS S3. */
  readonly endpoint: string | undefined;
  /** S3_FORCE_PATH_STYLE: `http://host/bucket/key` instead of `http://bucket.host/key`. */
  readonly forcePathStyle: boolean;
}

export const STORAGE_DEFAULTS = Object.freeze({
  region: 'us-east-1',
  forcePathStyle: false,
});

/** S3's bucket naming rules (the subset that matters: length, characters, no dots at the ends). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export function loadStorageConfig(env: Env = process.env, defaults: { bucket?: string } = {}): StorageConfig {
  const bucket = readString(env, 'REPORTS_BUCKET') ?? defaults.bucket;
  if (bucket === undefined) {
    throw new ConfigError('REPORTS_BUCKET is not set; set it to the name of the bucket that stores the PDFs.');
  }
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
    throw new ConfigError(`REPORTS_BUCKET "${bucket}" is not a valid S3 bucket name (3–63 lower-case letters, digits, dots, dashes).`);
  }
  const region = readString(env, 'S3_REGION') ?? readString(env, 'AWS_REGION', STORAGE_DEFAULTS.region);
  if (!REGION.test(region)) {
    throw new ConfigError(`S3_REGION "${region}" is not a region name like eu-central-1.`);
  }
  const endpoint = readString(env, 'S3_ENDPOINT');
  if (endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new ConfigError(`S3_ENDPOINT "${endpoint}" is not a URL; use e.g. http://127.0.0.1:4569.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError(`S3_ENDPOINT must be an http:// or https:// URL; got "${endpoint}".`);
    }
  }
  return Object.freeze({
    bucket,
    region,
    endpoint,
    forcePathStyle: readBoolean(env, 'S3_FORCE_PATH_STYLE', STORAGE_DEFAULTS.forcePathStyle),
  });
}
