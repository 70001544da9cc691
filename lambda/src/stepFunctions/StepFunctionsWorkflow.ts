/**
 * The batch use cases' BatchWorkflow (batch/ports.ts) over the batch state machine: a batch is one
 * execution, named by its batch id.
 */
import type { BatchExecution, BatchProgressCounts, BatchWorkflow } from '../batch/ports';
import type { BatchExecutionInput } from '../core/storageLayout';
import { executionArnOf, StepFunctionsClient, StepFunctionsError } from './StepFunctionsClient';

export interface StepFunctionsWorkflowOptions {
  readonly stateMachineArn: string;
  /** SFN_ENDPOINT; default `https://states.<region>.amazonaws.com`. */
  readonly endpoint?: string;
}

export class StepFunctionsWorkflow implements BatchWorkflow {
  private readonly client: StepFunctionsClient;

  constructor(private readonly options: StepFunctionsWorkflowOptions) {
    // The state machine's region, whatever the function's own.
    this.client = new StepFunctionsClient({ region: options.stateMachineArn.split(':')[3], endpoint: options.endpoint });
  }

  async start(input: BatchExecutionInput): Promise<void> {
    await this.client.startExecution({ stateMachineArn: this.options.stateMachineArn, name: input.batchId, input: JSON.stringify(input) });
  }

  async describe(batchId: string): Promise<BatchExecution | undefined> {
    try {
      return await this.client.describeExecution(executionArnOf(this.options.stateMachineArn, batchId));
    } catch (error) {
      if (error instanceof StepFunctionsError && error.type === 'ExecutionDoesNotExist') return undefined;
      throw error;
    }
  }

  async progress(batchId: string): Promise<BatchProgressCounts | undefined> {
    const [run] = await this.client.listMapRuns(executionArnOf(this.options.stateMachineArn, batchId));
    return run ? (await this.client.describeMapRun(run.mapRunArn)).itemCounts : undefined;
  }

  close(): void {
    this.client.destroy();
  }
}
