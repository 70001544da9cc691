import { ArnFormat, CfnOutput, Duration, Stack, type CfnElement, type RemovalPolicy, type StackProps } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ENV } from '../../lambda/src/config/configTable';
import { BATCHES_PREFIX, REPORTS_PREFIX } from '../../lambda/src/core/storageLayout';
import { BatchWorkflow } from './constructs/BatchWorkflow';
import { ChromiumFontsLayer } from './constructs/ChromiumFontsLayer';
import { ReportApi, type ApiAuthorization } from './constructs/ReportApi';
import { ReportBucket } from './constructs/ReportBucket';
import { ServiceAlarms } from './constructs/ServiceAlarms';
import { ServiceFunction } from './constructs/ServiceFunction';
import { acknowledgeWildcards, literal } from './nag';
import { PATHS } from './projectPaths';

/** How cdk-nag prints a region or account: literal when the stack has an env, else the pseudo parameter. */
const REGION_OR_TOKEN = '(?:<AWS::Region>|[a-z]{2}(?:-[a-z]+)+-\\d+)';
const ACCOUNT_OR_TOKEN = '(?:<AWS::AccountId>|\\d{12})';

/** Reserved concurrency of HttpRender unless `apiReservedConcurrency` says otherwise. */
export const DEFAULT_API_RESERVED_CONCURRENCY = 20;

export interface PdfExportStackProps extends StackProps {
  /** Keep single reports this long. @default Duration.days(30) */
  readonly reportExpiration?: Duration;
  /** Keep batch inputs, PDFs, results, manifests and ZIPs this long. @default Duration.days(30) */
  readonly batchExpiration?: Duration;
  /** Lifetime of signed download links (LINK_EXPIRY_SECONDS, 1 min..7 days). @default Duration.hours(1) */
  readonly linkExpiry?: Duration;
  /** A local folder of licensed fonts for the layer (see ChromiumFontsLayerProps). @default - the repo's fonts/ */
  readonly licensedFontsDir?: string;
  /** API authorization for every route but GET /health. @default { type: 'iam' } */
  readonly authorization?: ApiAuthorization;
  /** API stage throttling. @default { rateLimit: 20, burstLimit: 40 } */
  readonly throttle?: apigwv2.ThrottleSettings;
  /** Bound of one render (RENDER_TIMEOUT_MS). @default Duration.seconds(20) */
  readonly renderTimeout?: Duration;
  /** Memory of the render functions (≥ 1536 MB). @default 2048 */
  readonly renderMemorySize?: number;
  /**
   * Reserved concurrency of the HTTP render function (`HttpRender`): a floor the batch cannot take
   * away. Without it, a batch's Distributed Map (`batchMaxConcurrency` group Lambdas, 40 by
   * default) and the API draw from the same account pool, so a large batch on an account with a
   * small limit throttles `POST /reports`. Reserved concurrency is also a ceiling: the API never
   * runs more than this many containers at once, and requests beyond are throttled by Lambda.
   * The default matches the stage's default rate limit (20 requests/s): at up to ~1 s a render
   * (warm renders take 0.12–0.7 s), 20 containers serve what the stage admits. Raise it with the
   * `throttle`.
   *
   * AWS keeps at least 100 of the account's concurrency unreserved: reserving N needs an account
   * limit of at least N + 100 plus what other functions reserve, or the deploy fails
   * ("decreases account's UnreservedConcurrentExecution below its minimum value of [100]").
   * On a new account whose limit is still 10 (or below ~120), set 0.
   *
   * A whole number; `0` means no reservation (the function shares the unreserved pool). It never
   * sets Lambda's reserved concurrency to 0, which would throttle every request.
   * @default 20
   */
  readonly apiReservedConcurrency?: number;
  /** Distributed Map MaxConcurrency (concurrent group Lambdas). @default 40 */
  readonly batchMaxConcurrency?: number;
  /** Items per ItemBatcher group. @default 10 */
  readonly batchItemsPerGroup?: number;
  /** Distributed Map ToleratedFailurePercentage (failed groups). @default 10 */
  readonly batchToleratedFailurePercentage?: number;
  /** Timeout of one group's Lambda. @default Duration.minutes(5) */
  readonly batchGroupTimeout?: Duration;
  /** Log retention for functions, API access logs and the state machine. @default ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** E-mail addresses for the alarm topic. @default - none (subscribe to the AlarmTopicArn output) */
  readonly alarmEmails?: readonly string[];
  /** Removal policy of the buckets. @default RemovalPolicy.RETAIN */
  readonly bucketRemovalPolicy?: RemovalPolicy;
}

/**
 * The whole PDF export service: bucket, Chromium + fonts layer, the HTTP render function behind an
 * authenticated HTTP API, the Distributed Map batch with its finalize step and batch API, and
 * alarms. See docs/deploy.md.
 */
