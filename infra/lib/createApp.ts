/**
 * The CDK app, built from context and environment variables (infra/bin/app.ts calls this with the
 * process's own; tests call it with theirs). The context keys and the account/region rules are
 * documented in infra/bin/app.ts and docs/deploy.md §2.
 */
import { App, Validations, type AppProps, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PdfExportStack } from './PdfExportStack';

/** Context keys (`-c pdf-export:<key>=…` or cdk.json → context). */
export const CONTEXT_PREFIX = 'pdf-export:';

export interface CreateAppOptions {
  /** Props of the App: outdir, context, … (the CLI passes its context through CDK_CONTEXT_JSON). */
  readonly appProps?: AppProps;
  /**
   * The environment variables that may pin the stack: `CDK_DEPLOY_ACCOUNT` and `CDK_DEPLOY_REGION`.
   * `CDK_DEFAULT_ACCOUNT`/`CDK_DEFAULT_REGION`, which the CDK CLI always fills in, are ignored on
   * purpose. @default process.env
   */
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

export interface CreatedApp {
  readonly app: App;
  readonly stack: PdfExportStack;
}

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/**
 * The stack's account and region: only what the user pinned, through context
 * (`pdf-export:account`, `pdf-export:region`) or else `CDK_DEPLOY_ACCOUNT`/`CDK_DEPLOY_REGION`.
 * Nothing pinned → `undefined`, an environment-agnostic stack whose template names region and
 * account only as the pseudo parameters `AWS::Region`/`AWS::AccountId`, resolved by
 * CloudFormation in whatever account and region it is deployed to.
 */
export function pinnedEnvironment(
  context: (key: string) => string | undefined,
  environment: Readonly<Record<string, string | undefined>>,
): Environment | undefined {
  const value = (key: 'account' | 'region', variable: string): string | undefined => {
    const given = context(key) ?? (environment[variable] || undefined);
    return given?.trim() || undefined;
  };
  const account = value('account', 'CDK_DEPLOY_ACCOUNT');
  const region = value('region', 'CDK_DEPLOY_REGION');
  if (account !== undefined && !ACCOUNT.test(account)) {
    throw new Error(`${CONTEXT_PREFIX}account / CDK_DEPLOY_ACCOUNT must be a 12-digit AWS account id; got "${account}".`);
  }
  if (region !== undefined && !REGION.test(region)) {
    throw new Error(`${CONTEXT_PREFIX}region / CDK_DEPLOY_REGION must be an AWS region such as eu-central-1; got "${region}".`);
  }
  return account === undefined && region === undefined ? undefined : { account, region };
}

/** The app with its one stack and, unless `pdf-export:nag` is "false", cdk-nag as a validation plugin. */
export function createApp(options: CreateAppOptions = {}): CreatedApp {
  const app = new App(options.appProps);
  const context = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(`${CONTEXT_PREFIX}${key}`);
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };

  const jwtIssuer = context('jwtIssuer');
  const jwtAudience = context('jwtAudience');
  if ((jwtIssuer === undefined) !== (jwtAudience === undefined)) {
    throw new Error(`Set both ${CONTEXT_PREFIX}jwtIssuer and ${CONTEXT_PREFIX}jwtAudience for a JWT authorizer, or neither for IAM.`);
  }
  const reserved = context('apiReservedConcurrency');
  if (reserved !== undefined && !/^\d+$/.test(reserved.trim())) {
    throw new Error(`${CONTEXT_PREFIX}apiReservedConcurrency must be a whole number (0 for no reservation); got "${reserved}".`);
  }

  const stack = new PdfExportStack(app, context('stackName') ?? 'PdfExport', {
    description: 'PDF export service: JSON report data + template -> PDF (headless Chromium) -> S3 signed link',
    env: pinnedEnvironment(context, options.environment ?? process.env),
    licensedFontsDir: context('licensedFontsDir'),
    alarmEmails: context('alarmEmail')?.split(',').map((s) => s.trim()).filter(Boolean),
    authorization: jwtIssuer && jwtAudience ? { type: 'jwt', issuer: jwtIssuer, audience: jwtAudience.split(',').map((s) => s.trim()) } : { type: 'iam' },
    apiReservedConcurrency: reserved === undefined ? undefined : Number(reserved),
  });

  // cdk-nag v3 is a policy-validation plugin: any unacknowledged finding fails `cdk synth`.
  if (context('nag') !== 'false') Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}
