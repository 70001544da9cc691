/**
 * Typed errors of the export service. Every error has a stable `code` that clients and tests may
 * rely on; the HTTP status and the CLI exit code are derived from the code in exactly one place
 * each (the HTTP adapter and the CLI), never here.
 *
 * `message` is safe to show to the client: it says what was wrong and how to fix it. Internals
 * (stack, file paths, Chromium output) travel in `cause` and only reach the log.
 */

/** One problem with the input, located by a JSON pointer into the submitted data. */
export interface ErrorDetail {
  /** JSON pointer, e.g. `/economy/gdp/value`; `""` means the whole document. */
  readonly path: string;
  readonly message: string;
}

export abstract class PdfExportError extends Error {
  abstract readonly code: string;
  readonly details: readonly ErrorDetail[];

  constructor(message: string, options: { cause?: unknown; details?: readonly ErrorDetail[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = Object.freeze([...(options.details ?? [])]);
  }
}

/** The request itself could not be read: malformed JSON, wrong shape of the envelope. */
export class InvalidRequestError extends PdfExportError {
  readonly code = 'INVALID_REQUEST';
}

/** The report data does not satisfy the template's JSON Schema. `details` lists every problem. */
export class DataValidationError extends PdfExportError {
  readonly code = 'VALIDATION_FAILED';
}

/** No template with that id. */
export class TemplateNotFoundError extends PdfExportError {
  readonly code = 'TEMPLATE_NOT_FOUND';
}

/** A template on disk is broken (unreadable schema, missing file). An operator's fault, not the client's. */
export class TemplateDefinitionError extends PdfExportError {
  readonly code = 'TEMPLATE_INVALID';
}

/** The request or the document it produces exceeds a configured limit (body, HTML size, pages). */
export class LimitExceededError extends PdfExportError {
  readonly code = 'LIMIT_EXCEEDED';
}

/** The renderer is saturated; the client should retry after `retryAfterSeconds`. */
export class RendererBusyError extends PdfExportError {
  readonly code = 'RENDERER_BUSY';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** A render did not finish within the configured render timeout. */
export class RenderTimeoutError extends PdfExportError {
  readonly code = 'RENDER_TIMEOUT';
}

/** Chromium could not be started or failed while printing. */
export class ChromiumError extends PdfExportError {
  readonly code = 'CHROMIUM_FAILED';
}

/** Configuration is invalid; raised once at start-up. */
export class ConfigError extends PdfExportError {
  readonly code = 'CONFIG_INVALID';
}

/** Every problem on one line, e.g. `invalid data: /year: must be integer（报告年度）; /county/name: is required（县名）`. */
export function invalidDataLine(details: readonly ErrorDetail[]): string {
  return `invalid data: ${details.map((d) => `${d.path || '/'}: ${d.message}`).join('; ')}`;
}

export function isPdfExportError(error: unknown): error is PdfExportError {
  return error instanceof PdfExportError;
}

/** The request body is not JSON (wrong or missing Content-Type). */
export class UnsupportedMediaTypeError extends PdfExportError {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
}

/** No stored report with that id (unknown, malformed, or deleted by the bucket's lifecycle rule). */
export class ReportNotFoundError extends PdfExportError {
  readonly code = 'REPORT_NOT_FOUND';
}

/** No route matches the request path. */
export class RouteNotFoundError extends PdfExportError {
  readonly code = 'NOT_FOUND';
}

/** The path exists but not with this method; `allowed` lists the methods that do. */
export class MethodNotAllowedError extends PdfExportError {
  readonly code = 'METHOD_NOT_ALLOWED';
  constructor(
    message: string,
    readonly allowed: readonly string[],
  ) {
    super(message);
  }
}

/** Report storage (S3) failed: unreachable, access denied, missing bucket. An operator's problem. */
export class StorageError extends PdfExportError {
  readonly code = 'STORAGE_FAILED';
}

/** A batch ran to the end but some items failed; the manifest says which and why. */
export class BatchItemsFailedError extends PdfExportError {
  readonly code = 'BATCH_ITEMS_FAILED';
}

/** A batch was stopped (Ctrl-C) before every item was attempted; `--resume` finishes it. */
export class BatchInterruptedError extends PdfExportError {
  readonly code = 'BATCH_INTERRUPTED';
}
