/**
 * Step Functions' JSON API (awsJson1_0, `X-Amz-Target: AWSStepFunctions.<Operation>`) on
 * 127.0.0.1, answering the four calls the batch API makes (lambda/src/stepFunctions/
 * StepFunctionsClient.ts: StartExecution, DescribeExecution, ListMapRuns, DescribeMapRun) from
 * executions kept in memory. Every call is recorded with its Authorization header, so a test can
 * check it was SigV4-signed for the `states` service in the state machine's region.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeExecution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  readonly startDate: number;
  stopDate?: number;
  output?: string;
}

export interface FakeCall {
  readonly target: string;
  readonly authorization: string;
  readonly body: Record<string, unknown>;
}

/** `arn:…:stateMachine:<name>` + execution name → `arn:…:execution:<name>:<execution>`. */
function executionArn(stateMachineArn: string, name: string): string {
  const parts = stateMachineArn.split(':');
  return [...parts.slice(0, 5), 'execution', parts[6], name].join(':');
}

export class FakeStepFunctions {
  readonly executions = new Map<string, FakeExecution>();
  readonly calls: FakeCall[] = [];
  private server: Server | undefined;
  endpoint = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) =>
      void this.handle(req).then(([status, body]) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': `fake-${this.calls.length}` });
        res.end(JSON.stringify(body));
      }),
    );
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  execution(name: string): FakeExecution | undefined {
    return [...this.executions.values()].find((e) => e.name === name);
  }

  private async handle(req: IncomingMessage): Promise<[number, unknown]> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: Record<string, any>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, any>;
    } catch {
      return [400, { __type: 'SerializationException', message: 'body is not JSON' }];
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    this.calls.push({ target, authorization: String(req.headers.authorization ?? ''), body });
    if (!/^AWS4-HMAC-SHA256 Credential=/.test(String(req.headers.authorization ?? ''))) {
      return [400, { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' }];
    }
    const missing: [number, unknown] = [400, { __type: 'com.amazonaws.swf.service.v2.model#ExecutionDoesNotExist', message: 'Execution Does Not Exist' }];
    switch (target) {
      case 'AWSStepFunctions.StartExecution': {
        const arn = executionArn(String(body.stateMachineArn), String(body.name));
        if (this.executions.has(arn)) return [400, { __type: 'com.amazonaws.swf.service.v2.model#ExecutionAlreadyExists', message: `Execution Already Exists: '${arn}'` }];
        const startDate = Date.now() / 1000;
        this.executions.set(arn, { executionArn: arn, stateMachineArn: String(body.stateMachineArn), name: String(body.name), input: String(body.input ?? '{}'), status: 'RUNNING', startDate });
        return [200, { executionArn: arn, startDate }];
      }
      case 'AWSStepFunctions.DescribeExecution': {
        const execution = this.executions.get(String(body.executionArn));
        return execution ? [200, { ...execution }] : missing;
      }
      case 'AWSStepFunctions.ListMapRuns': {
        const execution = this.executions.get(String(body.executionArn));
        if (!execution) return missing;
        const mapRunArn = `${execution.stateMachineArn.replace(':stateMachine:', ':mapRun:')}/Render:${execution.name}`;
        return [200, { mapRuns: [{ executionArn: execution.executionArn, mapRunArn, startDate: execution.startDate }] }];
      }
      case 'AWSStepFunctions.DescribeMapRun': {
        const counts = { pending: 0, running: 1, succeeded: 0, failed: 0, timedOut: 0, aborted: 0, total: 1, resultsWritten: 0 };
        return [200, { mapRunArn: body.mapRunArn, status: 'RUNNING', itemCounts: counts, executionCounts: counts }];
      }
      default:
        return [400, { __type: 'UnknownOperationException', message: target }];
    }
  }
}
