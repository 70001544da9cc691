/**
 * Checks a presigned S3 GET URL's SigV4 signature the way S3 does, with the same verifier the
 * embedded S3's gate runs (lambda/src/storage/verifySigV4.ts): rebuild the canonical request from
 * the URL, sign it again with the same credentials, region, date and expiry, and compare. Only the
 * signature is judged, as of the moment it was signed, so a link that has merely expired still
 * verifies; the gate itself refuses expired links (test/security/localS3Gate.test.ts).
 */
import { parseAmzDate, verifySigV4 } from '../../lambda/src/storage/verifySigV4';

export async function presignedUrlSignatureIsValid(
  link: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<boolean> {
  const url = new URL(link);
  const signedAt = parseAmzDate(url.searchParams.get('X-Amz-Date') ?? undefined);
  if (!signedAt) return false;
  // The path and query exactly as written in the link: URL would normalise them.
  const target = link.slice(url.origin.length).replace(/#.*$/, '');
  const verdict = await verifySigV4({ method: 'GET', target, headers: { host: url.host } }, { credentials, now: signedAt });
  return verdict.ok;
}
