/**
 * The batch state machine's last step: manifest.json and reports.zip (batch/finalizeRemoteBatch.ts).
 * CDK entry `lambda/src/entrypoints/finalizeBatchLambda.ts`. The event is the state machine's
 * whole state (infra/lib/constructs/BatchWorkflow.ts): the execution input plus what earlier
 * states added,
 *
 *   {"batchId", "template", "itemsKey", "format", "zip", "execution": {"startedAt"},
 *    "map": {"MapRunArn", "ResultWriterDetails"} | "mapError": {"Error", "Cause"}}
 */
import type { FinalizeInput, FinalizeOutput } from '../batch/finalizeRemoteBatch';
import { compose, type App } from '../compose';
import { loadConfig } from '../config/loadConfig';

export function createFinalizeHandler(start: () => ReturnType<App['batchFinalizer']>): (event: FinalizeInput) => Promise<FinalizeOutput> {
  let finalize: ReturnType<App['batchFinalizer']> | undefined;
  return async (event) => (finalize ??= start())(event);
}

export const handler = createFinalizeHandler(() => compose(loadConfig()).batchFinalizer());
