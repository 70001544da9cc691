/**
 * Lambda entry of `POST /batches` and `GET /batches/{id}` (API Gateway HTTP API, payload 2.0):
 * `lambda/src/infra-handlers/batchApiHandler.handler`. Translates the event and builds the
 * dependencies once per container; the logic is batchApi.ts's.
 *
 * Environment (set by the CDK stack): REPORTS_BUCKET, BATCH_STATE_MACHINE_ARN, TEMPLATES_DIR,
 * LINK_EXPIRY_SECONDS (default 3600), MAX_BATCH_BODY_BYTES (default 6 MiB), MAX_BATCH_ITEMS
 * (default 10,000), and optionally SFN_ENDPOINT (tests).
 */
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { readInt, readString, type Env } from '../core/env';
import { ConfigError } from '../core/errors';
import { MAX_LINK_EXPIRY_SECONDS, SERVICE_DEFAULTS } from '../core/serviceConfig';
import { TemplateStore } from '../core/TemplateStore';
import { errorResponse } from '../http/errorResponse';
import { handleBatchRequest, type BatchApiDependencies } from './batchApi';
import { createInfraS3 } from './s3Client';
import { StepFunctionsClient } from './stepFunctionsClient';

export const BATCH_API_DEFAULTS = Object.freeze({
  maxBodyBytes: 6 * 1024 * 1024,
  maxItems: 10_000,
});

export function createBatchApiDependencies(env: Env = process.env, logger = new Logger({ serviceName: 'pdf-export' })): BatchApiDependencies {
  const { client, config } = createInfraS3(env);
  const stateMachineArn = readString(env, 'BATCH_STATE_MACHINE_ARN');
  if (!stateMachineArn || !/^arn:[\w-]+:states:[\w-]+:\d{12}:stateMachine:[\w-]+$/.test(stateMachineArn)) {
    throw new ConfigError('BATCH_STATE_MACHINE_ARN must be the batch state machine\'s ARN.');
  }
  const templatesDir = readString(env, 'TEMPLATES_DIR', join(__dirname, 'templates'));
  const sfn = new StepFunctionsClient({
    region: stateMachineArn.split(':')[3],
    endpoint: readString(env, 'SFN_ENDPOINT'),
  });
  return {
    config: {
      bucket: config.bucket,
      stateMachineArn,
      linkExpirySeconds: readInt(env, 'LINK_EXPIRY_SECONDS', SERVICE_DEFAULTS.linkExpirySeconds, 60, MAX_LINK_EXPIRY_SECONDS),
      maxBodyBytes: readInt(env, 'MAX_BATCH_BODY_BYTES', BATCH_API_DEFAULTS.maxBodyBytes, 1024, 6 * 1024 * 1024),
      maxItems: readInt(env, 'MAX_BATCH_ITEMS', BATCH_API_DEFAULTS.maxItems, 1, 1_000_000),
    },
    s3: client,
    sfn,
    templates: TemplateStore.load(templatesDir),
    logger,
  };
}

export function createBatchApiHandler(createDeps: () => BatchApiDependencies) {
  let deps: BatchApiDependencies | undefined;
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const { requestContext } = event;
    let path = event.rawPath || requestContext.http.path || '/';
    const stage = requestContext.stage;
    if (stage && stage !== '$default' && (path === `/${stage}` || path.startsWith(`/${stage}/`))) path = path.slice(stage.length + 1) || '/';
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
    const request = {
      method: requestContext.http.method,
      path,
      query: event.queryStringParameters ?? {},
      headers,
      body: event.body,
      isBase64Encoded: event.isBase64Encoded,
      requestId: requestContext.requestId,
    };
    let response;
    try {
      deps ??= createDeps();
      response = await handleBatchRequest(request, deps);
    } catch (error) {
      new Logger({ serviceName: 'pdf-export' }).error('cannot start the batch API', { requestId: request.requestId, error });
      response = errorResponse(error, request.requestId);
    }
    return { statusCode: response.statusCode, headers: { ...response.headers }, body: response.body, isBase64Encoded: false };
  };
}

export const handler = createBatchApiHandler(() => createBatchApiDependencies());