export class PdfExportStack extends Stack {
  readonly reportBucket: ReportBucket;
  readonly layer: ChromiumFontsLayer;
  readonly httpFunction: ServiceFunction;
  readonly batchGroupFunction: ServiceFunction;
  readonly finalizeFunction: ServiceFunction;
  readonly batchApiFunction: ServiceFunction;
  readonly api: ReportApi;
  readonly batch: BatchWorkflow;
  readonly alarms: ServiceAlarms;

  constructor(scope: Construct, id: string, props: PdfExportStackProps = {}) {
    super(scope, id, props);
    const logRetention = props.logRetention;
    const apiReservedConcurrency = props.apiReservedConcurrency ?? DEFAULT_API_RESERVED_CONCURRENCY;
    if (!Number.isInteger(apiReservedConcurrency) || apiReservedConcurrency < 0) {
      throw new Error(`apiReservedConcurrency must be a whole number ≥ 1, or 0 for no reservation; got ${apiReservedConcurrency}.`);
    }
    const linkExpirySeconds = (props.linkExpiry ?? Duration.hours(1)).toSeconds();

    this.reportBucket = new ReportBucket(this, 'Storage', {
      reportExpiration: props.reportExpiration,
      batchExpiration: props.batchExpiration,
      removalPolicy: props.bucketRemovalPolicy,
    });
    const bucket = this.reportBucket.bucket;
    this.layer = new ChromiumFontsLayer(this, 'ChromiumFonts', { licensedFontsDir: props.licensedFontsDir });
    const render = { layer: this.layer, renderTimeout: props.renderTimeout };
    const storageEnv = { [ENV.REPORTS_BUCKET]: bucket.bucketName, [ENV.LINK_EXPIRY_SECONDS]: String(linkExpirySeconds) };

    this.httpFunction = new ServiceFunction(this, 'HttpRender', {
      entry: PATHS.httpLambda,
      description: 'PDF export HTTP API: POST /reports, GET /reports/{id}, /templates, /health',
      // API Gateway gives up after 30 s; a longer timeout would only bill for answers nobody reads.
      timeout: Duration.seconds(29),
      memorySize: props.renderMemorySize,
      render,
      // One event per container at a time: more concurrent renders would only queue inside it.
      environment: { ...storageEnv, [ENV.MAX_CONCURRENT_RENDERS]: '1' },
      logRetention,
      // 0 is "no reservation" here, never Lambda's reserved 0 (which throttles every call).
      reservedConcurrentExecutions: apiReservedConcurrency === 0 ? undefined : apiReservedConcurrency,
    });
    this.grantObjects(this.httpFunction, REPORTS_PREFIX, ['s3:GetObject', 's3:PutObject']);

    this.batchGroupFunction = new ServiceFunction(this, 'BatchRender', {
      entry: PATHS.batchRenderLambda,
      description: 'PDF export batch: renders one Distributed Map item group',
      timeout: props.batchGroupTimeout ?? Duration.minutes(5),
      memorySize: props.renderMemorySize,
      render,
      environment: { [ENV.REPORTS_BUCKET]: bucket.bucketName },
      logRetention,
    });
    this.grantObjects(this.batchGroupFunction, BATCHES_PREFIX, ['s3:GetObject', 's3:PutObject']);

    this.finalizeFunction = new ServiceFunction(this, 'BatchFinalize', {
      entry: PATHS.finalizeBatchLambda,
      description: 'PDF export batch: writes manifest.json and reports.zip from the map results',
      timeout: Duration.minutes(15),
      memorySize: 1024,
      environment: { [ENV.REPORTS_BUCKET]: bucket.bucketName },
      logRetention,
    });
    // Reads ResultWriter output and PDFs; writes manifest.json and reports.zip (multipart).
    this.grantObjects(this.finalizeFunction, BATCHES_PREFIX, ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload']);

    this.batch = new BatchWorkflow(this, 'Batch', {
      bucket,
      renderGroupFunction: this.batchGroupFunction.function,
      finalizeFunction: this.finalizeFunction.function,
      maxConcurrency: props.batchMaxConcurrency,
      itemsPerGroup: props.batchItemsPerGroup,
      toleratedFailurePercentage: props.batchToleratedFailurePercentage,
      logRetention,
    });
    const stateMachine = this.batch.stateMachine;

    this.batchApiFunction = new ServiceFunction(this, 'BatchApi', {
      entry: PATHS.batchApiLambda,
      description: 'PDF export HTTP API: POST /batches, GET /batches/{id}',
      timeout: Duration.seconds(29),
      memorySize: 1024,
      withTemplates: true,
      environment: { ...storageEnv, [ENV.BATCH_STATE_MACHINE_ARN]: stateMachine.stateMachineArn },
      logRetention,
    });
    this.grantObjects(this.batchApiFunction, BATCHES_PREFIX, ['s3:GetObject', 's3:PutObject']);
    stateMachine.grantStartExecution(this.batchApiFunction.function);
    const arn = (resource: string, resourceName: string, arnFormat = ArnFormat.COLON_RESOURCE_NAME): string =>
      this.formatArn({ service: 'states', resource, resourceName, arnFormat });
    this.batchApiFunction.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution', 'states:ListMapRuns'],
        resources: [arn('execution', `${stateMachine.stateMachineName}:*`)],
      }),
    );
    this.batchApiFunction.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:DescribeMapRun'], resources: [arn('mapRun', `${stateMachine.stateMachineName}/*`)] }),
    );

    this.api = new ReportApi(this, 'Api', {
      reportsFunction: this.httpFunction.function,
      batchesFunction: this.batchApiFunction.function,
      authorization: props.authorization,
      throttle: props.throttle,
      accessLogRetention: logRetention,
    });

    this.alarms = new ServiceAlarms(this, 'Alarms', {
      functions: {
        HttpRender: this.httpFunction,
        BatchRender: this.batchGroupFunction,
        BatchFinalize: this.finalizeFunction,
        BatchApi: this.batchApiFunction,
      },
      stateMachine,
      httpApi: this.api.httpApi,
      alarmEmails: props.alarmEmails,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API (SigV4-signed requests, service execute-api)' });
    new CfnOutput(this, 'BucketName', { value: bucket.bucketName, description: 'Reports and batches bucket' });
    new CfnOutput(this, 'StateMachineArn', { value: stateMachine.stateMachineArn, description: 'Batch state machine' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn, description: 'Subscribe here to receive alarms' });
    new CfnOutput(this, 'LayerVersionArn', { value: this.layer.layer.layerVersionArn, description: 'Chromium + fonts layer' });

    // cdk-nag: every wildcard left is acknowledged here, each with its reason; any other fails synth.
    const logicalId = (construct: Construct): string => this.getLogicalId(construct.node.defaultChild as CfnElement);
    const bucketId = logicalId(bucket);
    acknowledgeWildcards(this, [
      {
        finding: new RegExp(`^Resource::<${bucketId}\\.Arn>/(${literal(REPORTS_PREFIX)}|${literal(BATCHES_PREFIX)})\\*$`),
        reason: 'Object access is limited to the function\'s own key prefix (reports/ or batches/); naming a prefix in IAM takes a trailing wildcard.',
      },
    ]);
    acknowledgeWildcards(this.batchApiFunction, [
      {
        finding: new RegExp(`^Resource::arn:<AWS::Partition>:states:${REGION_OR_TOKEN}:${ACCOUNT_OR_TOKEN}:(execution|mapRun):<${logicalId(stateMachine)}\\.Name>[:/]\\*$`),
        reason: 'GET /batches/{id} describes executions and map runs of this one state machine; their names are generated per batch.',
      },
    ]);
    acknowledgeWildcards(this.batch, [
      {
        finding: new RegExp(`^Resource::arn:<AWS::Partition>:s3:::<${bucketId}>/\\*$`),
        reason:
          'Generated by CDK for the Distributed Map ItemReader and ResultWriter, whose key and prefix are chosen per execution; ' +
          'the state machine\'s input check only accepts items keys under batches/.',
      },
      {
        finding: new RegExp(`^Resource::<(${logicalId(this.batchGroupFunction.function)}|${logicalId(this.finalizeFunction.function)})\\.Arn>:\\*$`),
        reason: 'Generated by CDK for LambdaInvoke: invoking versions and aliases of the group and finalize functions only.',
      },
      {
        finding: new RegExp(`^Resource::arn:<AWS::Partition>:states:${REGION_OR_TOKEN}:${ACCOUNT_OR_TOKEN}:execution:.+\\*$`),
        reason: 'Generated by CDK for the Distributed Map: describing, stopping and redriving the child executions of this state machine, whose names are generated.',
      },
      {
        finding: /^Resource::\*$/,
        reason: 'CloudWatch Logs delivery (logs:*LogDelivery*, resource policies) and X-Ray tracing actions of the state machine only accept "*".',
      },
    ]);
  }

  /** Object actions on one key prefix, plus ListBucket so a missing key reads as 404 rather than 403. */
  private grantObjects(fn: ServiceFunction, prefix: string, actions: string[]): void {
    const bucket = this.reportBucket.bucket;
    fn.function.addToRolePolicy(new iam.PolicyStatement({ actions, resources: [bucket.arnForObjects(`${prefix}*`)] }));
    fn.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
  }
}
