/**
 * The remote batch end to end on one machine: `POST /batches` (batch API Lambda) → the state
 * machine's synthesized definition run state by state (test/infra/helpers/stepFunctionsEmulator.ts)
 * → the real item-batch Lambda on groups shaped exactly as the Distributed Map's ItemBatcher
 * passes them (real Chromium) → ResultWriter output in S3 → the real finalize Lambda → manifest
 * and ZIP → `GET /batches/{id}` with signed links. S3 is s3rver on 127.0.0.1 (no mocked client);
 * Step Functions' API is a local HTTP server that checks each call is SigV4-signed.
 */
import { generateCounties, toCsv, type SyntheticCounty } from '../helpers/syntheticCounties';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { BatchWorkflow, RESULT_WRITER_V2_FLAG } from '../../infra/lib/constructs/BatchWorkflow';
import type { BatchManifest as RemoteBatchManifest } from '../../lambda/src/batch/BatchManifest';
import type { BatchGroupEvent as BatchEvent } from '../../lambda/src/batch/renderBatchGroup';
import type { App as BatchApp } from '../../lambda/src/compose';
import { loadConfig } from '../../lambda/src/config/loadConfig';
import { manifestKey, resultsPrefix, zipKey } from '../../lambda/src/core/storageLayout';
import { createBatchApiHandler } from '../../lambda/src/entrypoints/batchApiLambda';
import { createBatchHandler } from '../../lambda/src/entrypoints/batchRenderLambda';
import { createFinalizeHandler } from '../../lambda/src/entrypoints/finalizeBatchLambda';
import { createS3Client } from '../../lambda/src/storage/createS3Client';
import { startLocalS3, type LocalS3 } from '../../lambda/src/storage/startLocalS3';
import { executionArnOf } from '../../lambda/src/stepFunctions/StepFunctionsClient';
import { XLSX_MEDIA_TYPE } from '../../lambda/src/batch/readWorkbook';
import { writeWorkbook } from '../../lambda/src/batch/writeWorkbook';
import { projectTemplates, testApp } from '../helpers/app';
import { readZip } from '../helpers/readZip';
import { runExecution, type ExecutionRecord } from './helpers/stepFunctionsEmulator';

const root = resolve(__dirname, '..', '..');
const TEMPLATE = 'county-annual-report';
const BUCKET = 'batch-workflow-test';
const REGION = 'us-east-1';
const STATE_MACHINE_ARN = `arn:aws:states:${REGION}:123456789012:stateMachine:PdfExportBatch`;
const RENDER_ARN = `arn:aws:lambda:${REGION}:123456789012:function:render-group`;
const FINALIZE_ARN = `arn:aws:lambda:${REGION}:123456789012:function:finalize`;

type Item = SyntheticCounty<Record<string, Record<string, unknown>>>;


/** JSON of Fn::Join with the partition filled in: the definition as Step Functions would get it. */
function resolveDefinition(definition: unknown): unknown {
  const flatten = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const v = value as Record<string, any>;
    if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(flatten).join(v['Fn::Join'][0]);
    if (v.Ref === 'AWS::Partition') return 'aws';
    throw new Error(`unexpected intrinsic ${JSON.stringify(value)}`);
  };
  return JSON.parse(flatten(definition));
}

function synthesizeDefinition(outdir: string, toleratedFailurePercentage: number): unknown {
  const app = new App({ outdir, builtinCloudFormationValidation: false, context: { [RESULT_WRITER_V2_FLAG]: true } });
  const stack = new Stack(app, `Asl${toleratedFailurePercentage}`, { env: { account: '123456789012', region: REGION } });
  new BatchWorkflow(stack, 'Batch', {
    bucket: s3.Bucket.fromBucketName(stack, 'Bucket', BUCKET),
    renderGroupFunction: lambda.Function.fromFunctionArn(stack, 'Render', RENDER_ARN),
    finalizeFunction: lambda.Function.fromFunctionArn(stack, 'Finalize', FINALIZE_ARN),
    itemsPerGroup: 2,
    maxConcurrency: 4,
    toleratedFailurePercentage,
  });
  const machine = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'))[0] as { Properties: { DefinitionString: unknown } };
  return resolveDefinition(machine.Properties.DefinitionString);
}

