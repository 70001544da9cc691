/**
 * The synthesized PdfExportStack, checked property by property: one synth for the whole file
 * (bundling four functions and the 130 MB layer is the slow part), offline, no credentials,
 * CloudFormation's built-in validation off, into a temp outdir deleted afterwards. The app is
 * built as `npx cdk synth` builds it (infra/lib/createApp.ts), with the variables the CLI sets.
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Token, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import aslValidator from 'asl-validator';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { createApp } from '../../infra/lib/createApp';
import { DEFAULT_API_RESERVED_CONCURRENCY, type PdfExportStack } from '../../infra/lib/PdfExportStack';
import { PATHS } from '../../infra/lib/projectPaths';
import { RESULT_WRITER_V2_FLAG, TRANSIENT_S3_ERRORS } from '../../infra/lib/constructs/BatchWorkflow';
import { FUNCTION_CODE_RESERVE_BYTES, LAMBDA_UNZIPPED_LIMIT_BYTES } from '../../infra/lib/constructs/ChromiumFontsLayer';
import { specOf } from '../../lambda/src/config/configTable';
import { loadConfig } from '../../lambda/src/config/loadConfig';
import { startLocalS3 } from '../../lambda/src/storage/startLocalS3';
import { resultsPrefix } from '../../lambda/src/core/storageLayout';
import { pdfFonts } from '../helpers/pdfTools';
import { projectTemplates } from '../helpers/app';
import { startFakeS3, type FakeS3Answer } from './helpers/fakeS3';

const root = resolve(__dirname, '..', '..');
/** What the CDK CLI puts in the environment of every app it runs (CDK_DEFAULT_REGION is us-east-1 when none is configured). */
const CLI_ENVIRONMENT = { CDK_DEFAULT_ACCOUNT: '123456789012', CDK_DEFAULT_REGION: 'us-east-1' };
/** Error names Step Functions and Lambda define themselves; any other name in a Retry or Catch rule must be one the function throws. */
const AWS_ERROR_NAME = /^(States|Lambda|Sandbox|Runtime)\./;
type Resource = { Type: string; Properties: Record<string, any>; Metadata?: Record<string, unknown> };

/** Fn::Join of strings and intrinsics → one string with `<Ref>` / `<Logical.Attr>` placeholders. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, any>;
  if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(flatten).join(v['Fn::Join'][0]);
  if (v.Ref) return `<${v.Ref}>`;
  if (v['Fn::GetAtt']) return `<${v['Fn::GetAtt'].join('.')}>`;
  return JSON.stringify(value);
}

/**
 * The definition as Step Functions would receive it: Fn::Join flattened, pseudo parameters and
 * references replaced by plausible values (a bucket name, Lambda function ARNs).
 */
function deployedDefinition(definitionString: unknown, resources: Record<string, Resource>): Record<string, any> {
  const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': 'eu-central-1', 'AWS::AccountId': '111122223333', 'AWS::URLSuffix': 'amazonaws.com' };
  const resolveValue = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const v = value as Record<string, any>;
    if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(resolveValue).join(v['Fn::Join'][0]);
    if (typeof v.Ref === 'string' && pseudo[v.Ref]) return pseudo[v.Ref];
    if (typeof v.Ref === 'string' && resources[v.Ref]?.Type === 'AWS::S3::Bucket') return `pdfexport-${v.Ref.toLowerCase()}`.slice(0, 63);
    if (Array.isArray(v['Fn::GetAtt']) && v['Fn::GetAtt'][1] === 'Arn' && resources[v['Fn::GetAtt'][0]]?.Type === 'AWS::Lambda::Function') {
      return `arn:aws:lambda:eu-central-1:111122223333:function:${v['Fn::GetAtt'][0]}`;
    }
    throw new Error(`unexpected intrinsic in the definition: ${JSON.stringify(value)}`);
  };
  return JSON.parse(resolveValue(definitionString)) as Record<string, any>;
}

/** Every Task of a definition, nested ones included, with the names its Retry and Catch rules match. */
function tasksOf(states: Record<string, any>): { name: string; resource: string; errorNames: string[] }[] {
  return Object.entries(states).flatMap(([name, state]) => [
    ...(state.Type === 'Task'
      ? [{ name, resource: String(state.Resource), errorNames: [...(state.Retry ?? []), ...(state.Catch ?? [])].flatMap((rule: { ErrorEquals: string[] }) => rule.ErrorEquals) }]
      : []),
    ...[state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])].filter(Boolean).flatMap((machine: { States: Record<string, any> }) => tasksOf(machine.States)),
  ]);
}

interface ProbeReport {
  resolved?: unknown;
  rejected?: { name?: string; code?: string; message: string; stack: string; isError: boolean };
  classes?: Record<string, { name?: string; code?: string; isError?: boolean; constructionFailed?: string }[]>;
}

/** Loads a function's built bundle in a fresh `node` (helpers/probeBundle.cjs) with exactly `env`. */
function probeBundle(dir: string, env: Record<string, string>): Promise<ProbeReport> {
  return new Promise((ok, fail) =>
    execFile(process.execPath, [join(__dirname, 'helpers', 'probeBundle.cjs')], { cwd: dir, env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, out, err) =>
      error ? fail(new Error(`${error.message}\n${err}`)) : ok(JSON.parse(out.split('@@PROBE@@')[1]) as ProbeReport),
    ),
  );
}

