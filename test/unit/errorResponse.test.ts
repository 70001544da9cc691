/** The one mapping from errors to HTTP: every error class has a status, and 5xx never leak internals. */
import * as errors from '../../lambda/src/core/errors';
import { errorResponse, HTTP_STATUS_BY_CODE, httpStatusOf } from '../../lambda/src/http/errorResponse';

type ErrorClass = new (message: string, extra?: unknown) => errors.PdfExportError;

/** Every concrete error class exported by errors.ts, instantiated. */
function everyError(): errors.PdfExportError[] {
  return (Object.values(errors) as unknown[])
    .filter((value) => typeof value === 'function' && value.prototype instanceof errors.PdfExportError)
    .map((value) => new (value as ErrorClass)('message for the client', ['GET']));
}

const body = (response: { body: string }): { error: { code: string; message: string; details: unknown[]; requestId: string } } => JSON.parse(response.body);

describe('errorResponse', () => {
  it('maps every error code in errors.ts to a status', () => {
    const all = everyError();
    expect(all.length).toBeGreaterThanOrEqual(14);
    for (const error of all) {
      expect({ code: error.code, mapped: error.code in HTTP_STATUS_BY_CODE }).toEqual({ code: error.code, mapped: true });
    }
  });

  it.each([
    [new errors.InvalidRequestError('bad json'), 400],
    [new errors.TemplateNotFoundError('no template'), 404],
    [new errors.ReportNotFoundError('no report'), 404],
    [new errors.RouteNotFoundError('no route'), 404],
    [new errors.MethodNotAllowedError('wrong method', ['POST']), 405],
    [new errors.LimitExceededError('too big'), 413],
    [new errors.UnsupportedMediaTypeError('not json'), 415],
    [new errors.DataValidationError('invalid', { details: [{ path: '/year', message: 'must be >= 2000' }] }), 422],
    [new errors.RendererBusyError('busy', 9), 503],
    [new errors.RenderTimeoutError('took 20000 ms; raise RENDER_TIMEOUT_MS'), 503],
    [new errors.ChromiumError('Chromium could not be started; check CHROMIUM_PATH'), 500],
    [new errors.StorageError('bucket x'), 500],
    [new errors.ConfigError('REPORTS_BUCKET is not set'), 500],
    [new errors.TemplateDefinitionError('schema.json broken at /var/task/templates'), 500],
    [new TypeError('Cannot read properties of undefined'), 500],
    ['a string', 500],
  ])('%s → %i', (error, status) => {
    expect(httpStatusOf(error)).toBe(status);
    expect(errorResponse(error, 'req-1').statusCode).toBe(status);
  });

  it('gives clients their own message and details for 4xx', () => {
    const response = errorResponse(new errors.DataValidationError('2 problems', { details: [{ path: '/year', message: 'is required' }] }), 'req-2');
    expect(body(response)).toEqual({ error: { code: 'VALIDATION_FAILED', message: '2 problems', details: [{ path: '/year', message: 'is required' }], requestId: 'req-2' } });
    expect(response.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'req-2', 'cache-control': 'no-store' });
  });

  it('hides the message and cause of server faults behind the request id', () => {
    const fault = new errors.ChromiumError('Chromium could not be started; check CHROMIUM_PATH', { cause: new Error('/tmp/chromium: ENOENT') });
    for (const error of [fault, new errors.ConfigError('REPORTS_BUCKET is not set'), new TypeError('x is undefined'), new errors.RenderTimeoutError('raise RENDER_TIMEOUT_MS')]) {
      const response = errorResponse(error, 'req-3');
      const { message, details } = body(response).error;
      expect(message).not.toMatch(/CHROMIUM_PATH|REPORTS_BUCKET|undefined|RENDER_TIMEOUT_MS|ENOENT/);
      expect(details).toEqual([]);
      expect(response.body).not.toContain('stack');
    }
    expect(body(errorResponse(new TypeError('x'), 'req-3')).error).toMatchObject({ code: 'INTERNAL_ERROR', message: expect.stringContaining('req-3') });
  });

  it('tells a saturated client when to retry and a wrong method what is allowed', () => {
    const busy = errorResponse(new errors.RendererBusyError('The renderer is busy; retry in 9 s.', 9), 'r');
    expect(busy.headers['retry-after']).toBe('9');
    expect(body(busy).error.message).toBe('The renderer is busy; retry in 9 s.');
    expect(errorResponse(new errors.RenderTimeoutError('slow'), 'r').headers['retry-after']).toBe('5');
    expect(errorResponse(new errors.MethodNotAllowedError('no', ['GET', 'HEAD']), 'r').headers.allow).toBe('GET, HEAD');
    expect(errorResponse(new errors.LimitExceededError('big'), 'r').headers['retry-after']).toBeUndefined();
  });

  it('tells a timed-out client the wait its caller configured (RETRY_AFTER_SECONDS), never overriding a busy error\'s own', () => {
    const options = { retryAfterSeconds: 11 };
    expect(errorResponse(new errors.RenderTimeoutError('slow'), 'r', options).headers['retry-after']).toBe('11');
    expect(errorResponse(new errors.RendererBusyError('busy', 9), 'r', options).headers['retry-after']).toBe('9');
    expect(errorResponse(new errors.LimitExceededError('big'), 'r', options).headers['retry-after']).toBeUndefined();
    expect(errorResponse(new errors.ChromiumError('crashed'), 'r', options).headers['retry-after']).toBeUndefined();
  });
});
