/**
 * The core's ReportStore over S3 (or any S3-compatible server such as the embedded s3rver).
 * `storage/` is the only folder that imports the S3 SDK.
 *
 * - The PDF goes up as one Buffer with its SHA-256 attached, so S3 verifies it on arrival, and with
 *   `requestChecksumCalculation: 'WHEN_REQUIRED'`: the SDK's default streamed upload with trailing
 *   checksums is stored corrupted by s3rver (docs/architecture.md), and a Buffer needs no streaming.
 * - Metadata (template, sha256, pages, file name) travels with the object, so an idempotent hit or
 *   `GET /reports/{id}` is answered by one HEAD request, without reading or rendering the PDF.
 * - That HEAD also asks for S3's own SHA-256 of the stored bytes (`ChecksumMode: 'ENABLED'`, the
 *   checksum S3 verified and kept at put). The metadata is believed only when it names those bytes:
 *   an object replaced, truncated or edited under its metadata is treated as absent, and the
 *   caller renders again and overwrites it. A store that keeps no SHA-256 checksum (another
 *   S3-compatible server, an object put by another tool) costs one read of the object instead.
 * - S3 user metadata must be US-ASCII; the Chinese file name is stored percent-encoded.
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { StorageConfig } from '../config/loadConfig';
import { StorageError } from '../core/errors';
import type { Clock, ReportStore, SignedLink, StoredReport, StoredReportMetadata } from '../core/ports';
import { contentDisposition } from '../core/contentDisposition';
import { createS3Client, type S3Credentials } from './createS3Client';
import { presignGet } from './presignGet';

export interface S3ReportStoreOptions {
  /** Static keys, e.g. for the embedded s3rver; omit to use the SDK's default credential chain. */
  readonly credentials?: S3Credentials;
  /** The signing clock; tests move it to produce links that are already expired. */
  readonly now?: Clock;
}

/** Metadata keys on the object (sent as `x-amz-meta-<name>`). */
const META = { template: 'template', sha256: 'sha256', pages: 'pages', fileName: 'filename' } as const;

/** Safe for the client: the cause (bucket, endpoint, S3 error code) goes to the log only. */
const STORAGE_UNAVAILABLE = 'The report storage is unavailable; try again later.';

/** `reports/county-annual-report/0123….pdf` → `county-annual-report-0123….pdf`: an ASCII name that still says what it is. */
function asciiNameOf(key: string): string {
  return key.split('/').slice(-2).join('-');
}

export function isNotFound(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.$metadata.httpStatusCode === 404 || error.name === 'NotFound' || error.name === 'NoSuchKey');
}

export class S3ReportStore implements ReportStore {
  private readonly client: S3Client;
  private readonly now: () => Date;

  constructor(
    private readonly config: StorageConfig,
    options: S3ReportStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.client = createS3Client(config, options.credentials);
  }

  async find(key: string): Promise<StoredReport | undefined> {
    let head;
    try {
      head = await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: key, ChecksumMode: 'ENABLED' }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new StorageError(STORAGE_UNAVAILABLE, { cause: error });
    }
    const meta = head.Metadata ?? {};
    const pages = Number(meta[META.pages]);
    const sha256 = meta[META.sha256] ?? '';
    const templateId = meta[META.template] ?? '';
    let fileName: string | undefined;
    try {
      fileName = meta[META.fileName] === undefined ? undefined : decodeURIComponent(meta[META.fileName]);
    } catch {
      fileName = undefined;
    }
    // An object without our metadata (written by another tool, or a torn upload) is treated as
    // absent: the caller renders again and overwrites it with a complete one.
    if (!Number.isInteger(pages) || pages < 1 || !/^[0-9a-f]{64}$/.test(sha256) || templateId === '' || !fileName || head.ContentLength === undefined) {
      return undefined;
    }
    // Nor is the metadata believed about bytes it does not describe. A multipart object's
    // checksum ("…-N") never equals a whole-object hash: such an object was not put here.
    const expected = Buffer.from(sha256, 'hex').toString('base64');
    const intact = head.ChecksumSHA256 === undefined ? await this.storedBytesHash(key, head.ETag) === sha256 : head.ChecksumSHA256 === expected;
    if (!intact) return undefined;
    return { key, bytes: head.ContentLength, pages, sha256, templateId, fileName };
  }

  /** SHA-256 hex of the object's bytes, read once (only where the store returns no checksum); undefined when it changed since the HEAD or vanished. */
  private async storedBytesHash(key: string, etag: string | undefined): Promise<string | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: key, IfMatch: etag }));
      if (!response.Body) return undefined;
      const hash = createHash('sha256');
      for await (const chunk of response.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
      return hash.digest('hex');
    } catch (error) {
      if (isNotFound(error) || (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 412)) return undefined;
      throw new StorageError(STORAGE_UNAVAILABLE, { cause: error });
    }
  }

  async put(key: string, pdf: Buffer, metadata: StoredReportMetadata): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.config.bucket,
          Key: key,
          Body: pdf,
          ContentLength: pdf.length,
          ContentType: 'application/pdf',
          ContentDisposition: contentDisposition(metadata.fileName, asciiNameOf(key)),
          ChecksumSHA256: Buffer.from(metadata.sha256, 'hex').toString('base64'),
          Metadata: {
            [META.template]: metadata.templateId,
            [META.sha256]: metadata.sha256,
            [META.pages]: String(metadata.pages),
            [META.fileName]: encodeURIComponent(metadata.fileName),
          },
        }),
      );
    } catch (error) {
      throw new StorageError(STORAGE_UNAVAILABLE, { cause: error });
    }
  }

  async presignGet(key: string, expiresInSeconds: number, downloadName: string): Promise<SignedLink> {
    try {
      return await presignGet(this.client, {
        bucket: this.config.bucket,
        key,
        expiresInSeconds,
        // Overrides make the link download under the readable name even for objects stored before
        // the name was set, and keep browsers from guessing another type.
        disposition: contentDisposition(downloadName, asciiNameOf(key)),
        contentType: 'application/pdf',
        now: this.now(),
      });
    } catch (error) {
      throw new StorageError(STORAGE_UNAVAILABLE, { cause: error });
    }
  }

  /** Closes the SDK's connection pool. */
  close(): void {
    this.client.destroy();
  }
}
