/**
 * The constructs' props and guards, on small stacks that skip asset bundling (fast), and the pure
 * modules behind the batch's infra handlers.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BatchWorkflow, RESULT_WRITER_V2_FLAG } from '../../infra/lib/constructs/BatchWorkflow';
import { ChromiumFontsLayer, FUNCTION_CODE_RESERVE_BYTES, LAMBDA_UNZIPPED_LIMIT_BYTES } from '../../infra/lib/constructs/ChromiumFontsLayer';
import { ReportApi } from '../../infra/lib/constructs/ReportApi';
import { ReportBucket } from '../../infra/lib/constructs/ReportBucket';
import { ServiceFunction } from '../../infra/lib/constructs/ServiceFunction';
import { PATHS } from '../../infra/lib/projectPaths';
import { BATCH_ID_PATTERN, isBatchId, itemsKey, manifestKey, newBatchId, resultsPrefix, zipKey } from '../../lambda/src/core/storageLayout';
import { assembleItems, idsInFileOrder } from '../../lambda/src/batch/finalizeRemoteBatch';
import type { ManifestItem as RemoteManifestItem } from '../../lambda/src/batch/BatchManifest';
import { itemsOfChildExecution, parseResultFile, parseResultWriterManifest } from '../../lambda/src/batch/resultWriterOutput';
import { StepFunctionsClient, StepFunctionsError, executionArnOf } from '../../lambda/src/stepFunctions/StepFunctionsClient';

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A stack whose assets are not bundled (context aws:cdk:bundling-stacks = []). */
function cheapStack(): Stack {
  const app = new App({
    outdir: tempDir('pdf-export-cdk-small-'),
    builtinCloudFormationValidation: false,
    context: { [RESULT_WRITER_V2_FLAG]: true, 'aws:cdk:bundling-stacks': [] },
  });
  return new Stack(app, 'Small', { env: { region: 'eu-central-1' } });
}

function dummyFunction(stack: Stack, id: string): lambda.Function {
  return new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})') });
}

describe('ReportApi', () => {
  it('can use a JWT authorizer instead of IAM, and authorize /health too', () => {
    const stack = cheapStack();
    const fn = dummyFunction(stack, 'Fn');
    new ReportApi(stack, 'Api', {
      reportsFunction: fn,
      batchesFunction: fn,
      authorization: { type: 'jwt', issuer: 'https://issuer.example/pool', audience: ['client-1'] },
      openHealthCheck: false,
      throttle: { rateLimit: 5, burstLimit: 10 },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://issuer.example/pool', Audience: ['client-1'] },
    });
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties as { RouteKey: string; AuthorizationType: string });
    expect(routes).toHaveLength(7);
    expect(routes.every((r) => r.AuthorizationType === 'JWT')).toBe(true);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 } });
  });

  it('leaves out the batch routes when there is no batch function', () => {
    const stack = cheapStack();
    new ReportApi(stack, 'Api', { reportsFunction: dummyFunction(stack, 'Fn') });
    const keys = Object.values(Template.fromStack(stack).findResources('AWS::ApiGatewayV2::Route')).map((r) => (r.Properties as { RouteKey: string }).RouteKey);
    expect(keys.sort()).toEqual(['GET /health', 'GET /reports/{id}', 'GET /templates', 'GET /templates/{id}', 'POST /reports']);
  });
});

describe('ServiceFunction guards', () => {
  it('refuses a render function below 1536 MB or with a timeout that leaves no room for the render', () => {
    const stack = cheapStack();
    const layer = new ChromiumFontsLayer(stack, 'Layer');
    expect(() => new ServiceFunction(stack, 'Small', { entry: PATHS.httpLambda, description: 'x', memorySize: 1024, render: { layer } })).toThrow(/at least 1536 MB/);
    expect(
      () => new ServiceFunction(stack, 'Short', { entry: PATHS.httpLambda, description: 'x', timeout: Duration.seconds(20), render: { layer, renderTimeout: Duration.seconds(20) } }),
    ).toThrow(/must exceed the render timeout/);
    const ok = new ServiceFunction(stack, 'Ok', { entry: PATHS.httpLambda, description: 'x', render: { layer, renderTimeout: Duration.seconds(10), maxPages: 50 } });
    const env = (Template.fromStack(stack).findResources('AWS::Lambda::Function')[stack.getLogicalId(ok.function.node.defaultChild as lambda.CfnFunction)].Properties as {
      Environment: { Variables: Record<string, string> };
    }).Environment.Variables;
    // Where the layer's layout puts Chromium and the fonts.
    expect(env).toMatchObject({ RENDER_TIMEOUT_MS: '10000', MAX_PAGES: '50', ...layer.environment });
    expect(layer.environment).toEqual({
      CHROMIUM_PATH: '/opt/chromium/chromium',
      FONTS_PACK: '/opt/fonts/fonts.tar.gz',
      FONTS_EXTENDED_PACK: '/opt/fonts/fonts-extended.tar.gz',
      FONTCONFIG_FILE: '/opt/fonts/fonts.conf',
    });
  });
});