describe('PdfExportStack (synthesized)', () => {
  let outdir: string;
  let stack: PdfExportStack;
  let template: Template;
  let resources: Record<string, Resource>;
  let synthMs: number;

  const ofType = (type: string): [string, Resource][] => Object.entries(resources).filter(([, r]) => r.Type === type);
  const logicalId = (construct: IConstruct): string => stack.getLogicalId(construct.node.defaultChild as never);
  const fn = (name: 'httpFunction' | 'batchGroupFunction' | 'finalizeFunction' | 'batchApiFunction'): Resource =>
    resources[logicalId(stack[name].function)];
  const assetDir = (resource: Resource, codeKey: 'Code' | 'Content'): string =>
    join(outdir, `asset.${String(resource.Properties[codeKey].S3Key).replace(/\.zip$/, '')}`);

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'pdf-export-cdk-'));
    const started = Date.now();
    // As `npx cdk synth` runs the app: the CLI's CDK_DEFAULT_* set, nothing pinned. cdk-nag runs below.
    ({ stack } = createApp({
      environment: CLI_ENVIRONMENT,
      appProps: { outdir, builtinCloudFormationValidation: false, context: { [RESULT_WRITER_V2_FLAG]: true, 'pdf-export:stackName': 'PdfExportTest', 'pdf-export:nag': 'false' } },
    }));
    template = Template.fromStack(stack);
    synthMs = Date.now() - started;
    resources = template.toJSON().Resources as Record<string, Resource>;
  });
  afterAll(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  it('synthesizes offline in reasonable time', () => {
    expect(synthMs).toBeLessThan(120_000);
    expect(existsSync(join(outdir, 'PdfExportTest.template.json'))).toBe(true);
  });

  it('is environment-agnostic although the CLI set CDK_DEFAULT_REGION and CDK_DEFAULT_ACCOUNT', () => {
    expect(Token.isUnresolved(stack.region)).toBe(true);
    expect(Token.isUnresolved(stack.account)).toBe(true);
    const text = readFileSync(join(outdir, 'PdfExportTest.template.json'), 'utf8');
    // Asset bucket, IAM and Lambda permission ARNs, ApiUrl: all through AWS::Region / AWS::AccountId.
    expect(text).not.toContain(CLI_ENVIRONMENT.CDK_DEFAULT_REGION);
    expect(text).not.toContain(CLI_ENVIRONMENT.CDK_DEFAULT_ACCOUNT);
    expect(text.match(/\b(us|eu|ap|sa|ca|me|af|il|mx)(-gov)?-(north|south|east|west|central|northeast|southeast|northwest|southwest)-\d\b/g) ?? []).toEqual([]);
    expect(JSON.stringify(template.toJSON())).toContain('{"Ref":"AWS::Region"}');
  });

  describe('bucket', () => {
    it('blocks public access, encrypts, disables ACLs and logs access', () => {
      const buckets = ofType('AWS::S3::Bucket');
      expect(buckets).toHaveLength(2);
      for (const [, bucket] of buckets) {
        expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        });
        expect(bucket.Properties.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
        expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
        expect(bucket.Properties.AccessControl).toBeUndefined();
        expect(bucket).toMatchObject({ DeletionPolicy: 'Retain' });
      }
      const main = resources[logicalId(stack.reportBucket.bucket)];
      expect(main.Properties.LoggingConfiguration).toEqual({
        DestinationBucketName: { Ref: logicalId(stack.reportBucket.accessLogsBucket) },
        LogFilePrefix: 'reports-bucket/',
      });
    });

    it('expires reports after 30 days and batches after their own period, and aborts stale uploads', () => {
      const rules = resources[logicalId(stack.reportBucket.bucket)].Properties.LifecycleConfiguration.Rules as Record<string, unknown>[];
      expect(rules).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Id: 'expire-reports', Prefix: 'reports/', ExpirationInDays: 30, Status: 'Enabled' }),
          expect.objectContaining({ Id: 'expire-batches', Prefix: 'batches/', ExpirationInDays: 30, Status: 'Enabled' }),
          expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }),
        ]),
      );
    });

    it('denies every request not made over TLS 1.2+', () => {
      const policies = ofType('AWS::S3::BucketPolicy');
      expect(policies).toHaveLength(2);
      for (const [, policy] of policies) {
        const statements = policy.Properties.PolicyDocument.Statement as Record<string, any>[];
        expect(statements).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
          ]),
        );
        // Nothing is ever granted to everyone.
        for (const s of statements.filter((s) => s.Effect === 'Allow')) expect(s.Principal).not.toEqual({ AWS: '*' });
      }
    });
  });

  describe('layer and functions', () => {
    it('ships Chromium, its JS package and the fonts in one x86_64 layer', () => {
      const layers = ofType('AWS::Lambda::LayerVersion');
      expect(layers).toHaveLength(1);
      const [, layer] = layers[0];
      expect(layer.Properties.CompatibleArchitectures).toEqual(['x86_64']);
      expect(layer.Properties.CompatibleRuntimes).toContain('nodejs22.x');
      const dir = assetDir(layer, 'Content');
      // The uncompressed layout (the default, it fits): the binary ready to run (nothing to unpack
      // at a cold start), Amazon Linux's libraries in /opt/lib; not the package's fonts nor
      // SwiftShader, which a GPU-less printer with its own fonts never uses.
      expect(readdirSync(join(dir, 'chromium'))).toEqual(['chromium']);
      const binary = join(dir, 'chromium', 'chromium');
      expect(readFileSync(binary).subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46])); // an ELF executable
      expect(statSync(binary).size).toBeGreaterThan(150_000_000);
      expect(statSync(binary).mode & 0o111).toBe(0o111);
      expect(readdirSync(join(dir, 'lib'))).toEqual(expect.arrayContaining(['libnss3.so', 'libnspr4.so', 'libexpat.so.1']));
      // The fonts as two packs: the core halves (and licensed/), unpacked into /tmp/pdf-export-fonts
      // before Chromium first starts, and the Extended halves, unpacked into
      // /tmp/pdf-export-fonts-extended when a report first needs one.
      const faces = ['LXGWWenKai-Regular', 'NotoSansSC-Bold', 'NotoSansSC-Regular', 'NotoSerifSC-Bold', 'NotoSerifSC-Regular'];
      const listPack = (pack: string): string[] => execFileSync('tar', ['-t', '-z', '-f', join(dir, 'fonts', pack)], { encoding: 'utf8' }).trim().split('\n').map((p) => p.replace(/^\.\//, '')).sort();
      expect(listPack('fonts.tar.gz')).toEqual(['licensed/', ...faces.map((f) => `${f}.ttf`)].sort());
      expect(listPack('fonts-extended.tar.gz')).toEqual(faces.map((f) => `${f}-Extended.ttf`).sort());
      expect(readdirSync(join(dir, 'fonts')).sort()).toEqual(['fontconfig-cache', 'fonts-extended.tar.gz', 'fonts.conf', 'fonts.tar.gz', 'glyph-coverage.json']);
      const conf = readFileSync(join(dir, 'fonts', 'fonts.conf'), 'utf8');
      // The extended halves are renamed by path, so the paths must be where their pack unpacks.
      expect(conf).toMatch(/<string>\/tmp\/pdf-export-fonts-extended\/NotoSerifSC-Regular-Extended\.ttf<\/string><\/test>\s*<edit name="family" mode="assign_replace"><string>Noto Serif SC Extended<\/string>/);
      expect(conf).toContain('<dir>/tmp/pdf-export-fonts</dir>');
      expect(conf).toContain('<dir>/tmp/pdf-export-fonts-extended</dir>');
      expect(conf).toContain('<dir>/tmp/pdf-export-fonts/licensed</dir>');
      // fontconfig's cache of those folders, made at synth (read-only), then a writable one.
      expect(conf).toMatch(/<cachedir>\/opt\/fonts\/fontconfig-cache<\/cachedir>\s*<cachedir>\/tmp\/fontconfig-cache<\/cachedir>/);
      expect(readdirSync(join(dir, 'fonts', 'fontconfig-cache'))).toHaveLength(3);
      expect(conf).not.toContain(root);
      // Within Lambda's limit for code and layers, with room for the function.
      expect(Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0])).toBeLessThan(LAMBDA_UNZIPPED_LIMIT_BYTES - FUNCTION_CODE_RESERVE_BYTES);
      // `require('@sparticuz/chromium')` resolves in the layer (Node adds /opt/nodejs/node_modules).
      const pkgDir = join(dir, 'nodejs', 'node_modules', '@sparticuz', 'chromium');
      const chromium = require(pkgDir) as { executablePath: unknown; args: string[] };
      expect(typeof chromium.executablePath).toBe('function');
      expect(chromium.args).toContain('--headless=\'shell\'');
    });

    it('runs every function on nodejs22.x/x86_64 with JSON logs into a log group with retention', () => {
      const functions = ofType('AWS::Lambda::Function');
      expect(functions).toHaveLength(4);
      const logGroups = new Map(ofType('AWS::Logs::LogGroup'));
      for (const [, f] of functions) {
        expect(f.Properties.Runtime).toBe('nodejs22.x');
        expect(f.Properties.Architectures).toEqual(['x86_64']);
        expect(f.Properties.LoggingConfig).toMatchObject({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO' });
        const group = logGroups.get(f.Properties.LoggingConfig.LogGroup.Ref);
        expect(group?.Properties.RetentionInDays).toBe(30);
      }
      for (const [, group] of logGroups) expect(group.Properties.RetentionInDays).toBeGreaterThan(0);
    });

    it('sizes the render functions for Chromium and wires its environment', () => {
      const layerRef = { Ref: ofType('AWS::Lambda::LayerVersion')[0][0] };
      for (const name of ['httpFunction', 'batchGroupFunction'] as const) {
        const f = fn(name).Properties;
        expect(f.MemorySize).toBeGreaterThanOrEqual(1536);
        expect(f.EphemeralStorage.Size).toBeGreaterThanOrEqual(1024);
        expect(f.Layers).toEqual([layerRef]);
        const env = f.Environment.Variables;
        expect(env).toMatchObject({
          CHROMIUM_PATH: '/opt/chromium/chromium',
          FONTS_PACK: '/opt/fonts/fonts.tar.gz',
          FONTS_EXTENDED_PACK: '/opt/fonts/fonts-extended.tar.gz',
          FONTCONFIG_FILE: '/opt/fonts/fonts.conf',
          TEMPLATES_DIR: '/var/task/templates',
          RENDER_TIMEOUT_MS: '20000',
          REPORTS_BUCKET: { Ref: logicalId(stack.reportBucket.bucket) },
        });
        // Timeout above the render timeout plus Chromium's cold start.
        expect(f.Timeout * 1000).toBeGreaterThan(Number(env.RENDER_TIMEOUT_MS) + 5000);
      }
      expect(fn('httpFunction').Properties.Timeout).toBeLessThanOrEqual(30);
      expect(fn('httpFunction').Properties.Environment.Variables).toMatchObject({ LINK_EXPIRY_SECONDS: '3600', MAX_CONCURRENT_RENDERS: '1' });
      expect(fn('batchApiFunction').Properties.Environment.Variables).toMatchObject({
        BATCH_STATE_MACHINE_ARN: { Ref: logicalId(stack.batch.stateMachine) },
        TEMPLATES_DIR: '/var/task/templates',
      });
      for (const name of ['finalizeFunction', 'batchApiFunction'] as const) expect(fn(name).Properties.Layers).toBeUndefined();
    });

    it('sets only variables of the configuration table, each to a value the functions accept', () => {
      for (const [id, f] of ofType('AWS::Lambda::Function')) {
        const variables = f.Properties.Environment.Variables as Record<string, unknown>;
        // Every name must be one the service reads (so no NODE_OPTIONS: see the source maps test).
        const unknown = Object.keys(variables).filter((name) => specOf(name) === undefined);
        expect({ id, unknown }).toEqual({ id, unknown: [] });
        // Literal values (not references resolved at deploy time) pass the service's own checks.
        const literals = Object.fromEntries(Object.entries(variables).filter(([, value]) => typeof value === 'string')) as Record<string, string>;
        expect(() => loadConfig(literals)).not.toThrow();
      }
    });

    it('bundles the handlers with templates/ and leaves @sparticuz/chromium to the layer', () => {
      const http = assetDir(fn('httpFunction'), 'Code');
      // Every template folder, whole: a new one ships with no change to the stack.
      const folders = readdirSync(PATHS.templates, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
      expect(folders.length).toBeGreaterThanOrEqual(3);
      for (const id of folders) {
        for (const file of ['template.html', 'style.css', 'schema.json', 'view.json']) {
          expect({ id, file, bundled: existsSync(join(http, 'templates', id, file)) }).toEqual({ id, file, bundled: true });
        }
      }
      const code = readFileSync(join(http, 'index.js'), 'utf8');
      expect(code).toMatch(/require\("@sparticuz\/chromium"\)/);
      // @sparticuz/chromium's own code and brotli files are not inlined (the service's unpack code may name chromium.br).
      expect(code).not.toMatch(/AWS_LAMBDA_JS_RUNTIME|give your browser a new look/);
      expect(code.length).toBeLessThan(10 * 2 ** 20);
      expect(existsSync(join(assetDir(fn('batchGroupFunction'), 'Code'), 'templates', 'county-annual-report', 'template.html'))).toBe(true);
      expect(existsSync(join(assetDir(fn('finalizeFunction'), 'Code'), 'templates'))).toBe(false);
    });

    it('leaves what only printing needs out of the functions that print nothing, which still load', async () => {
      for (const name of ['finalizeFunction', 'batchApiFunction'] as const) {
        const dir = assetDir(fn(name), 'Code');
        const code = readFileSync(join(dir, 'index.js'), 'utf8');
        expect(code).toMatch(/require\("puppeteer-core"\)/);
        expect(code).not.toMatch(/Target\.setAutoAttach|Helvetica-BoldOblique/); // puppeteer's and pdf-lib's own code
        // In a folder with no node_modules above it: a printing package required at load would throw.
        const loaded = await new Promise<string>((resolve, reject) =>
          execFile(process.execPath, ['-e', "console.log(typeof require('./index.js').handler)"], { cwd: dir, env: { PATH: process.env.PATH } }, (error, out, err) =>
            error ? reject(new Error(`${name}: ${err}`)) : resolve(out.trim()),
          ),
        );
        expect(loaded).toBe('function');
      }
    });

    it('reserves concurrency for the API function only, so a batch cannot take the whole pool', () => {
      expect(DEFAULT_API_RESERVED_CONCURRENCY).toBeGreaterThanOrEqual(1);
      expect(fn('httpFunction').Properties.ReservedConcurrentExecutions).toBe(DEFAULT_API_RESERVED_CONCURRENCY);
      // The batch is bounded by the Distributed Map's MaxConcurrency instead; the others are small.
      for (const name of ['batchGroupFunction', 'finalizeFunction', 'batchApiFunction'] as const) {
        expect({ name, reserved: fn(name).Properties.ReservedConcurrentExecutions }).toEqual({ name, reserved: undefined });
      }
    });

    it('ships each bundle with its source map, without sources, and never loads it (no --enable-source-maps)', () => {
      for (const name of ['httpFunction', 'batchGroupFunction', 'finalizeFunction', 'batchApiFunction'] as const) {
        expect({ name, NODE_OPTIONS: fn(name).Properties.Environment.Variables.NODE_OPTIONS }).toEqual({ name, NODE_OPTIONS: undefined });
        const dir = assetDir(fn(name), 'Code');
        expect(readFileSync(join(dir, 'index.js'), 'utf8').trimEnd().endsWith('//# sourceMappingURL=index.js.map')).toBe(true);
        const map = JSON.parse(readFileSync(join(dir, 'index.js.map'), 'utf8')) as { sources: string[]; sourcesContent?: unknown; mappings: string };
        expect({ name, sourcesContent: map.sourcesContent }).toEqual({ name, sourcesContent: undefined });
        expect(map.sources.some((source) => /lambda\/src\/entrypoints\/\w+\.ts$/.test(source))).toBe(true);
        expect(map.mappings.length).toBeGreaterThan(100_000);
      }
    });

    it('the bundled HTTP handler prints a report with the layer\'s Chromium and fonts (Lambda layout simulated)', async () => {
      const layerDir = assetDir(ofType('AWS::Lambda::LayerVersion')[0][1], 'Content');
      const taskDir = assetDir(fn('httpFunction'), 'Code');
      const work = mkdtempSync(join(tmpdir(), 'pdf-export-lambda-'));
      const s3 = await startLocalS3({ directory: join(work, 's3'), port: 0, bucket: 'smoke' });
      try {
        // Its own /tmp, as each Lambda container has: the layer's font pack unpacks there.
        mkdirSync(join(work, 'tmp'));
        // The layer's fonts.conf names /tmp/pdf-export-fonts and /opt/fonts/fontconfig-cache; here
        // the pack unpacks into this test's temp folder and the cache is found where the asset is.
        const conf = readFileSync(join(layerDir, 'fonts', 'fonts.conf'), 'utf8')
          .replace(/\/tmp\/pdf-export-fonts/g, join(work, 'tmp', 'pdf-export-fonts')) // and -extended
          .replace(/\/opt\/fonts/g, join(layerDir, 'fonts'))
          .replace('/tmp/fontconfig-cache', join(work, 'fc-cache'));
        writeFileSync(join(work, 'fonts.conf'), conf);
        copyFileSync(join(layerDir, 'fonts', 'glyph-coverage.json'), join(work, 'glyph-coverage.json'));
        const variables = fn('httpFunction').Properties.Environment.Variables as Record<string, unknown>;
        const env: Record<string, string> = {
          PATH: process.env.PATH ?? '',
          HOME: work,
          TMPDIR: join(work, 'tmp'),
          ...Object.fromEntries(Object.entries(variables).filter(([, v]) => typeof v === 'string')),
          NODE_PATH: join(layerDir, 'nodejs', 'node_modules'),
          CHROMIUM_PATH: join(layerDir, 'chromium', 'chromium'),
          FONTS_PACK: join(layerDir, 'fonts', 'fonts.tar.gz'),
          FONTS_EXTENDED_PACK: join(layerDir, 'fonts', 'fonts-extended.tar.gz'),
          FONTCONFIG_FILE: join(work, 'fonts.conf'),
          TEMPLATES_DIR: join(taskDir, 'templates'),
          REPORTS_BUCKET: 'smoke',
          S3_ENDPOINT: s3.endpoint,
          S3_FORCE_PATH_STYLE: 'true',
          S3_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
          POWERTOOLS_LOG_LEVEL: 'ERROR',
          EVENT: JSON.stringify({
            version: '2.0',
            rawPath: '/reports',
            headers: { 'content-type': 'application/json' },
            requestContext: { http: { method: 'POST', path: '/reports' }, requestId: 'smoke', stage: '$default' },
            body: JSON.stringify({ template: 'county-annual-report', data: projectTemplates().get('county-annual-report').sampleData.qinglan }),
            isBase64Encoded: false,
          }),
        };
        const script =
          "require('./index.js').handler(JSON.parse(process.env.EVENT)).then(" +
          "(r) => { process.stdout.write('\\n@@RESULT@@' + JSON.stringify(r)); process.exit(0); }, (e) => { console.error(e); process.exit(1); })";
        const stdout = await new Promise<string>((ok, fail) =>
          execFile(process.execPath, ['-e', script], { cwd: taskDir, env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, out, err) =>
            error ? fail(new Error(`${error.message}\n${err}`)) : ok(out),
          ),
        );
        const result = JSON.parse(stdout.split('@@RESULT@@')[1]) as { statusCode: number; body: string };
        expect(result.statusCode).toBe(201);
        const body = JSON.parse(result.body) as { url: string; pages: number };
        const pdf = Buffer.from(await (await fetch(body.url)).arrayBuffer());
        expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
        const fonts = pdfFonts(pdf);
        expect(fonts.length).toBeGreaterThan(0);
        expect(fonts.every((f) => f.embedded && f.type !== 'Type 3')).toBe(true);
        expect(fonts.some((f) => /NotoSerifSC/.test(f.name))).toBe(true);
      } finally {
        await s3.close();
        rmSync(work, { recursive: true, force: true });
      }
    });

    it('grants each function only its own key prefix', () => {
      const policyOf = (name: 'httpFunction' | 'batchGroupFunction' | 'finalizeFunction' | 'batchApiFunction'): Record<string, any>[] => {
        const role = fn(name).Properties.Role['Fn::GetAtt'][0] as string;
        const [, policy] = ofType('AWS::IAM::Policy').find(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))!;
        return policy.Properties.PolicyDocument.Statement as Record<string, any>[];
      };
      const objectResources = (statements: Record<string, any>[]): string[] =>
        statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('s3:') && a !== 's3:ListBucket')).map((s) => flatten(s.Resource));
      const bucket = logicalId(stack.reportBucket.bucket);
      expect(objectResources(policyOf('httpFunction'))).toEqual([`<${bucket}.Arn>/reports/*`]);
      for (const name of ['batchGroupFunction', 'finalizeFunction', 'batchApiFunction'] as const) {
        expect(objectResources(policyOf(name))).toEqual([`<${bucket}.Arn>/batches/*`]);
      }
      const actions = policyOf('httpFunction').flatMap((s) => [s.Action].flat());
      expect(actions.sort()).toEqual(['s3:GetObject', 's3:ListBucket', 's3:PutObject']);
      const api = policyOf('batchApiFunction');
      expect(api).toEqual(expect.arrayContaining([expect.objectContaining({ Action: 'states:StartExecution', Resource: { Ref: logicalId(stack.batch.stateMachine) } })]));
    });
  });

  describe('HTTP API', () => {
    it('routes exactly the contract, every route but GET /health behind IAM authorization', () => {
      const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
      expect(routes.map((r) => r.RouteKey).sort()).toEqual(
        ['GET /batches/{id}', 'GET /health', 'GET /reports/{id}', 'GET /templates', 'GET /templates/{id}', 'POST /batches', 'POST /reports'].sort(),
      );
      for (const route of routes) {
        expect(route.AuthorizationType).toBe(route.RouteKey === 'GET /health' ? 'NONE' : 'AWS_IAM');
      }
      expect(routes.some((r) => r.RouteKey === '$default' || String(r.RouteKey).includes('{proxy+}'))).toBe(false);
    });

    it('sends /batches to the batch API function and the rest to the render function', () => {
      const integrations = new Map(ofType('AWS::ApiGatewayV2::Integration'));
      const target = (routeKey: string): string => {
        const [, route] = ofType('AWS::ApiGatewayV2::Route').find(([, r]) => r.Properties.RouteKey === routeKey)!;
        const integrationId = flatten(route.Properties.Target).replace(/^integrations\/</, '').replace(/>$/, '');
        return flatten(integrations.get(integrationId)!.Properties.IntegrationUri);
      };
      expect(target('POST /reports')).toBe(`<${logicalId(stack.httpFunction.function)}.Arn>`);
      expect(target('GET /health')).toBe(`<${logicalId(stack.httpFunction.function)}.Arn>`);
      expect(target('POST /batches')).toBe(`<${logicalId(stack.batchApiFunction.function)}.Arn>`);
      expect(target('GET /batches/{id}')).toBe(`<${logicalId(stack.batchApiFunction.function)}.Arn>`);
    });

    it('throttles the stage and writes JSON access logs', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
        AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [logicalId(stack.api.accessLogs), 'Arn'] }, Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
      });
    });
  });

  describe('batch state machine', () => {
    let definition: Record<string, any>;
    beforeAll(() => {
      const [, machine] = ofType('AWS::StepFunctions::StateMachine')[0];
      definition = JSON.parse(flatten(machine.Properties.DefinitionString)) as Record<string, any>;
    });

    it('has a DISTRIBUTED map per item format, reading the items file from S3', () => {
      const maps = Object.entries(definition.States as Record<string, any>).filter(([, s]) => s.Type === 'Map');
      expect(maps.map(([name]) => name).sort()).toEqual(['RenderCsvItems', 'RenderJsonlItems']);
      const bucket = `<${logicalId(stack.reportBucket.bucket)}>`;
      for (const [name, map] of maps) {
        expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
        expect(map.ItemReader).toMatchObject({
          Resource: 'arn:<AWS::Partition>:states:::s3:getObject',
          ReaderConfig: { InputType: name === 'RenderCsvItems' ? 'CSV' : 'JSONL' },
          Parameters: { Bucket: bucket, 'Key.$': '$.itemsKey' },
        });
        expect(map.ItemBatcher).toEqual({
          MaxItemsPerBatch: 10,
          MaxInputBytesPerBatch: 200 * 1024,
          BatchInput: { 'template.$': '$.template', 'batchId.$': '$.batchId' },
        });
        expect(map.MaxConcurrency).toBe(40);
        expect(map.ToleratedFailurePercentage).toBe(10);
        expect(map.ResultWriter).toEqual({
          Resource: 'arn:<AWS::Partition>:states:::s3:putObject',
          Parameters: { Bucket: bucket, 'Prefix.$': '$.execution.resultsPrefix' },
        });
        const [task] = Object.values(map.ItemProcessor.States as Record<string, any>);
        expect(task.Resource).toBe(`<${logicalId(stack.batchGroupFunction.function)}.Arn>`);
        expect(task.Retry.flatMap((r: { ErrorEquals: string[] }) => r.ErrorEquals)).toEqual(expect.arrayContaining(['Sandbox.Timedout', 'Lambda.ServiceException']));
        expect(map.Next).toBe('WriteManifest');
        expect(map.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.mapError', Next: 'WriteManifest' }]);
      }
      expect(definition.States.WriteManifest).toMatchObject({ Type: 'Task', Resource: `<${logicalId(stack.finalizeFunction.function)}.Arn>`, Next: 'MapFailed' });
      expect(definition.States.WriteManifest.Parameters).toBeUndefined();
    });

    it('computes the ResultWriter prefix the finalize function reads', () => {
      expect(definition.States.RecordStart).toMatchObject({
        Type: 'Pass',
        ResultPath: '$.execution',
        Parameters: { 'startedAt.$': '$$.Execution.StartTime', 'resultsPrefix.$': "States.Format('batches/{}/{}/results', $.template, $.batchId)" },
      });
      expect(resultsPrefix({ template: 't', batchId: 'b' })).toBe('batches/t/b/results');
    });

    it('refuses malformed input before touching S3', () => {
      expect(definition.StartAt).toBe('CheckInput');
      expect(definition.States.CheckInput.Default).toBe('InvalidInput');
      expect(JSON.stringify(definition.States.CheckInput)).toContain('"StringMatches":"batches/*"');
    });

    it('logs every event without execution data, traces, and times out', () => {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
        TracingConfiguration: { Enabled: true },
      });
      expect(definition.TimeoutSeconds).toBe(6 * 3600);
    });

    it('is valid Amazon States Language, Distributed Map fields included (asl-validator)', () => {
      const [, machine] = ofType('AWS::StepFunctions::StateMachine')[0];
      const asl = deployedDefinition(machine.Properties.DefinitionString, resources);
      const check = (d: unknown): ReturnType<typeof aslValidator> => aslValidator(structuredClone(d), { checkPaths: true, checkArn: true });
      expect(check(asl).errors).toEqual([]);
      expect(check(asl).isValid).toBe(true);
      // The validator does read the map's ItemReader, ItemBatcher and ResultWriter: each broken, it objects.
      const broken: [string, (d: Record<string, any>) => void][] = [
        ['batch input over 256 KiB', (d) => (d.States.RenderJsonlItems.ItemBatcher.MaxInputBytesPerBatch = 300 * 1024)],
        ['negative group size', (d) => (d.States.RenderCsvItems.ItemBatcher.MaxItemsPerBatch = -1)],
        ['ResultWriter without Resource', (d) => delete d.States.RenderCsvItems.ResultWriter.Resource],
        ['ItemReader without Resource', (d) => delete d.States.RenderJsonlItems.ItemReader.Resource],
        ['distributed map without ExecutionType', (d) => delete d.States.RenderJsonlItems.ItemProcessor.ProcessorConfig.ExecutionType],
        ['group task whose Resource is no ARN', (d) => (Object.values(d.States.RenderJsonlItems.ItemProcessor.States as Record<string, any>)[0].Resource = 'render-group')],
        ['Next to a missing state', (d) => (d.States.RenderCsvItems.Next = 'WriteManifests')],
      ];
      for (const [what, breakIt] of broken) {
        const copy = structuredClone(asl);
        breakIt(copy);
        expect({ what, isValid: check(copy).isValid }).toEqual({ what, isValid: false });
      }
    });

    it('keeps the ResultWriterV2 feature flag on in cdk.json', () => {
      const cdkJson = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
      expect(cdkJson.context[RESULT_WRITER_V2_FLAG]).toBe(true);
    });
  });

  describe('error names in the built bundles (what Step Functions matches Retry rules against)', () => {
    let tasks: { name: string; resource: string; errorNames: string[] }[];
    let layerDir: string;
    let work: string;
    /** Function logical id → its Task's non-AWS error names. */
    const customNames = (): Map<string, string[]> =>
      new Map(
        tasks
          .map((t) => [/^<(.+)\.Arn>$/.exec(t.resource)?.[1] ?? t.resource, t.errorNames.filter((n) => n !== 'States.ALL' && !AWS_ERROR_NAME.test(n))] as const)
          .filter(([, names]) => names.length > 0),
      );
    /** The environment the template gives the function, with S3 at `endpoint` and the layer where Node finds it. */
    const lambdaEnv = (logicalId: string, endpoint: string): Record<string, string> => {
      const variables = resources[logicalId].Properties.Environment.Variables as Record<string, unknown>;
      return {
        PATH: process.env.PATH ?? '',
        HOME: work,
        // The font packs unpack only into /tmp: these probes never get as far as printing.
        ...Object.fromEntries(Object.entries(variables).filter(([k, v]) => typeof v === 'string' && !k.startsWith('FONTS_'))),
        NODE_PATH: join(layerDir, 'nodejs', 'node_modules'),
        CHROMIUM_PATH: join(layerDir, 'chromium', 'chromium'),
        FONTCONFIG_FILE: join(layerDir, 'fonts', 'fonts.conf'),
        TEMPLATES_DIR: join(assetDir(resources[logicalId], 'Code'), 'templates'),
        REPORTS_BUCKET: 'probe-bucket',
        S3_ENDPOINT: endpoint,
        S3_FORCE_PATH_STYLE: 'true',
        S3_REGION: 'us-east-1',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'probe',
        AWS_SECRET_ACCESS_KEY: 'probe',
        POWERTOOLS_LOG_LEVEL: 'CRITICAL',
      };
    };
    const groupEvent = (): unknown => ({
      Items: [{ id: 'qinglan', data: projectTemplates().get('county-annual-report').sampleData.qinglan }],
      BatchInput: { template: 'county-annual-report', batchId: 'probe-batch' },
    });
    const finalizeEvent = {
      batchId: 'probe-batch',
      template: 'county-annual-report',
      itemsKey: 'batches/county-annual-report/probe-batch/input/items.jsonl',
      format: 'jsonl',
      zip: true,
      execution: { startedAt: '2026-12-06T00:00:00.000Z' },
    };

    beforeAll(() => {
      const [, machine] = ofType('AWS::StepFunctions::StateMachine')[0];
      tasks = tasksOf(JSON.parse(flatten(machine.Properties.DefinitionString)).States as Record<string, any>);
      layerDir = assetDir(ofType('AWS::Lambda::LayerVersion')[0][1], 'Content');
      work = mkdtempSync(join(tmpdir(), 'pdf-export-probe-'));
    });
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it('retries the render group on the service\'s ChromiumError and StorageError, and finalize on transient S3 errors', () => {
      const names = customNames();
      expect(names.get(logicalId(stack.batchGroupFunction.function))).toEqual(expect.arrayContaining(['ChromiumError', 'StorageError']));
      expect(names.get(logicalId(stack.finalizeFunction.function))).toEqual(expect.arrayContaining([...TRANSIENT_S3_ERRORS]));
    });

    it('the bundled BatchRender fails with a ChromiumError by that name when Chromium cannot start, and its stack maps back with the shipped map', async () => {
      const id = logicalId(stack.batchGroupFunction.function);
      const dir = assetDir(resources[id], 'Code');
      // S3 answers "no such object" (nothing stored yet), so the group gets as far as starting Chromium.
      const s3 = await startFakeS3({ status: 404, code: 'NoSuchKey' });
      let report: ProbeReport;
      try {
        // A "Chromium" that cannot run.
        writeFileSync(join(work, 'not-chromium'), 'not an executable');
        report = await probeBundle(dir, { ...lambdaEnv(id, s3.endpoint), CHROMIUM_PATH: join(work, 'not-chromium'), PROBE_EVENT: JSON.stringify(groupEvent()) });
      } finally {
        await s3.close();
      }
      // Lambda reports error.name as the error type, which Step Functions matches against ErrorEquals.
      expect(report.rejected).toMatchObject({ name: 'ChromiumError', code: 'CHROMIUM_FAILED', isError: true });
      expect(customNames().get(id)).toContain(report.rejected!.name);

      // What CloudWatch shows (no --enable-source-maps): positions in index.js, which the shipped map
      // turns back into the TypeScript source with the tool docs/deploy.md §8 documents.
      const stackLines = report.rejected!.stack.split('\n');
      expect(stackLines[1]).toContain(`${join(dir, 'index.js')}:`);
      const mapped = execFileSync(process.execPath, [join(root, 'infra', 'tools', 'map-stack.mjs'), join(dir, 'index.js.map')], { input: report.rejected!.stack, encoding: 'utf8' });
      const mappedLines = mapped.split('\n');
      expect(mappedLines[0]).toBe(stackLines[0]);
      expect(mappedLines[1]).toMatch(/^\s+at .*\blambda\/src\/[\w/]+\.ts:\d+:\d+\)?$/);
      expect(mapped).not.toContain('index.js:');
    });

    it('every non-AWS name in the definition\'s Retry and Catch rules is one its function\'s bundle really throws', async () => {
      // How to make each function's bundle meet S3 trouble, and the answer behind each transient name.
      const s3Events: Record<string, unknown> = { [logicalId(stack.finalizeFunction.function)]: finalizeEvent, [logicalId(stack.batchGroupFunction.function)]: groupEvent() };
      const s3Answers: Record<string, FakeS3Answer> = {
        InternalError: { status: 500, code: 'InternalError' },
        ServiceUnavailable: { status: 503, code: 'ServiceUnavailable' },
        SlowDown: { status: 503, code: 'SlowDown' },
        RequestTimeout: { status: 400, code: 'RequestTimeout' },
        TimeoutError: 'reset',
      };
      const thrown: Record<string, string> = {};
      const expected: Record<string, string> = {};
      await Promise.all(
        [...customNames()].map(async ([id, names]) => {
          const dir = assetDir(resources[id], 'Code');
          for (const name of names) expected[`${id}: ${name}`] = name;
          // 1. The service's own errors (lambda/src/core/errors.ts): the class that kept this name.
          const { classes = {} } = await probeBundle(dir, { ...lambdaEnv(id, 'http://127.0.0.1:9'), PROBE_CLASSES: names.join(',') });
          const rest: string[] = [];
          for (const name of names) {
            const own = (classes[name] ?? []).find((c) => c.name === name && typeof c.code === 'string' && c.isError);
            if (own) thrown[`${id}: ${name}`] = own.name!;
            else rest.push(name);
          }
          // 2. S3's: the handler against a stand-in S3 giving that answer (after the SDK's own retries).
          await Promise.all(
            rest.map(async (name) => {
              const answer = s3Answers[name];
              if (answer === undefined || s3Events[id] === undefined) {
                thrown[`${id}: ${name}`] = '(nothing in the bundle throws this name)';
                return;
              }
              const s3 = await startFakeS3(answer);
              try {
                const report = await probeBundle(dir, { ...lambdaEnv(id, s3.endpoint), PROBE_EVENT: JSON.stringify(s3Events[id]) });
                thrown[`${id}: ${name}`] = report.rejected?.name ?? `(resolved: ${JSON.stringify(report.resolved).slice(0, 200)})`;
              } finally {
                await s3.close();
              }
            }),
          );
        }),
      );
      expect(thrown).toEqual(expected);
      expect(Object.keys(expected).length).toBeGreaterThanOrEqual(2 + TRANSIENT_S3_ERRORS.length);
    });
  });

  describe('operations', () => {
    it('alarms on errors, throttles and near-timeout duration of every function, failed batches and API 5xx', () => {
      const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
      const topic = logicalId(stack.alarms.topic);
      for (const alarm of alarms) {
        expect(alarm.AlarmActions).toEqual([{ Ref: topic }]);
        expect(alarm.TreatMissingData).toBe('notBreaching');
      }
      for (const name of ['httpFunction', 'batchGroupFunction', 'finalizeFunction', 'batchApiFunction'] as const) {
        const id = logicalId(stack[name].function);
        const on = (metric: string): Record<string, any>[] =>
          alarms.filter((a) => a.MetricName === metric && (a.Dimensions as { Value: { Ref: string } }[])?.some((d) => d.Value.Ref === id));
        expect(on('Errors')).toHaveLength(1);
        expect(on('Throttles')).toHaveLength(1);
        const [duration] = on('Duration');
        expect(duration).toMatchObject({ Statistic: 'Maximum', Threshold: Math.round(fn(name).Properties.Timeout * 1000 * 0.8) });
      }
      const failedBatches = alarms.find((a) => JSON.stringify(a.Metrics ?? []).includes('ExecutionsFailed'));
      expect(failedBatches).toBeDefined();
      expect(JSON.stringify(failedBatches!.Metrics)).toContain('ExecutionsTimedOut');
      expect(alarms.some((a) => a.MetricName === '5xx' && a.Namespace === 'AWS/ApiGateway')).toBe(true);
      expect(alarms).toHaveLength(4 * 3 + 2);
    });

    it('encrypts the alarm topic with a rotated key CloudWatch may use, TLS only', () => {
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
      template.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } })]) },
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    });

    it('outputs the API URL, bucket and state machine', () => {
      const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
      expect(flatten(outputs.ApiUrl.Value)).toMatch(/^https:\/\/<.+>\.execute-api\.<AWS::Region>\.<AWS::URLSuffix>\/$/);
      expect(outputs.BucketName.Value).toEqual({ Ref: logicalId(stack.reportBucket.bucket) });
      expect(outputs.StateMachineArn.Value).toEqual({ Ref: logicalId(stack.batch.stateMachine) });
    });
  });

  describe('cdk-nag AwsSolutions', () => {
    it('reports no unacknowledged finding', () => {
      const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
      const findings = report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
      expect(findings).toEqual([]);
      expect(report.success).toBe(true);
    });

    it('gives every acknowledgement a written reason', () => {
      const acknowledged: { path: string; id: string; reason: string }[] = [];
      const walk = (node: IConstruct): void => {
        for (const entry of node.node.metadata) {
          if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
          for (const [id, value] of Object.entries(entry.data as Record<string, unknown>)) {
            const reason = typeof value === 'string' ? value : String((value as { reason?: unknown })?.reason ?? '');
            acknowledged.push({ path: node.node.path, id, reason });
          }
        }
        node.node.children.forEach(walk);
      };
      walk(stack);
      expect(acknowledged.length).toBeGreaterThan(5);
      for (const a of acknowledged) {
        expect(a.id).toMatch(/AwsSolutions-/);
        expect(a.reason.length).toBeGreaterThan(40);
      }
      // Wildcards are acknowledged finding by finding, never as a blanket rule.
      expect(acknowledged.filter((a) => /AwsSolutions-IAM5$/.test(a.id))).toEqual([]);
    });
  });
});
