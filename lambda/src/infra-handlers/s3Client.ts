/**
 * The S3 client of the infra handlers, configured from the same variables as the report store
 * (REPORTS_BUCKET, S3_REGION/AWS_REGION, S3_ENDPOINT, S3_FORCE_PATH_STYLE; see
 * storage/storageConfig.ts), so the same code runs against AWS and against s3rver in tests.
 */
import { S3Client } from '@aws-sdk/client-s3';
import type { Env } from '../core/env';
import { loadStorageConfig, type StorageConfig } from '../storage/storageConfig';

export interface InfraS3 {
  readonly client: S3Client;
  readonly config: StorageConfig;
}

export function createInfraS3(
  env: Env = process.env,
  credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string },
): InfraS3 {
  const config = loadStorageConfig(env);
  const client = new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle,
    credentials: credentials && { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    // Bodies are Buffers; default checksums make s3rver store streamed uploads corrupted (DESIGN.md).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return { client, config };
}
