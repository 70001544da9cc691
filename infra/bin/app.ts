/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy` (cdk.json bundles this file with esbuild first).
 *
 * Context (cdk.json or `-c key=value`):
 *   pdf-export:stackName         stack name (default PdfExport)
 *   pdf-export:licensedFontsDir  folder of licensed fonts for the layer (default: the repo's fonts/)
 *   pdf-export:alarmEmail        comma-separated addresses subscribed to the alarm topic
 *   pdf-export:jwtIssuer, pdf-export:jwtAudience  use a JWT authorizer instead of IAM
 *   pdf-export:nag               "false" skips the cdk-nag AwsSolutions checks (default: on)
 * Region and account come from the CLI's usual sources (AWS_REGION, --profile); synth needs neither.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PdfExportStack } from '../lib/PdfExportStack';

const app = new App();
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(`pdf-export:${key}`);
  return value === undefined || value === null || value === '' ? undefined : String(value);
};

const jwtIssuer = context('jwtIssuer');
const jwtAudience = context('jwtAudience');
if ((jwtIssuer === undefined) !== (jwtAudience === undefined)) {
  throw new Error('Set both pdf-export:jwtIssuer and pdf-export:jwtAudience for a JWT authorizer, or neither for IAM.');
}

new PdfExportStack(app, context('stackName') ?? 'PdfExport', {
  description: 'PDF export service: JSON report data + template -> PDF (headless Chromium) -> S3 signed link',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  licensedFontsDir: context('licensedFontsDir'),
  alarmEmails: context('alarmEmail')?.split(',').map((s) => s.trim()).filter(Boolean),
  authorization: jwtIssuer && jwtAudience ? { type: 'jwt', issuer: jwtIssuer, audience: jwtAudience.split(',').map((s) => s.trim()) } : { type: 'iam' },
});

// cdk-nag v3 is a policy-validation plugin: any unacknowledged finding fails `cdk synth`.
if (context('nag') !== 'false') Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
