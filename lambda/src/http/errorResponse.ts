/**
 * The one place where an error becomes an HTTP status and a JSON error body (docs/architecture.md):
 * `{"error": {"code", "message", "details": [{"path", "message"}], "requestId"}}`.
 *
 * Client errors (4xx) carry the error's own message, written to tell the client how to fix the
 * request. Server faults (5xx) carry a fixed, safe message and the request id: the cause (stack,
 * Chromium output, S3 error) goes to the log, never into the response.
 */
import { isPdfExportError, MethodNotAllowedError, RendererBusyError } from '../core/errors';
import { jsonResponse, type HttpResponse } from './httpMessages';

/** Every error code of lambda/src/core/errors.ts → status. Unknown errors are 500. */
export const HTTP_STATUS_BY_CODE: Readonly<Record<string, number>> = Object.freeze({
  INVALID_REQUEST: 400,
  NOT_FOUND: 404,
  REPORT_NOT_FOUND: 404,
  TEMPLATE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  LIMIT_EXCEEDED: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  VALIDATION_FAILED: 422,
  // Transient: the same request may well succeed later, so the client gets Retry-After.
  RENDERER_BUSY: 503,
  RENDER_TIMEOUT: 503,
  // Operator-side faults.
  CHROMIUM_FAILED: 500,
  CONFIG_INVALID: 500,
  STORAGE_FAILED: 500,
  TEMPLATE_INVALID: 500,
  // Batch outcomes never reach HTTP; listed so that every code has a decision (a unit test checks).
  BATCH_ITEMS_FAILED: 500,
  BATCH_INTERRUPTED: 500,
});

/** What a client is told for server-side codes; the real message is logged. */
const SAFE_SERVER_MESSAGES: Readonly<Record<string, string>> = {
  RENDER_TIMEOUT: 'Rendering took too long; try again later, or send less data.',
};

/** Seconds a client should wait after a 503 that does not say otherwise, when the caller does not either. */
const DEFAULT_RETRY_AFTER_SECONDS = 5;

export interface ErrorResponseOptions {
  /**
   * `Retry-After` for a 503 whose error does not carry its own (RENDER_TIMEOUT): the configured
   * RETRY_AFTER_SECONDS, passed in by the caller so that this mapping stays pure.
   */
  readonly retryAfterSeconds?: number;
}

export const INTERNAL_ERROR_CODE = 'INTERNAL_ERROR';

export function httpStatusOf(error: unknown): number {
  return isPdfExportError(error) ? (HTTP_STATUS_BY_CODE[error.code] ?? 500) : 500;
}

export function errorCodeOf(error: unknown): string {
  return isPdfExportError(error) ? error.code : INTERNAL_ERROR_CODE;
}

export function errorResponse(error: unknown, requestId: string, options: ErrorResponseOptions = {}): HttpResponse {
  const status = httpStatusOf(error);
  const code = errorCodeOf(error);
  const clientFault = status < 500 || error instanceof RendererBusyError;
  const message = clientFault
    ? (error as Error).message
    : (SAFE_SERVER_MESSAGES[code] ?? `An internal error occurred; try again later, and quote request id ${requestId} if it persists.`);
  const details = clientFault && isPdfExportError(error) ? error.details : [];

  const headers: Record<string, string> = {};
  if (status === 503) {
    headers['retry-after'] = String(error instanceof RendererBusyError ? error.retryAfterSeconds : (options.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS));
  }
  if (error instanceof MethodNotAllowedError) headers.allow = error.allowed.join(', ');
  return jsonResponse(status, { error: { code, message, details, requestId } }, requestId, headers);
}
