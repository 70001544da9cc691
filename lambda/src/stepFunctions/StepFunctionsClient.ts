/**
 * The four Step Functions calls the batch API needs (StartExecution, DescribeExecution,
 * ListMapRuns, DescribeMapRun), over @aws-sdk/client-sfn. This file is the only one that knows the
 * SDK: it returns plain objects (dates as epoch seconds) and typed errors, so batchApi.ts stays
 * free of SDK types and tests can point `endpoint` at a local stand-in.
 */
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  ListMapRunsCommand,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { BatchProgressCounts } from '../batch/ports';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export type CredentialsProvider = () => Promise<AwsCredentials>;

export interface StepFunctionsClientOptions {
  readonly region: string;
  /** Default: the SDK's provider chain (the Lambda role in AWS). */
  readonly credentials?: CredentialsProvider;
  /** Default `https://states.<region>.amazonaws.com`; tests point it at a local server. */
  readonly endpoint?: string;
}

/** An error answered by Step Functions, e.g. `ExecutionDoesNotExist`, `ExecutionAlreadyExists`. */
export class StepFunctionsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly statusCode: number,
    options?: { cause?: unknown },
  ) {
    super(`${type}: ${message}`, options);
    this.name = 'StepFunctionsError';
  }
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

export interface DescribeExecutionOutput {
  readonly executionArn: string;
  readonly name?: string;
  readonly status: ExecutionStatus;
  /** Epoch seconds. */
  readonly startDate?: number;
  readonly stopDate?: number;
  readonly input?: string;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
}

/** A map run's counts: what the batch use cases read, and the results written so far. */
export interface MapRunCounts extends BatchProgressCounts {
  readonly resultsWritten: number;
}

export interface DescribeMapRunOutput {
  readonly mapRunArn: string;
  readonly status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  readonly itemCounts: MapRunCounts;
  readonly executionCounts: MapRunCounts;
}

const epochSeconds = (date: Date | undefined): number | undefined => (date === undefined ? undefined : date.getTime() / 1000);

function counts(c: Partial<Record<keyof MapRunCounts, number>> | undefined): MapRunCounts {
  return {
    pending: c?.pending ?? 0,
    running: c?.running ?? 0,
    succeeded: c?.succeeded ?? 0,
    failed: c?.failed ?? 0,
    timedOut: c?.timedOut ?? 0,
    aborted: c?.aborted ?? 0,
    total: c?.total ?? 0,
    resultsWritten: c?.resultsWritten ?? 0,
  };
}

export class StepFunctionsClient {
  private readonly client: SFNClient;

  constructor(options: StepFunctionsClientOptions) {
    this.client = new SFNClient({ region: options.region, endpoint: options.endpoint, credentials: options.credentials });
  }

  private async send<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof SFNServiceException) {
        throw new StepFunctionsError(error.name, error.message, error.$metadata.httpStatusCode ?? 0, { cause: error });
      }
      throw error;
    }
  }

  async startExecution(input: { stateMachineArn: string; name: string; input: string }): Promise<{ executionArn: string; startDate: number }> {
    const out = await this.send(() => this.client.send(new StartExecutionCommand(input)));
    return { executionArn: out.executionArn!, startDate: epochSeconds(out.startDate)! };
  }

  async describeExecution(executionArn: string): Promise<DescribeExecutionOutput> {
    const out = await this.send(() => this.client.send(new DescribeExecutionCommand({ executionArn })));
    return {
      executionArn: out.executionArn!,
      name: out.name,
      status: out.status as ExecutionStatus,
      startDate: epochSeconds(out.startDate),
      stopDate: epochSeconds(out.stopDate),
      input: out.input,
      output: out.output,
      error: out.error,
      cause: out.cause,
    };
  }

  async listMapRuns(executionArn: string): Promise<{ mapRunArn: string; startDate?: number }[]> {
    const out = await this.send(() => this.client.send(new ListMapRunsCommand({ executionArn })));
    return (out.mapRuns ?? []).map((run) => ({ mapRunArn: run.mapRunArn!, startDate: epochSeconds(run.startDate) }));
  }

  async describeMapRun(mapRunArn: string): Promise<DescribeMapRunOutput> {
    const out = await this.send(() => this.client.send(new DescribeMapRunCommand({ mapRunArn })));
    return {
      mapRunArn: out.mapRunArn!,
      status: out.status as DescribeMapRunOutput['status'],
      itemCounts: counts(out.itemCounts),
      executionCounts: counts(out.executionCounts),
    };
  }

  destroy(): void {
    this.client.destroy();
  }
}

/** `arn:…:stateMachine:<name>` + execution name → `arn:…:execution:<name>:<execution>`. */
export function executionArnOf(stateMachineArn: string, executionName: string): string {
  const parts = stateMachineArn.split(':');
  if (parts.length < 7 || parts[5] !== 'stateMachine') throw new RangeError(`not a state machine ARN: ${stateMachineArn}`);
  return [...parts.slice(0, 5), 'execution', parts[6], executionName].join(':');
}
