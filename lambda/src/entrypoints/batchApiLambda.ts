/**
 * The batch API function: `POST /batches` and `GET /batches/{id}` (API Gateway HTTP API).
 * CDK entry `lambda/src/entrypoints/batchApiLambda.ts`.
 */
import { compose, createLogger, type HttpHandler } from '../compose';
import { loadConfig } from '../config/loadConfig';
import type { Logger } from '../core/ports';
import { lambdaHttpHandler, type LambdaHttpHandler } from '../http/lambdaHttp';

export function createBatchApiHandler(start: () => HttpHandler, logger: Logger = createLogger()): LambdaHttpHandler {
  return lambdaHttpHandler(start, logger, 'the batch API');
}

export const handler = createBatchApiHandler(() => compose(loadConfig()).batchApi());
