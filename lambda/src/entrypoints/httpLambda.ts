/**
 * The HTTP render function (API Gateway HTTP API and Function URLs): `POST /reports`,
 * `GET /reports/{id}`, `/templates`, `/health`. CDK entry `lambda/src/entrypoints/httpLambda.ts`.
 */
import { compose, createLogger, type HttpHandler } from '../compose';
import { loadConfig } from '../config/loadConfig';
import type { Logger } from '../core/ports';
import { lambdaHttpHandler, type LambdaHttpHandler } from '../http/lambdaHttp';

export function createHttpHandler(start: () => HttpHandler, logger: Logger = createLogger()): LambdaHttpHandler {
  return lambdaHttpHandler(start, logger, 'the HTTP app');
}

export const handler = createHttpHandler(() => compose(loadConfig()).httpApi());
