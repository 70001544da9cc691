/**
 * The CDK app as `npx cdk synth` builds it (infra/lib/createApp.ts), on stacks whose assets are not
 * bundled (context aws:cdk:bundling-stacks = []): fast. Where the stack lands (environment-agnostic
 * unless pinned) and the API's reserved concurrency; the bundled stack is test/infra/stack.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createApp, pinnedEnvironment, type CreateAppOptions } from '../../infra/lib/createApp';
import { DEFAULT_API_RESERVED_CONCURRENCY, PdfExportStack } from '../../infra/lib/PdfExportStack';
import { RESULT_WRITER_V2_FLAG } from '../../infra/lib/constructs/BatchWorkflow';

/** What the CDK CLI puts in every app's environment (us-east-1 when no region is configured). */
const CLI_ENVIRONMENT = { CDK_DEFAULT_ACCOUNT: '123456789012', CDK_DEFAULT_REGION: 'us-east-1' };

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function synth(context: Record<string, unknown> = {}, environment: CreateAppOptions['environment'] = CLI_ENVIRONMENT): { stack: PdfExportStack; text: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'pdf-export-app-'));
  dirs.push(outdir);
  const { stack } = createApp({
    environment,
    appProps: {
      outdir,
      builtinCloudFormationValidation: false,
      // Version reporting on, as the CLI runs apps: its CDKMetadata condition lists the regions
      // where that resource exists (us-east-1 among them), a list of names, not where the stack goes.
      context: { [RESULT_WRITER_V2_FLAG]: true, 'aws:cdk:bundling-stacks': [], 'aws:cdk:version-reporting': true, 'pdf-export:nag': 'false', ...context },
    },
  });
  const template = Template.fromStack(stack).toJSON() as { Conditions?: Record<string, unknown> };
  delete template.Conditions?.CDKMetadataAvailable;
  return { stack, text: JSON.stringify(template) };
}

const httpFunctionOf = (stack: PdfExportStack): Record<string, unknown> => {
  const resources = Template.fromStack(stack).findResources('AWS::Lambda::Function');
  return resources[stack.getLogicalId(stack.httpFunction.function.node.defaultChild as never)].Properties as Record<string, unknown>;
};

describe('where the stack lands', () => {
  it('is environment-agnostic when nothing is pinned, whatever CDK_DEFAULT_* the CLI set', () => {
    const { stack, text } = synth();
    expect(Token.isUnresolved(stack.region)).toBe(true);
    expect(Token.isUnresolved(stack.account)).toBe(true);
    expect(text).not.toContain('us-east-1');
    expect(text).not.toContain('123456789012');
    expect(text).toContain('{"Ref":"AWS::Region"}');
    expect(text).toContain('{"Ref":"AWS::AccountId"}');
    expect(text.match(/\b(us|eu|ap|sa|ca|me|af|il|mx)(-gov)?-(north|south|east|west|central|northeast|southeast|northwest|southwest)-\d\b/g) ?? []).toEqual([]);
    expect(text.match(/\b\d{12}\b/g) ?? []).toEqual([]);
  });

  it('takes a region (and account) pinned by context, or else by CDK_DEPLOY_REGION / CDK_DEPLOY_ACCOUNT', () => {
    const byContext = synth({ 'pdf-export:region': 'eu-central-1' });
    expect(byContext.stack.region).toBe('eu-central-1');
    expect(byContext.text).toContain('eu-central-1');
    expect(byContext.text).not.toContain('us-east-1');
    // Only the region was pinned: the account stays the pseudo parameter.
    expect(Token.isUnresolved(byContext.stack.account)).toBe(true);
    expect(byContext.text).not.toContain('123456789012');

    const byVariables = synth({}, { ...CLI_ENVIRONMENT, CDK_DEPLOY_REGION: 'ap-southeast-2', CDK_DEPLOY_ACCOUNT: '111122223333' });
    expect(byVariables.stack.region).toBe('ap-southeast-2');
    expect(byVariables.stack.account).toBe('111122223333');
    expect(byVariables.text).toContain('ap-southeast-2');
    expect(byVariables.text).toContain('111122223333');
    expect(byVariables.text).not.toContain('us-east-1');

    expect(pinnedEnvironment((key) => (key === 'region' ? 'eu-west-1' : undefined), { CDK_DEPLOY_REGION: 'ap-southeast-2' })).toEqual({ account: undefined, region: 'eu-west-1' });
    expect(pinnedEnvironment(() => undefined, { ...CLI_ENVIRONMENT, CDK_DEPLOY_REGION: '' })).toBeUndefined();
  });

  it('refuses a pinned account or region that is none', () => {
    expect(() => synth({ 'pdf-export:region': 'Frankfurt' })).toThrow(/must be an AWS region/);
    expect(() => synth({}, { CDK_DEPLOY_ACCOUNT: '1234' })).toThrow(/12-digit AWS account id/);
  });
});

describe('reserved concurrency of the API function', () => {
  it(`reserves ${DEFAULT_API_RESERVED_CONCURRENCY} by default, the number given, or none for 0`, () => {
    expect(httpFunctionOf(synth().stack).ReservedConcurrentExecutions).toBe(DEFAULT_API_RESERVED_CONCURRENCY);
    expect(httpFunctionOf(synth({ 'pdf-export:apiReservedConcurrency': '35' }).stack).ReservedConcurrentExecutions).toBe(35);
    // 0 is "no reservation", never Lambda's reserved 0, which would throttle every request.
    expect(httpFunctionOf(synth({ 'pdf-export:apiReservedConcurrency': 0 }).stack).ReservedConcurrentExecutions).toBeUndefined();
  });

  it('refuses anything but a whole number ≥ 0', () => {
    expect(() => synth({ 'pdf-export:apiReservedConcurrency': 'ten' })).toThrow(/apiReservedConcurrency must be a whole number/);
    for (const bad of [-1, 2.5, Number.NaN]) {
      const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'pdf-export-app-')), context: { 'aws:cdk:bundling-stacks': [] } });
      dirs.push(app.outdir);
      expect(() => new PdfExportStack(app, 'Bad', { apiReservedConcurrency: bad })).toThrow(/apiReservedConcurrency must be a whole number ≥ 1, or 0 for no reservation/);
    }
  });
});
