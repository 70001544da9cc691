/**
 * An API Gateway HTTP API (payload 2.0) event as API Gateway sends it to a Lambda: `rawPath` as
 * the client wrote it, prefixed with the stage unless it is `$default`; a query string both raw and
 * parsed; an optional body as the event carries it (already base64 when `isBase64Encoded`).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export interface GatewayRequest {
  readonly method: string;
  /** Path and optional `?query`, as the client sent them. */
  readonly target: string;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly contentType?: string;
  /** Default `prod`. */
  readonly stage?: string;
  readonly requestId: string;
  readonly userAgent?: string;
}

export function gatewayEvent(request: GatewayRequest): APIGatewayProxyEventV2 {
  const stage = request.stage ?? 'prod';
  const [path, query = ''] = request.target.split(/\?(.*)/s);
  const rawPath = stage === '$default' ? path : `/${stage}${path}`;
  const userAgent = request.userAgent ?? 'curl/8.5.0';
  const headers: Record<string, string> = {
    accept: '*/*',
    host: 'r4nd0m1d.execute-api.eu-central-1.amazonaws.com',
    'user-agent': userAgent,
    'x-amzn-trace-id': 'Root=1-67a1b2c3-0123456789abcdef01234567',
    'x-forwarded-for': '203.0.113.7',
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
  };
  if (request.contentType) headers['content-type'] = request.contentType;
  if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: query,
    ...(query ? { queryStringParameters: Object.fromEntries(new URLSearchParams(query)) } : {}),
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'r4nd0m1d',
      domainName: 'r4nd0m1d.execute-api.eu-central-1.amazonaws.com',
      domainPrefix: 'r4nd0m1d',
      http: { method: request.method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent },
      requestId: request.requestId,
      routeKey: '$default',
      stage,
      time: '28/Nov/2026:13:00:00 +0000',
      timeEpoch: 1795870800000,
    },
    body: request.body,
    isBase64Encoded: request.isBase64Encoded ?? false,
  };
}
