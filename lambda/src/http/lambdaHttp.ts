/**
 * API Gateway HTTP API (payload format 2.0) and Lambda Function URL events, which share one shape,
 * translated to the framework-free HttpRequest and back, for both HTTP functions.
 *
 * What answers the requests is built on the first invocation and kept for the life of the
 * container, so warm invocations reuse the browser. If it cannot be built (a configuration error),
 * every invocation answers 500 with a request id and logs the cause in full, until it is fixed.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Logger } from '../core/ports';
import { errorResponse } from './errorResponse';
import type { HttpRequest, HttpResponse } from './httpMessages';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;
export type LambdaHttpHandler = (event: HttpEvent, context?: Pick<Context, 'awsRequestId'>) => Promise<HttpResult>;

/**
 * HTTP API and Function URL events → HttpRequest. The path stays raw (only a stage prefix is
 * removed): the HTTP core reads it through requestTarget.ts, as the local server does, so `//`,
 * `..` and `\` are refused alike on both.
 */
export function toHttpRequest(event: HttpEvent): HttpRequest {
  const { requestContext } = event;
  // On a named HTTP API stage, rawPath starts with `/<stage>`; routes are matched without it.
  let path = event.rawPath || requestContext.http.path || '/';
  const stage = requestContext.stage;
  if (stage && stage !== '$default' && (path === `/${stage}` || path.startsWith(`/${stage}/`))) {
    path = path.slice(stage.length + 1) || '/';
  }
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  return {
    method: requestContext.http.method,
    path,
    query: event.queryStringParameters ?? {},
    headers,
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
    requestId: requestContext.requestId,
  };
}

function toHttpResult(response: HttpResponse): HttpResult {
  return { statusCode: response.statusCode, headers: { ...response.headers }, body: response.body, isBase64Encoded: false };
}

/**
 * A Lambda handler over `start()`'s request handler. `what` names it in the log line of a failed
 * start (e.g. `the HTTP app`).
 */
export function lambdaHttpHandler(start: () => (request: HttpRequest) => Promise<HttpResponse>, logger: Logger, what: string): LambdaHttpHandler {
  let handle: ((request: HttpRequest) => Promise<HttpResponse>) | undefined;
  return async (event, context) => {
    const request = toHttpRequest(event);
    try {
      handle ??= start();
    } catch (error) {
      logger.error(`cannot start ${what}`, { requestId: request.requestId, awsRequestId: context?.awsRequestId, error });
      return toHttpResult(errorResponse(error, request.requestId));
    }
    return toHttpResult(await handle(request));
  };
}
