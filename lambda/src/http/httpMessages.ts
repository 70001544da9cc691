/**
 * The framework-free request and response the HTTP core speaks. The Lambda handler and the local
 * server translate their own shapes into these and back; nothing else crosses the boundary.
 */

export interface HttpRequest {
  readonly method: string;
  /** Path without query string or stage prefix, e.g. `/reports/abc`. */
  readonly path: string;
  /** Query parameters (`POST /batches?template=…`); the report routes take none. */
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string | undefined;
  /** True when `body` is base64 of the raw bytes (API Gateway, Function URLs, the local server). */
  readonly isBase64Encoded: boolean;
  /** Correlates the response, the logs and a clerk's support call. */
  readonly requestId: string;
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export function jsonResponse(
  statusCode: number,
  body: unknown,
  requestId: string,
  extraHeaders: Readonly<Record<string, string>> = {},
): HttpResponse {
  return {
    statusCode,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      // Bodies carry signed links: no shared cache may keep them.
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-request-id': requestId,
      ...extraHeaders,
    },
    body: JSON.stringify(body),
  };
}

/**
 * A HEAD request's answer: the status and headers GET would send, its Content-Length included,
 * and no body (RFC 9110 §9.3.2). Node leaves out the body of a HEAD answer by itself, API Gateway
 * may not; the HTTP core says it once for both.
 */
export function withoutBodyForHead(request: Pick<HttpRequest, 'method'>, response: HttpResponse): HttpResponse {
  if (request.method.toUpperCase() !== 'HEAD') return response;
  return { ...response, headers: { ...response.headers, 'content-length': String(Buffer.byteLength(response.body)) }, body: '' };
}