/** Step Functions' JSON API on 127.0.0.1, keeping executions in memory. */
class FakeStepFunctions {
  readonly executions = new Map<string, { name: string; input: string; status: string; startDate: number; stopDate?: number }>();
  readonly calls: { target: string; authorization: string }[] = [];
  private server!: Server;
  endpoint = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req).then(([status, body]) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(body));
    }));
    await new Promise<void>((ok) => this.server.listen(0, '127.0.0.1', ok));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  close(): Promise<void> {
    return new Promise((ok) => this.server.close(() => ok()));
  }

  private async handle(req: IncomingMessage): Promise<[number, unknown]> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>;
    const target = String(req.headers['x-amz-target']);
    this.calls.push({ target, authorization: String(req.headers.authorization) });
    const missing: [number, unknown] = [400, { __type: 'com.amazonaws.swf.service.v2.model#ExecutionDoesNotExist', message: 'Execution Does Not Exist' }];
    switch (target) {
      case 'AWSStepFunctions.StartExecution': {
        const executionArn = executionArnOf(body.stateMachineArn, body.name);
        this.executions.set(executionArn, { name: body.name, input: body.input, status: 'RUNNING', startDate: Date.now() / 1000 });
        return [200, { executionArn, startDate: Date.now() / 1000 }];
      }
      case 'AWSStepFunctions.DescribeExecution': {
        const execution = this.executions.get(body.executionArn);
        return execution ? [200, { executionArn: body.executionArn, stateMachineArn: STATE_MACHINE_ARN, ...execution }] : missing;
      }
      case 'AWSStepFunctions.ListMapRuns':
        return [200, { mapRuns: [{ executionArn: body.executionArn, mapRunArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':mapRun:')}/RenderJsonl:1`, startDate: Date.now() / 1000 }] }];
      case 'AWSStepFunctions.DescribeMapRun': {
        const counts = { pending: 2, running: 1, succeeded: 2, failed: 0, timedOut: 0, aborted: 0, total: 5, resultsWritten: 2 };
        return [200, { mapRunArn: body.mapRunArn, status: 'RUNNING', itemCounts: counts, executionCounts: counts }];
      }
      default:
        return [400, { __type: 'UnknownOperationException', message: target }];
    }
  }
}

function apiEvent(method: string, path: string, options: { body?: string; contentType?: string; query?: Record<string, string> } = {}): APIGatewayProxyEventV2 {
  const query = options.query ?? {};
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: options.contentType ? { 'Content-Type': options.contentType } : {},
    queryStringParameters: Object.keys(query).length > 0 ? query : undefined,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: `req-${Math.random().toString(16).slice(2)}`,
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '',
      timeEpoch: Date.now(),
    },
    body: options.body,
    isBase64Encoded: false,
  };
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('remote batch: POST /batches → Distributed Map (emulated) → finalize → GET /batches/{id}', () => {
  let dir: string;
  let localS3: LocalS3;
  let client: S3Client;
  let sfnServer: FakeStepFunctions;
  let batchApp: BatchApp;
  let apiApp: BatchApp | undefined;
  let api: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
  let definitions: Record<'tolerant' | 'strict', unknown>;
  /** Groups holding one of these ids "time out" like a Lambda killed at its timeout. */
  const crashing = new Set<string>();
  const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined } as never;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pdf-export-batch-workflow-'));
    localS3 = await startLocalS3({ directory: join(dir, 's3'), port: 0, bucket: BUCKET });
    sfnServer = new FakeStepFunctions();
    await sfnServer.start();
    definitions = { tolerant: synthesizeDefinition(join(dir, 'cdk-tolerant'), 50), strict: synthesizeDefinition(join(dir, 'cdk-strict'), 0) };
    const env = {
      ...process.env,
      REPORTS_BUCKET: BUCKET,
      S3_ENDPOINT: localS3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      S3_REGION: REGION,
      BATCH_STATE_MACHINE_ARN: STATE_MACHINE_ARN,
      SFN_ENDPOINT: sfnServer.endpoint,
      TEMPLATES_DIR: join(root, 'templates'),
    };
    // The batch API takes credentials from the SDK's default chain, as on Lambda (the role's keys).
    process.env.AWS_ACCESS_KEY_ID = localS3.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = localS3.credentials.secretAccessKey;
    api = createBatchApiHandler(() => (apiApp = testApp(env, { logger: quiet })).batchApi(), quiet);
    client = createS3Client(loadConfig(env).storage, localS3.credentials);
    batchApp = testApp(env, { s3Credentials: localS3.credentials, logger: quiet });
  });
  afterAll(async () => {
    await batchApp?.close();
    await apiApp?.close();
    client?.destroy();
    await sfnServer?.close();
    await localS3?.close();
    if (savedEnv.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    else process.env.AWS_ACCESS_KEY_ID = savedEnv.id;
    if (savedEnv.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    else process.env.AWS_SECRET_ACCESS_KEY = savedEnv.secret;
    rmSync(dir, { recursive: true, force: true });
  });

  async function execute(definition: unknown, input: unknown): Promise<ExecutionRecord> {
    const renderGroup = createBatchHandler(() => batchApp.batchGroupRenderer());
    const finalize = createFinalizeHandler(() => batchApp.batchFinalizer());
    return runExecution(
      {
        definition,
        s3: client,
        stateMachineArn: STATE_MACHINE_ARN,
        invoke: async (arn, payload) => {
          if (arn === RENDER_ARN) {
            const event = payload as BatchEvent & { Items: { id?: string }[] };
            if (event.Items.some((item) => crashing.has(String(item.id)))) {
              throw Object.assign(new Error('RequestId: 1 Error: Task timed out after 300.00 seconds'), { name: 'Sandbox.Timedout' });
            }
            return renderGroup(event, { getRemainingTimeInMillis: () => 300_000, awsRequestId: 'emulated' });
          }
          if (arn === FINALIZE_ARN) return finalize(payload);
          throw new Error(`no function ${arn}`);
        },
      },
      input,
    );
  }

  async function getObject(key: string): Promise<Buffer> {
    const response = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return Buffer.from(await response.Body!.transformToByteArray());
  }

  async function keysUnder(prefix: string): Promise<string[]> {
    const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    return (page.Contents ?? []).map((o) => o.Key!).sort();
  }

  function setStatus(batchId: string, status: string): void {
    const execution = sfnServer.executions.get(executionArnOf(STATE_MACHINE_ARN, batchId))!;
    execution.status = status;
    execution.stopDate = Date.now() / 1000;
  }

  it('renders a JSONL batch, reports every item, writes manifest + ZIP and hands out signed links', async () => {
    const [a, b, c, d, e] = generateCounties<Item['data']>(5, 41);
    const invalid = structuredClone(c);
    invalid.data.economy.gdp = -1;
    crashing.add(e.id);

    const posted = await api(apiEvent('POST', '/batches', { contentType: 'application/json', body: JSON.stringify({ template: TEMPLATE, items: [a, b, invalid, d, e] }) }));
    expect(posted.statusCode).toBe(202);
    const started = JSON.parse(posted.body!) as { batchId: string; total: number; status: string; links: { self: string } };
    expect(started).toMatchObject({ template: TEMPLATE, status: 'running', total: 5, links: { self: `/batches/${started.batchId}` } });
    const batch = { template: TEMPLATE, batchId: started.batchId };

    // The execution was started, signed, with the input the state machine expects.
    const startCall = sfnServer.calls.find((call) => call.target === 'AWSStepFunctions.StartExecution')!;
    expect(startCall.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=S3RVER\/\d{8}\/us-east-1\/states\/aws4_request, SignedHeaders=[^ ]*x-amz-target[^ ]*, Signature=[0-9a-f]{64}$/);
    const execution = sfnServer.executions.get(executionArnOf(STATE_MACHINE_ARN, started.batchId))!;
    const input = JSON.parse(execution.input) as Record<string, unknown>;
    expect(input).toEqual({ batchId: started.batchId, template: TEMPLATE, itemsKey: `batches/${TEMPLATE}/${started.batchId}/input/items.jsonl`, format: 'jsonl', zip: true });

    // While it runs, GET reports the map run's progress.
    const running = await api(apiEvent('GET', `/batches/${started.batchId}`));
    expect(running.statusCode).toBe(200);
    expect(JSON.parse(running.body!)).toMatchObject({ status: 'running', progress: { total: 5, processed: 2, running: 1, pending: 2 } });

    const record = await execute(definitions.tolerant, input);
    expect(record.status).toBe('SUCCEEDED');
    expect(record.path).toEqual(['CheckInput', 'RecordStart', 'ItemsFormat', 'RenderJsonlItems', 'WriteManifest', 'MapFailed', 'BatchDone']);
    // Groups of two as the ItemBatcher builds them, each with the BatchInput.
    const groups = record.children.map((child) => JSON.parse(child.Input as string) as BatchEvent & { Items: Item[] });
    expect(groups.map((g) => g.Items.map((i) => i.id))).toEqual([[a.id, b.id], [c.id, d.id], [e.id]]);
    expect(groups.every((g) => JSON.stringify(g.BatchInput) === JSON.stringify({ template: TEMPLATE, batchId: started.batchId }))).toBe(true);
    expect(record.children.map((child) => child.Status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'FAILED']);

    // ResultWriter's files, then the manifest and the ZIP.
    const results = await keysUnder(`${resultsPrefix(batch)}/`);
    expect(results.map((k) => k.split('/').pop())).toEqual(['FAILED_0.json', 'SUCCEEDED_0.json', 'manifest.json']);
    expect(record.output.map.ResultWriterDetails).toEqual({ Bucket: BUCKET, Key: results[2] });
    expect(record.output.manifest).toMatchObject({ manifestKey: manifestKey(batch), zipKey: zipKey(batch), total: 5, succeeded: 3, failed: 2, skipped: 0 });

    setStatus(started.batchId, 'SUCCEEDED');
    const done = await api(apiEvent('GET', `/batches/${started.batchId}`));
    expect(done.statusCode).toBe(200);
    const status = JSON.parse(done.body!) as Record<string, any>;
    expect(status).toMatchObject({ batchId: started.batchId, template: TEMPLATE, status: 'succeeded', total: 5, succeeded: 3, failed: 2, skipped: 0 });
    expect(status.failedItems).toEqual([
      { id: c.id, code: 'VALIDATION_FAILED', message: expect.any(String) },
      { id: e.id, code: 'Sandbox.Timedout', message: expect.stringContaining('timed out') },
    ]);

    const manifestResponse = await fetch(status.manifest.url as string);
    expect(manifestResponse.status).toBe(200);
    const manifest = JSON.parse(await manifestResponse.text()) as RemoteBatchManifest;
    expect(manifest).toMatchObject({ batchId: started.batchId, template: TEMPLATE, total: 5, succeeded: 3, failed: 2, skipped: 0, notDone: 0, zip: zipKey(batch) });
    expect(Date.parse(manifest.startedAt)).toBeLessThanOrEqual(Date.parse(manifest.finishedAt!));
    // In input order, CLI fields, the failures with their reasons.
    expect(manifest.items.map((i) => [i.id, i.status, i.error?.code ?? null])).toEqual([
      [a.id, 'ok', null],
      [b.id, 'ok', null],
      [c.id, 'failed', 'VALIDATION_FAILED'],
      [d.id, 'ok', null],
      [e.id, 'failed', 'Sandbox.Timedout'],
    ]);
    expect(manifest.items[2].error?.details).toEqual([{ path: '/economy/gdp', message: expect.any(String) }]);
    for (const item of manifest.items.filter((i) => i.status === 'ok')) {
      expect(Object.keys(item).sort()).toEqual(['attempts', 'bytes', 'error', 'file', 'id', 'key', 'ms', 'pages', 'sha256', 'status']);
      expect(item.file).toBe(`${item.id}.pdf`);
      expect(item.key).toMatch(new RegExp(`^batches/${TEMPLATE}/${started.batchId}/[0-9a-f]{32}\\.pdf$`));
      const pdf = await getObject(item.key!);
      expect(sha256(pdf)).toBe(item.sha256);
      expect(pdf.length).toBe(item.bytes);
      expect(item.pages).toBeGreaterThan(1);
    }

    const zipResponse = await fetch(status.zip.url as string);
    expect(zipResponse.status).toBe(200);
    expect(zipResponse.headers.get('content-disposition')).toContain(`${started.batchId}.zip`);
    const entries = readZip(Buffer.from(await zipResponse.arrayBuffer()));
    expect(entries.map((entry) => entry.name)).toEqual([`${a.id}.pdf`, `${b.id}.pdf`, `${d.id}.pdf`, 'manifest.json']);
    for (const entry of entries.slice(0, 3)) {
      expect(entry.method).toBe(0);
      expect(sha256(entry.data)).toBe(manifest.items.find((i) => i.file === entry.name)!.sha256);
    }
    expect(JSON.parse(entries[3].data.toString('utf8'))).toEqual(manifest);
  });

  it('takes a CSV upload; when too many groups fail, the manifest is still written and the execution fails', async () => {
    const [f, g, h] = generateCounties<Item['data']>(3, 43);
    crashing.add(h.id);
    const posted = await api(apiEvent('POST', '/batches', { contentType: 'text/csv; charset=utf-8', body: toCsv([f, g, h]), query: { template: TEMPLATE, zip: 'false' } }));
    expect(posted.statusCode).toBe(202);
    const { batchId } = JSON.parse(posted.body!) as { batchId: string };
    const input = JSON.parse(sfnServer.executions.get(executionArnOf(STATE_MACHINE_ARN, batchId))!.input) as Record<string, unknown>;
    expect(input).toMatchObject({ format: 'csv', zip: false, itemsKey: `batches/${TEMPLATE}/${batchId}/input/items.csv` });

    const record = await execute(definitions.strict, input);
    expect(record).toMatchObject({ status: 'FAILED', error: 'States.ExceededToleratedFailureThreshold' });
    expect(record.path).toEqual(['CheckInput', 'RecordStart', 'ItemsFormat', 'RenderCsvItems', 'WriteManifest', 'MapFailed', 'BatchFailed']);
    // The CSV reader hands flat rows of text; the item-batch function typed them by the schema.
    const firstGroup = JSON.parse(record.children[0].Input as string) as { Items: Record<string, unknown>[] };
    expect(firstGroup.Items[0]).toMatchObject({ id: f.id, 'economy.gdp': String(f.data.economy.gdp) });

    const batch = { template: TEMPLATE, batchId };
    const manifest = JSON.parse((await getObject(manifestKey(batch))).toString('utf8')) as RemoteBatchManifest;
    expect(manifest.items.map((i) => [i.id, i.status, i.error?.code ?? null])).toEqual([
      [f.id, 'ok', null],
      [g.id, 'ok', null],
      [h.id, 'failed', 'Sandbox.Timedout'],
    ]);
    expect(manifest.zip).toBeNull();
    expect(await keysUnder(zipKey(batch))).toEqual([]);

    setStatus(batchId, 'FAILED');
    const status = JSON.parse((await api(apiEvent('GET', `/batches/${batchId}`))).body!) as Record<string, any>;
    expect(status).toMatchObject({ status: 'failed', succeeded: 2, failed: 1, zip: null, manifest: { url: expect.stringContaining('manifest.json') } });
  });

  it('takes an Excel workbook: read and checked at once, stored as JSON Lines, a bad cell named in the manifest and the status', async () => {
    const [k, l] = generateCounties<Item['data']>(2, 45);
    const bad = structuredClone(l);
    bad.data.economy.gdpGrowth = -150;
    const workbook = await writeWorkbook(projectTemplates().get(TEMPLATE), [k, bad], { maxRows: 100 });
    const post = (body: Buffer, query: Record<string, string> = { template: TEMPLATE, zip: 'false' }) =>
      api({ ...apiEvent('POST', '/batches', { contentType: XLSX_MEDIA_TYPE, body: body.toString('base64'), query }), isBase64Encoded: true });

    const posted = await post(workbook);
    expect(posted.statusCode).toBe(202);
    const { batchId, total } = JSON.parse(posted.body!) as { batchId: string; total: number };
    expect(total).toBe(2);
    const input = JSON.parse(sfnServer.executions.get(executionArnOf(STATE_MACHINE_ARN, batchId))!.input) as { itemsKey: string };
    expect(input).toMatchObject({ format: 'jsonl', zip: false, itemsKey: `batches/${TEMPLATE}/${batchId}/input/items.jsonl` });
    // What the Distributed Map reads: one record a row, keeping the row and the bad row's problem.
    const located = '第 3 行 G 列（地区生产总值增速（%））：不能小于 -100';
    const records = (await getObject(input.itemsKey)).toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as unknown);
    expect(records).toEqual([
      { id: k.id, data: k.data, sheet: { row: 2 } },
      { id: l.id, data: bad.data, sheet: { row: 3, error: { code: 'VALIDATION_FAILED', message: `${located}。`, details: [{ path: '/economy/gdpGrowth', message: located }] } } },
    ]);

    const record = await execute(definitions.tolerant, input);
    expect(record.status).toBe('SUCCEEDED');
    const manifest = JSON.parse((await getObject(manifestKey({ template: TEMPLATE, batchId }))).toString('utf8')) as RemoteBatchManifest;
    expect(manifest.items.map((i) => [i.id, i.status])).toEqual([
      [k.id, 'ok'],
      [l.id, 'failed'],
    ]);
    expect(manifest.items[1].error).toEqual({ code: 'VALIDATION_FAILED', message: `${located}。`, details: [{ path: '/economy/gdpGrowth', message: located }] });
    setStatus(batchId, 'SUCCEEDED');
    const status = JSON.parse((await api(apiEvent('GET', `/batches/${batchId}`))).body!) as Record<string, unknown>;
    expect(status).toMatchObject({ succeeded: 1, failed: 1, failedItems: [{ id: l.id, code: 'VALIDATION_FAILED', message: `${located}。` }] });

    // Unfit or hostile workbooks are refused before anything is stored or started.
    const before = sfnServer.calls.length;
    const refused = await post(Buffer.from('id,year\n1,2020\n'));
    expect(refused.statusCode).toBe(400);
    expect(JSON.parse(refused.body!).error.message).toMatch(/^文件不是 Excel 工作簿（\.xlsx），而是文本/);
    const unknownColumn = await writeWorkbook({ id: 'x', title: 'x', schema: { type: 'object', properties: { nonsense: { type: 'string', title: '乱写的列' } } } }, [k], { maxRows: 10 });
    expect(JSON.parse((await post(unknownColumn)).body!).error.message).toContain('B 列“乱写的列”不是本模板的列');
    expect((await post(workbook, {})).statusCode).toBe(400);
    expect((await api(apiEvent('POST', '/batches', { contentType: XLSX_MEDIA_TYPE, body: workbook.toString('latin1'), query: { template: TEMPLATE } }))).statusCode).toBe(400);
    expect((await post(Buffer.concat([workbook, Buffer.alloc(7 * 1024 * 1024)]))).statusCode).toBe(413);
    expect(sfnServer.calls.length).toBe(before);
  });

  it('refuses bad batches before starting anything, and unknown ids with 404', async () => {
    const before = sfnServer.calls.length;
    const [x] = generateCounties<Item['data']>(1, 47);
    const post = (body: string, contentType = 'application/json', query?: Record<string, string>) =>
      api(apiEvent('POST', '/batches', { body, contentType, query }));

    const unknownTemplate = await post(JSON.stringify({ template: 'no-such-template', items: [x] }));
    expect(unknownTemplate.statusCode).toBe(404);
    const duplicate = await post(JSON.stringify({ template: TEMPLATE, items: [x, x] }));
    expect(duplicate.statusCode).toBe(400);
    expect(JSON.parse(duplicate.body!).error.message).toMatch(/unique/);
    expect((await post('id,nonsense.column\n1,2\n', 'text/csv', { template: TEMPLATE })).statusCode).toBe(400);
    expect((await post('<xml/>', 'application/xml')).statusCode).toBe(415);
    expect((await post('{not json')).statusCode).toBe(400);
    expect((await post(JSON.stringify({ items: [x] }))).statusCode).toBe(400);
    expect(sfnServer.calls.length).toBe(before);

    expect((await api(apiEvent('GET', '/batches/20260101T000000Z-00000000'))).statusCode).toBe(404);
    expect((await api(apiEvent('GET', '/batches/..%2Fetc'))).statusCode).toBe(404);
    expect((await api(apiEvent('DELETE', '/batches/x'))).statusCode).toBe(405);
  });

  it('the state machine refuses an items key outside batches/ without reading it', async () => {
    const record = await execute(definitions.tolerant, { batchId: 'b1', template: TEMPLATE, itemsKey: 'reports/secret.pdf', format: 'jsonl' });
    expect(record).toMatchObject({ status: 'FAILED', error: 'InvalidInput', path: ['CheckInput', 'InvalidInput'] });
  });
});
