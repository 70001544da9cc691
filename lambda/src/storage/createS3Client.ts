/**
 * The one way this service builds an S3 client, for the report store and the batch objects alike:
 * from the storage configuration (REPORTS_BUCKET, S3_REGION/AWS_REGION, S3_ENDPOINT,
 * S3_FORCE_PATH_STYLE), so the same code runs against AWS and against s3rver.
 */
import { S3Client } from '@aws-sdk/client-s3';
import type { StorageSettings } from '../config/loadConfig';

/** Static keys, e.g. the embedded s3rver's; omitted, the SDK's default chain (the Lambda role). */
export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export function createS3Client(config: StorageSettings, credentials?: S3Credentials): S3Client {
  return new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle,
    // A copy: the SDK annotates the credentials object it is given, so a frozen one would throw.
    credentials: credentials && { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    // Bodies are Buffers, so no streamed upload with trailing checksums, which s3rver stores
    // corrupted (docs/architecture.md); S3 still verifies the SHA-256 the report store sends.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
