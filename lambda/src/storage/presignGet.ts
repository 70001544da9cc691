/**
 * A presigned GET link with response overrides: the link downloads under a readable (Chinese)
 * name and as the right type, whatever the object was stored with.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { SignedLink } from '../core/ports';

export interface PresignRequest {
  readonly bucket: string;
  readonly key: string;
  readonly expiresInSeconds: number;
  /** The Content-Disposition the download gets (contentDisposition.ts). */
  readonly disposition: string;
  readonly contentType: string;
  readonly now: Date;
}

export async function presignGet(client: S3Client, request: PresignRequest): Promise<SignedLink> {
  // SigV4 dates have whole seconds; sign with a whole second so `expiresAt` is exact.
  const signingDate = new Date(Math.floor(request.now.getTime() / 1000) * 1000);
  const url = await getSignedUrl(
    client,
    new GetObjectCommand({
      Bucket: request.bucket,
      Key: request.key,
      ResponseContentDisposition: request.disposition,
      ResponseContentType: request.contentType,
    }),
    { expiresIn: request.expiresInSeconds, signingDate },
  );
  return { url, expiresAt: new Date(signingDate.getTime() + request.expiresInSeconds * 1000) };
}
