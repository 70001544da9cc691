/**
 * The batch render function: one Step Functions Distributed Map group a call
 * (batch/renderBatchGroup.ts). CDK entry `lambda/src/entrypoints/batchRenderLambda.ts`.
 *
 * Built on the first invocation and kept, so a warm container reuses its browser. A group that
 * cannot be rendered at all throws, and Step Functions retries it or counts it as failed.
 */
import type { Context } from 'aws-lambda';
import type { BatchGroupEvent, BatchGroupResult } from '../batch/renderBatchGroup';
import { compose, type App } from '../compose';
import { loadConfig } from '../config/loadConfig';

export type BatchContext = Pick<Context, 'getRemainingTimeInMillis'> & Partial<Pick<Context, 'awsRequestId'>>;

export function createBatchHandler(start: () => ReturnType<App['batchGroupRenderer']>): (event: BatchGroupEvent, context?: BatchContext) => Promise<BatchGroupResult> {
  let render: ReturnType<App['batchGroupRenderer']> | undefined;
  return async (event, context) => {
    render ??= start();
    return render(event, {
      remainingMs: context?.getRemainingTimeInMillis ? () => context.getRemainingTimeInMillis() : undefined,
      requestId: context?.awsRequestId,
    });
  };
}

export const handler = createBatchHandler(() => compose(loadConfig()).batchGroupRenderer());
