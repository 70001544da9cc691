/**
 * The bucket as the remote batch use cases see it (batch/ports.ts): the items file and the
 * manifest as text, the ResultWriter's output listed, a batch's folder whose PDFs are read by key
 * and whose reports.zip streams up as a multipart upload (a nationwide batch is ~2,800 PDFs,
 * hundreds of MB: never in memory, never on /tmp).
 *
 * Errors are the SDK's own: the state machine retries the finalize step on them by name.
 */
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ManifestItem } from '../batch/BatchManifest';
import type { BatchFolder, BatchObjects } from '../batch/ports';
import type { StorageConfig } from '../config/loadConfig';
import { systemClock, type Clock, type SignedLink } from '../core/ports';
import { contentDisposition } from '../core/contentDisposition';
import { createS3Client, type S3Credentials } from './createS3Client';
import { isNotFound } from './S3ReportStore';
import { presignGet } from './presignGet';

export interface S3BatchObjectsOptions {
  readonly credentials?: S3Credentials;
  readonly now?: Clock;
  /** Multipart part size for reports.zip (S3 wants ≥ 5 MiB except the last part). */
  readonly partBytes?: number;
}

const DEFAULT_PART_BYTES = 16 * 1024 * 1024;
const MIN_PART_BYTES = 5 * 1024 * 1024;

/** Streams `body` into `key` by multipart upload, `partBytes` a part; resolves with the bytes written. */
async function uploadStream(client: S3Client, bucket: string, key: string, body: Readable, contentType: string, partBytes: number): Promise<number> {
  const upload = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }));
  const uploadId = upload.UploadId;
  if (!uploadId) throw new Error('S3 returned no UploadId');
  const parts: { ETag: string; PartNumber: number }[] = [];
  let total = 0;
  try {
    let chunks: Buffer[] = [];
    let size = 0;
    const flush = async (): Promise<void> => {
      const part = Buffer.concat(chunks, size);
      chunks = [];
      size = 0;
      const partNumber = parts.length + 1;
      const sent = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: part, ContentLength: part.length }));
      parts.push({ ETag: sent.ETag ?? '', PartNumber: partNumber });
    };
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      total += chunk.length;
      if (size >= partBytes) await flush();
    }
    if (size > 0 || parts.length === 0) await flush();
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    return total;
  } catch (error) {
    body.destroy();
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    throw error;
  }
}

export class S3BatchObjects implements BatchObjects {
  private readonly client: S3Client;
  private readonly now: Clock;
  private readonly partBytes: number;

  constructor(
    private readonly config: StorageConfig,
    options: S3BatchObjectsOptions = {},
  ) {
    this.client = createS3Client(config, options.credentials);
    this.now = options.now ?? systemClock;
    this.partBytes = Math.max(MIN_PART_BYTES, options.partBytes ?? DEFAULT_PART_BYTES);
  }

  async readText(key: string): Promise<string | undefined> {
    let response;
    try {
      response = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: key }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    if (!response.Body) throw new Error(`s3://${this.config.bucket}/${key} has no body`);
    return response.Body.transformToString('utf8');
  }

  async putText(key: string, body: string, contentType: string): Promise<void> {
    await this.putBytes(key, Buffer.from(body, 'utf8'), contentType);
  }

  private async putBytes(key: string, body: Buffer, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.config.bucket, Key: key, Body: body, ContentLength: body.length, ContentType: contentType }));
  }

  async list(prefix: string): Promise<{ key: string; modified: number }[]> {
    const keys: { key: string; modified: number }[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        if (object.Key) keys.push({ key: object.Key, modified: object.LastModified?.getTime() ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  folder(prefix: string): BatchFolder {
    const { client } = this;
    const bucket = this.config.bucket;
    const keyOf = (item: ManifestItem): string => {
      if (!item.key) throw new RangeError(`item ${item.id} has no object key`);
      return item.key;
    };
    const get = async (item: ManifestItem) => {
      const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: keyOf(item) }));
      if (!response.Body) throw new Error(`s3://${bucket}/${keyOf(item)} has no body`);
      return response.Body;
    };
    return {
      // Lazy: the object is fetched when the stream is first read (yazl reads one entry at a time).
      openPdf: (item) => Readable.from((async function* () {
        yield* (await get(item)) as unknown as AsyncIterable<Buffer>;
      })()),
      readPdf: async (item) => (await get(item)).transformToByteArray(),
      writeFile: (name, body, contentType) => this.putBytes(`${prefix}${name}`, Buffer.from(body), contentType),
      writeStream: (name, body, contentType) => uploadStream(client, bucket, `${prefix}${name}`, body, contentType, this.partBytes),
    };
  }

  presignGet(key: string, expiresInSeconds: number, downloadName: string, contentType: string): Promise<SignedLink> {
    return presignGet(this.client, { bucket: this.config.bucket, key, expiresInSeconds, disposition: contentDisposition(downloadName), contentType, now: this.now() });
  }

  /** Closes the SDK's connection pool. */
  close(): void {
    this.client.destroy();
  }
}
