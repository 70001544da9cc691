/**
 * The whole service as the sandbox runs it: the synthesized stack, Node 22, a local S3 (s3rver
 * behind its SigV4 gate, lambda/src/storage/startLocalS3.ts) and a fake Step Functions endpoint,
 * all on 127.0.0.1; `sandbox(name)` gives a Lambda-like container of one function with the
 * template's environment, its Refs resolved to those local stand-ins.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '../../../lambda/src/config/loadConfig';
import { createS3Client } from '../../../lambda/src/storage/createS3Client';
import { startLocalS3, type LocalS3 } from '../../../lambda/src/storage/startLocalS3';
import { FakeStepFunctions } from './fakeStepFunctions';
import { lambdaNode, type LambdaNode } from './lambdaNode';
import { assertSandboxSupported, LambdaSandbox, type SandboxOptions } from './lambdaSandbox';
import { resolveEnvironment, synthesizeService, type FunctionName, type SynthesizedService } from './synthesize';

export const SANDBOX_REGION = 'eu-central-1';
export const SANDBOX_ACCOUNT = '123456789012';
export const SANDBOX_BUCKET = 'pdf-export-sandbox';

export interface SandboxedService {
  readonly synth: SynthesizedService;
  readonly node: LambdaNode;
  readonly s3: LocalS3;
  readonly sfn: FakeStepFunctions;
  readonly stateMachineArn: string;
  /** A host-side client of the local S3 (for the test's own reads and writes). */
  readonly s3Client: S3Client;
  /** The function's environment: the template's, resolved, plus where S3 and Step Functions are. */
  environmentOf(name: FunctionName, overrides?: Readonly<Record<string, string>>): Record<string, string>;
  /** A new container of one function: cold until its first invocation. */
  sandbox(name: FunctionName, options?: Partial<Omit<SandboxOptions, 'fn' | 'environment' | 'credentials' | 'region' | 'nodeDir'>> & { environment?: Readonly<Record<string, string>> }): LambdaSandbox;
  getObject(key: string): Promise<Buffer>;
  putObject(key: string, body: string | Buffer, contentType?: string): Promise<void>;
  /** A 127.0.0.1 URL where nothing listens (an unreachable S3). */
  closedEndpoint(): Promise<string>;
  close(): Promise<void>;
}

export async function startSandboxedService(options: { outdir?: string; cpus?: string; echo?: boolean; log?: (line: string) => void } = {}): Promise<SandboxedService> {
  assertSandboxSupported();
  const node = lambdaNode({ log: options.log });
  const synth = synthesizeService({ outdir: options.outdir });
  const work = mkdtempSync(join(tmpdir(), 'pdf-export-sandbox-'));
  const s3 = await startLocalS3({ directory: join(work, 's3'), port: 0, bucket: SANDBOX_BUCKET });
  const sfn = await new FakeStepFunctions().start();
  const stateMachineArn = `arn:aws:states:${SANDBOX_REGION}:${SANDBOX_ACCOUNT}:stateMachine:PdfExportSandboxBatch`;
  const s3Client = createS3Client(loadConfig({ REPORTS_BUCKET: SANDBOX_BUCKET, S3_ENDPOINT: s3.endpoint, S3_FORCE_PATH_STYLE: 'true', S3_REGION: SANDBOX_REGION }).storage, s3.credentials);
  const sandboxes: LambdaSandbox[] = [];

  const environmentOf = (name: FunctionName, overrides: Readonly<Record<string, string>> = {}): Record<string, string> => ({
    ...resolveEnvironment(synth.functions[name], {
      region: SANDBOX_REGION,
      accountId: SANDBOX_ACCOUNT,
      refs: { [synth.bucketLogicalId]: SANDBOX_BUCKET, [synth.stateMachineLogicalId]: stateMachineArn },
    }),
    // Not in the template (AWS needs none of them): the local stand-ins.
    S3_ENDPOINT: s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    SFN_ENDPOINT: sfn.endpoint,
    ...overrides,
  });

  return {
    synth,
    node,
    s3,
    sfn,
    stateMachineArn,
    s3Client,
    environmentOf,
    sandbox(name, sandboxOptions = {}) {
      const { environment, ...rest } = sandboxOptions;
      const box = new LambdaSandbox({
        fn: synth.functions[name],
        environment: environmentOf(name, environment),
        credentials: s3.credentials,
        region: SANDBOX_REGION,
        nodeDir: node.dir,
        cpus: options.cpus,
        echo: options.echo,
        ...rest,
      });
      sandboxes.push(box);
      return box;
    },
    async getObject(key) {
      const response = await s3Client.send(new GetObjectCommand({ Bucket: SANDBOX_BUCKET, Key: key }));
      return Buffer.from(await response.Body!.transformToByteArray());
    },
    async putObject(key, body, contentType = 'application/json') {
      await s3Client.send(new PutObjectCommand({ Bucket: SANDBOX_BUCKET, Key: key, Body: typeof body === 'string' ? Buffer.from(body) : body, ContentType: contentType }));
    },
    async closedEndpoint() {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return `http://127.0.0.1:${port}`;
    },
    async close() {
      await Promise.allSettled(sandboxes.map((box) => box.close()));
      s3Client.destroy();
      await sfn.close();
      await s3.close();
      rmSync(work, { recursive: true, force: true });
      synth.dispose();
    },
  };
}
