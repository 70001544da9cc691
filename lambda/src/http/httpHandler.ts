/**
 * The Lambda entry point for API Gateway HTTP APIs (payload format 2.0) and Lambda Function URLs,
 * which share that event shape. It only translates the event into an HttpRequest and the
 * HttpResponse back; everything else is handleHttpRequest's.
 *
 * The app (configuration, templates, Chromium) is built on the first invocation and kept for the
 * life of the container, so warm invocations reuse the browser. A configuration error is answered
 * as a 500 with a request id and logged in full, on every invocation, until it is fixed.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createHttpApp, createLogger, type HttpApp } from './createHttpApp';
import { errorResponse } from './errorResponse';
import type { HttpLogger } from './handleHttpRequest';
import type { HttpRequest } from './httpMessages';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** HTTP API and Function URL events → HttpRequest. */
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
    headers,
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
    requestId: requestContext.requestId,
  };
}

export function createHttpHandler(
  createApp: () => HttpApp,
  logger: HttpLogger = createLogger(),
): (event: HttpEvent, context?: Pick<Context, 'awsRequestId'>) => Promise<HttpResult> {
  let app: HttpApp | undefined;
  return async (event, context) => {
    const request = toHttpRequest(event);
    try {
      app ??= createApp();
    } catch (error) {
      logger.error('cannot start the HTTP app', { requestId: request.requestId, awsRequestId: context?.awsRequestId, error });
      const failed = errorResponse(error, request.requestId);
      return { statusCode: failed.statusCode, headers: { ...failed.headers }, body: failed.body, isBase64Encoded: false };
    }
    const response = await app.handle(request);
    return { statusCode: response.statusCode, headers: { ...response.headers }, body: response.body, isBase64Encoded: false };
  };
}

/** The function's handler: `lambda/src/http/httpHandler.handler`. */
export const handler = createHttpHandler(() => createHttpApp());