describe('ChromiumFontsLayer', () => {
  it('refuses a licensed fonts folder that does not exist', () => {
    expect(() => new ChromiumFontsLayer(cheapStack(), 'Layer', { licensedFontsDir: '/no/such/folder' })).toThrow(/does not exist/);
  });

  it('ships licensed fonts under /opt/fonts/licensed and rebuilds when they change', () => {
    const fonts = tempDir('licensed-fonts-');
    writeFileSync(join(fonts, '仿宋_GB2312.ttf'), Buffer.alloc(1024, 1));
    writeFileSync(join(fonts, 'README.md'), 'not a font');
    const layer = new ChromiumFontsLayer(cheapStack(), 'Layer', { licensedFontsDir: fonts });
    expect(layer.licensedFonts).toEqual(['仿宋_GB2312.ttf']);
    const empty = tempDir('no-fonts-');
    expect(ChromiumFontsLayer.fingerprint(PATHS.chromiumPackage, fonts, ['仿宋_GB2312.ttf'])).not.toBe(ChromiumFontsLayer.fingerprint(PATHS.chromiumPackage, empty, []));

    // Uncompressed layout: in the font pack, under licensed/ of the folder it unpacks into.
    expect(layer.layout).toBe('uncompressed');
    const out = tempDir('layer-out-');
    ChromiumFontsLayer.assemble(out, PATHS.chromiumPackage, fonts, layer.licensedFonts, 'uncompressed');
    const packed = join(tempDir('layer-pack-'), 'x');
    mkdirSync(packed);
    execFileSync('tar', ['-x', '-z', '-f', join(out, 'fonts', 'fonts.tar.gz'), '-C', packed]);
    expect(readFileSync(join(packed, 'licensed', '仿宋_GB2312.ttf'))).toEqual(Buffer.alloc(1024, 1));
    expect(readdirSync(packed).filter((name) => name.endsWith('.ttf'))).toHaveLength(5);
    expect(readFileSync(join(out, 'fonts', 'fonts.conf'), 'utf8')).toContain('<dir>/tmp/pdf-export-fonts/licensed</dir>');
    // Compact layout: files in /opt/fonts/licensed.
    const compact = tempDir('layer-out-compact-');
    ChromiumFontsLayer.assemble(compact, PATHS.chromiumPackage, fonts, layer.licensedFonts, 'compact');
    expect(readFileSync(join(compact, 'fonts', 'licensed', '仿宋_GB2312.ttf'))).toEqual(Buffer.alloc(1024, 1));
    expect(existsSync(join(compact, 'fonts', 'licensed', 'README.md'))).toBe(false);
    expect(readFileSync(join(compact, 'fonts', 'fonts.conf'), 'utf8')).toContain('<dir>/opt/fonts/licensed</dir>');
    // The coverage ships beside fonts.conf and counted the licensed folder as it is here: this
    // "font" is none, so it adds nothing to what the stand-ins print in every stack.
    const coverage = JSON.parse(readFileSync(join(out, 'fonts', 'glyph-coverage.json'), 'utf8')) as { codePoints: number; licensed: unknown[]; stacks: unknown[] };
    expect(coverage.licensed).toEqual([{ file: '仿宋_GB2312.ttf', families: [], codePoints: 0 }]);
    expect(coverage.stacks).toHaveLength(5);
    expect(coverage.codePoints).toBeGreaterThan(20_000);
    expect(JSON.stringify(coverage)).not.toContain(fonts);
    const pkg = JSON.parse(readFileSync(join(out, 'nodejs', 'node_modules', '@sparticuz', 'chromium', 'package.json'), 'utf8')) as { version: string };
    expect(pkg.version).toBe('147.0.0');
  });

  it('falls back to the compact layout when licensed fonts would take the uncompressed one past Lambda\'s size limit', () => {
    const defaults = ChromiumFontsLayer.uncompressedBytes(PATHS.chromiumPackage, tempDir('no-fonts-'), []);
    expect(defaults + FUNCTION_CODE_RESERVE_BYTES).toBeLessThanOrEqual(LAMBDA_UNZIPPED_LIMIT_BYTES);
    // Incompressible "fonts" just big enough to leave less than the reserve for the function.
    const fonts = tempDir('big-licensed-fonts-');
    writeFileSync(join(fonts, '黑体.ttf'), randomBytes(LAMBDA_UNZIPPED_LIMIT_BYTES - FUNCTION_CODE_RESERVE_BYTES - defaults + 1_000_000));
    const layer = new ChromiumFontsLayer(cheapStack(), 'Layer', { licensedFontsDir: fonts });
    expect(layer.layout).toBe('compact');
    expect(layer.environment).toEqual({ CHROMIUM_PACK_DIR: '/opt/chromium', FONTCONFIG_FILE: '/opt/fonts/fonts.conf' });
    expect(() => new ChromiumFontsLayer(cheapStack(), 'Layer', { licensedFontsDir: fonts, layout: 'uncompressed' })).toThrow(/uncompressed layout would take .* MB.*use layout 'compact'/);
  }, 120_000);

  it('rebuilds when a template’s font stack changes, not when the rest of its stylesheet does', () => {
    const templates = tempDir('layer-templates-');
    const css = join(templates, 'report', 'style.css');
    mkdirSync(join(templates, 'report'));
    const write = (text: string): string => {
      writeFileSync(css, text);
      return ChromiumFontsLayer.fingerprint(PATHS.chromiumPackage, PATHS.licensedFonts, [], templates);
    };
    const before = write(':root { --font-body: "仿宋_GB2312", "Noto Serif SC", "Noto Serif SC Extended"; }\np { font-family: var(--font-body); margin: 0; }\n');
    expect(write(':root { --font-body: "仿宋_GB2312", "Noto Serif SC", "Noto Serif SC Extended"; }\np { font-family: var(--font-body); margin: 1em; }\n')).toBe(before);
    expect(write(':root { --font-body: "仿宋_GB2312", "Noto Sans SC", "Noto Sans SC Extended"; }\np { font-family: var(--font-body); margin: 1em; }\n')).not.toBe(before);
  });
});

