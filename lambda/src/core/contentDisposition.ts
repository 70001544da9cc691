/**
 * `Content-Disposition: attachment` with a Chinese file name that every browser shows correctly:
 * RFC 6266 with the RFC 5987 `filename*=UTF-8''…` parameter, plus a plain ASCII `filename="…"`
 * fallback for the rare client that ignores `filename*`.
 */

/** RFC 5987 `attr-char`: everything else is percent-encoded as UTF-8. */
function encodeRfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** ASCII stand-in: non-ASCII runs become `_`, quotes and backslashes are dropped. */
function asciiOnly(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]+/g, '_').replace(/["\\]/g, '');
  return ascii.replace(/^_+(?=\.)/, 'report') || 'report.pdf';
}

/**
 * @param fileName the real (UTF-8) name, e.g. `青岚县县长2020年述学述职述廉述法报告.pdf`
 * @param asciiFallback what clients without RFC 5987 support (e.g. `curl -J`) save as; by default
 *   the name with its non-ASCII runs replaced, which for a Chinese name says little.
 */
export function contentDisposition(fileName: string, asciiFallback?: string): string {
  return `attachment; filename="${asciiOnly(asciiFallback ?? fileName)}"; filename*=UTF-8''${encodeRfc5987(fileName)}`;
}

/** The UTF-8 file name from a header written by `contentDisposition`, or undefined. */
export function fileNameOfContentDisposition(header: string): string | undefined {
  const match = /filename\*=UTF-8''([^;\s]+)/i.exec(header);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
}
