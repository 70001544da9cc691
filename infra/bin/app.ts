/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy` (cdk.json bundles this file with esbuild first).
 * Built by infra/lib/createApp.ts, which the tests call too.
 *
 * Context (cdk.json or `-c key=value`):
 *   pdf-export:stackName         stack name (default PdfExport)
 *   pdf-export:licensedFontsDir  folder of licensed fonts for the layer (default: the repo's fonts/)
 *   pdf-export:alarmEmail        comma-separated addresses subscribed to the alarm topic
 *   pdf-export:jwtIssuer, pdf-export:jwtAudience  use a JWT authorizer instead of IAM
 *   pdf-export:apiReservedConcurrency  reserved concurrency of HttpRender (default 20; 0 = none)
 *   pdf-export:nag               "false" skips the cdk-nag AwsSolutions checks (default: on)
 *   pdf-export:account, pdf-export:region  pin the stack to an account and/or region
 *
 * Account and region: the template is environment-agnostic (region and account stay the pseudo
 * parameters AWS::Region / AWS::AccountId, resolved by CloudFormation where it is deployed)
 * unless pinned with the context keys above or the variables CDK_DEPLOY_ACCOUNT /
 * CDK_DEPLOY_REGION (context wins). CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION are ignored: the
 * CLI always fills them in (us-east-1 without a configured region), which would bake that region
 * into the template. `cdk deploy` deploys an agnostic stack to the CLI's account and region
 * (AWS_REGION, --profile); synth needs neither.
 */
import { createApp } from '../lib/createApp';

createApp();