describe('ReportBucket', () => {
  it('takes its expiry periods and removal policy from props', () => {
    const stack = cheapStack();
    new ReportBucket(stack, 'Storage', { reportExpiration: Duration.days(7), batchExpiration: Duration.days(3), removalPolicy: RemovalPolicy.DESTROY });
    const template = Template.fromStack(stack);
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Delete',
      Properties: {
        LifecycleConfiguration: {
          Rules: [
            { Id: 'expire-reports', Prefix: 'reports/', ExpirationInDays: 7, Status: 'Enabled' },
            { Id: 'expire-batches', Prefix: 'batches/', ExpirationInDays: 3, Status: 'Enabled' },
            { Id: 'abort-incomplete-uploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
          ],
        },
      },
    });
  });
});

describe('BatchWorkflow', () => {
  const build = (props: Partial<ConstructorParameters<typeof BatchWorkflow>[2]> = {}): Stack => {
    const stack = cheapStack();
    new BatchWorkflow(stack, 'Batch', {
      bucket: s3.Bucket.fromBucketName(stack, 'Bucket', 'bucket'),
      renderGroupFunction: dummyFunction(stack, 'Render'),
      finalizeFunction: dummyFunction(stack, 'Finalize'),
      ...props,
    });
    return stack;
  };

  it('renders MaxConcurrency, ItemBatcher size and ToleratedFailurePercentage from props', () => {
    const machine = Object.values(Template.fromStack(build({ maxConcurrency: 7, itemsPerGroup: 3, toleratedFailurePercentage: 5 })).findResources('AWS::StepFunctions::StateMachine'))[0];
    const asl = JSON.stringify(machine.Properties.DefinitionString);
    expect(asl).toContain('\\"MaxConcurrency\\":7');
    expect(asl).toContain('\\"MaxItemsPerBatch\\":3');
    expect(asl).toContain('\\"ToleratedFailurePercentage\\":5');
  });

  it('refuses impossible settings', () => {
    expect(() => build({ maxConcurrency: 0 })).toThrow(/maxConcurrency/);
    expect(() => build({ itemsPerGroup: 0 })).toThrow(/itemsPerGroup/);
    expect(() => build({ toleratedFailurePercentage: 101 })).toThrow(/toleratedFailurePercentage/);
  });

  it('silently loses the ResultWriter without the feature flag (why cdk.json sets it)', () => {
    const app = new App({ outdir: tempDir('pdf-export-cdk-noflag-'), builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'NoFlag');
    new BatchWorkflow(stack, 'Batch', {
      bucket: s3.Bucket.fromBucketName(stack, 'Bucket', 'bucket'),
      renderGroupFunction: dummyFunction(stack, 'Render'),
      finalizeFunction: dummyFunction(stack, 'Finalize'),
    });
    const machine = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'))[0];
    expect(JSON.stringify(machine.Properties.DefinitionString)).not.toContain('ResultWriter');
  });
});

describe('batch layout', () => {
  it('names batches and their objects, refusing anything that could escape the prefix', () => {
    const id = newBatchId(new Date('2026-11-28T13:45:02.123Z'), Buffer.from('3f9a1c2e77', 'hex'));
    expect(id).toBe('20261128T134502Z-3f9a1c2e');
    expect(BATCH_ID_PATTERN.test(id)).toBe(true);
    const batch = { template: 'county-annual-report', batchId: id };
    expect(itemsKey(batch, 'csv')).toBe(`batches/county-annual-report/${id}/input/items.csv`);
    expect(resultsPrefix(batch)).toBe(`batches/county-annual-report/${id}/results`);
    expect(manifestKey(batch)).toBe(`batches/county-annual-report/${id}/manifest.json`);
    expect(zipKey(batch)).toBe(`batches/county-annual-report/${id}/reports.zip`);
    for (const bad of ['../x', 'a/b', '', 'x'.repeat(81), 'a.b', '-a']) expect(isBatchId(bad)).toBe(false);
    expect(() => manifestKey({ template: '../reports', batchId: 'x' })).toThrow(RangeError);
  });
});

describe('ResultWriter output → manifest items', () => {
  const ok = (id: string, extra: Record<string, unknown> = {}) => ({ id, status: 'ok', key: `batches/t/b/${id}.pdf`, bytes: 10, pages: 2, sha256: 'a'.repeat(64), ms: 5, attempts: 1, error: null, ...extra });

  it('reads manifests and result files in JSON and JSON Lines form', () => {
    const manifest = parseResultWriterManifest(
      JSON.stringify({ DestinationBucket: 'b', MapRunArn: 'arn', ResultFiles: { FAILED: [], PENDING: [], SUCCEEDED: [{ Key: 'p/1/SUCCEEDED_0.json', Size: 9 }] } }),
    );
    expect(manifest.ResultFiles.SUCCEEDED).toEqual([{ Key: 'p/1/SUCCEEDED_0.json', Size: 9 }]);
    expect(() => parseResultWriterManifest('{"x":1}')).toThrow(/ResultFiles/);
    const entry = { Status: 'SUCCEEDED', Input: '{}', Output: JSON.stringify({ items: [ok('a')] }) };
    expect(parseResultFile(JSON.stringify([entry, entry]))).toHaveLength(2);
    expect(parseResultFile(`${JSON.stringify(entry)}\n${JSON.stringify(entry)}\n`)).toHaveLength(2);
    expect(parseResultFile('')).toEqual([]);
  });

  it('maps the item-batch result, not-done items, unreadable output and failed groups', () => {
    const answered = itemsOfChildExecution({
      Status: 'SUCCEEDED',
      Output: JSON.stringify({
        items: [ok('a'), ok('b', { status: 'skipped' }), { id: 'c', status: 'not_done', key: null, ms: 0, attempts: 0, error: null }, { id: 'd', status: 'failed', key: null, error: { code: 'VALIDATION_FAILED', message: 'bad', details: [{ path: '/x', message: 'y' }] } }],
      }),
    });
    expect(answered.map((i) => [i.id, i.status, i.error?.code ?? null])).toEqual([
      ['a', 'ok', null],
      ['b', 'skipped', null],
      ['c', 'failed', 'NOT_DONE'],
      ['d', 'failed', 'VALIDATION_FAILED'],
    ]);
    expect(answered[3].error?.details).toEqual([{ path: '/x', message: 'y' }]);
    // Transformation COMPACT writes Output as an object.
    expect(itemsOfChildExecution({ Output: { items: [ok('e')] } as never })[0]).toMatchObject({ id: 'e', status: 'ok' });

    const input = JSON.stringify({ BatchInput: { template: 't', batchId: 'b' }, Items: [{ id: 'f' }, { id: 7 }, { nope: true }] });
    const unreadable = itemsOfChildExecution({ Status: 'SUCCEEDED', Input: input, Output: '"oops"' });
    expect(unreadable.map((i) => i.error?.code)).toEqual(['BATCH_OUTPUT_UNREADABLE', 'BATCH_OUTPUT_UNREADABLE', 'BATCH_OUTPUT_UNREADABLE']);
    const failed = itemsOfChildExecution({ Status: 'FAILED', Input: input, Error: 'Runtime.ExitError', Cause: JSON.stringify({ errorMessage: 'signal: killed' }) });
    expect(failed.map((i) => i.id)).toEqual(['f', '7', 'item 3 of a failed group']);
    expect(failed[0].error).toEqual({ code: 'Runtime.ExitError', message: expect.stringContaining('signal: killed'), details: [] });
  });

  it('puts items in file order, keeps the better of two reports, names ZIP entries uniquely and marks the unreached', () => {
    const item = (id: string, status: RemoteManifestItem['status'], key: string | null = `k/${id}`): RemoteManifestItem => ({
      id, status, file: null, key, bytes: 1, pages: 1, sha256: null, ms: 1, attempts: 1, error: status === 'failed' ? { code: 'X', message: 'x', details: [] } : null,
    });
    const assembled = assembleItems([item('b', 'ok'), item('A', 'ok'), item('a', 'failed', null), item('a', 'ok'), item('extra', 'skipped')], ['a', 'A', 'b', 'never'], 'stopped early');
    expect(assembled.map((i) => [i.id, i.status, i.file])).toEqual([
      ['a', 'ok', 'a.pdf'],
      ['A', 'ok', 'A-2.pdf'],
      ['b', 'ok', 'b.pdf'],
      ['never', 'failed', null],
      ['extra', 'skipped', 'extra.pdf'],
    ]);
    expect(assembled[3].error).toEqual({ code: 'NOT_RUN', message: 'stopped early', details: [] });
  });

  it('reads item ids the way the ItemReader reads the file', () => {
    expect(idsInFileOrder('{"id":"甲县","data":{}}\n\nnot json\n{"id":42}\n{"data":{}}\n', 'jsonl')).toEqual(['甲县', '42']);
    expect(idsInFileOrder('\uFEFFname,id\n"x, y","乙县"\nz,\n', 'csv')).toEqual(['乙县']);
    expect(idsInFileOrder('no,ids\n1,2\n', 'csv')).toEqual([]);
  });
});

describe('StepFunctionsClient', () => {
  it('signs JSON-protocol calls and turns error bodies into typed errors', async () => {
    // A loopback stand-in for Step Functions that records the request and answers an error.
    const seen: { url: string; headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: 'com.amazonaws.swf.service.v2.model#ExecutionDoesNotExist', message: 'Execution Does Not Exist' }));
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const client = new StepFunctionsClient({
      region: 'eu-central-1',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: async () => ({ accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'token' }),
    });
    try {
      const arn = executionArnOf('arn:aws:states:eu-central-1:123456789012:stateMachine:Batch', 'b-1');
      expect(arn).toBe('arn:aws:states:eu-central-1:123456789012:execution:Batch:b-1');
      const error = await client.describeExecution(arn).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StepFunctionsError);
      expect(error).toMatchObject({ type: 'ExecutionDoesNotExist', statusCode: 400 });
      expect(seen[0].headers).toMatchObject({ 'x-amz-target': 'AWSStepFunctions.DescribeExecution', 'content-type': 'application/x-amz-json-1.0', 'x-amz-security-token': 'token' });
      expect(seen[0].headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/eu-central-1\/states\/aws4_request, SignedHeaders=.*x-amz-target.*, Signature=[0-9a-f]{64}$/);
      expect(JSON.parse(seen[0].body)).toEqual({ executionArn: arn });
      expect(() => executionArnOf('arn:aws:lambda:eu-central-1:1:function:x', 'y')).toThrow(RangeError);
    } finally {
      client.destroy();
      await new Promise<void>((ok) => server.close(() => ok()));
    }
  });
});
