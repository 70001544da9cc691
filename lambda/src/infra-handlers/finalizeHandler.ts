/**
 * Lambda entry of the batch state machine's last step: `lambda/src/infra-handlers/finalizeHandler.handler`.
 * A thin adapter over finalizeBatch. The event is the state machine's whole state
 * (infra/lib/constructs/BatchWorkflow.ts): the execution input plus what earlier states added,
 *
 *   {"batchId", "template", "itemsKey", "format", "zip", "execution": {"startedAt"},
 *    "map": {"MapRunArn", "ResultWriterDetails"} | "mapError": {"Error", "Cause"}}
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { finalizeBatch, type FinalizeInput, type FinalizeOutput } from './finalizeBatch';
import { createInfraS3, type InfraS3 } from './s3Client';

export function createFinalizeHandler(createS3: () => InfraS3, logger: Pick<Logger, 'info'> = new Logger({ serviceName: 'pdf-export' })) {
  let s3: InfraS3 | undefined;
  return async (event: FinalizeInput): Promise<FinalizeOutput> => {
    s3 ??= createS3();
    const started = Date.now();
    const output = await finalizeBatch(event, { client: s3.client, bucket: s3.config.bucket });
    logger.info('batch finalized', { batchId: event.batchId, template: event.template, ...output, ms: Date.now() - started });
    return output;
  };
}

export const handler = createFinalizeHandler(() => createInfraS3());
