/**
 * Checks a presigned S3 GET URL's SigV4 signature the way S3 does: rebuild the canonical request
 * from the URL, sign it again with the same credentials, region, date and expiry, and compare.
 * s3rver skips this check (docs/architecture.md), so tests use it to prove a tampered link would be refused.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/** node:crypto as the `Checksum` constructor SignatureV4 wants (plain SHA-256, or HMAC with a key). */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

/** `20240102T030405Z` → Date. */
function parseAmzDate(value: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) throw new Error(`bad X-Amz-Date ${value}`);
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

export async function presignedUrlSignatureIsValid(
  link: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<boolean> {
  const url = new URL(link);
  const params = url.searchParams;
  const signature = params.get('X-Amz-Signature');
  const credential = params.get('X-Amz-Credential');
  const date = params.get('X-Amz-Date');
  const expires = params.get('X-Amz-Expires');
  if (!signature || !credential || !date || !expires) return false;
  const [accessKeyId, , region, service] = credential.split('/');
  if (accessKeyId !== credentials.accessKeyId) return false;

  const query: Record<string, string> = {};
  for (const [name, value] of params) if (name !== 'X-Amz-Signature') query[name] = value;
  const signer = new SignatureV4({
    credentials,
    region,
    service,
    sha256: Sha256,
    // S3 signs the path as sent, without encoding it a second time.
    uriEscapePath: false,
  });
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port === '' ? undefined : Number(url.port),
      path: url.pathname,
      query,
      // Spelled as S3's presigner spells it: hoisting puts it back into the query under the same
      // name, and the signer takes the payload hash (UNSIGNED-PAYLOAD) from it.
      headers: { host: url.host, 'X-Amz-Content-Sha256': query['X-Amz-Content-Sha256'] ?? 'UNSIGNED-PAYLOAD' },
    },
    { signingDate: parseAmzDate(date), expiresIn: Number(expires) },
  );
  return signed.query?.['X-Amz-Signature'] === signature;
}
