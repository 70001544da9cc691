import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { BATCHES_PREFIX } from '../../../lambda/src/core/storageLayout';

/** The feature flag without which CDK silently drops `resultWriterV2` (docs/architecture.md). */
export const RESULT_WRITER_V2_FLAG = '@aws-cdk/aws-stepfunctions:useDistributedMapResultWriterV2';

/**
 * The error names (Lambda's error type, i.e. the thrown error's `name`) of a passing S3 problem
 * in the finalize function, whose S3 errors are the SDK's own (lambda/src/storage/S3BatchObjects.ts):
 * after the SDK's own three attempts it names an error by the S3 error code (5xx, throttling, a
 * request S3 timed out) or `TimeoutError` (connection reset, socket timeout). Never
 * `S3ServiceException`, the SDK's class, which the Retry rule named before and so never matched.
 * test/infra/stack.test.ts makes the bundled finalize function throw each of these against a
 * stand-in S3.
 */
export const TRANSIENT_S3_ERRORS: readonly string[] = ['InternalError', 'ServiceUnavailable', 'SlowDown', 'RequestTimeout', 'TimeoutError'];

export interface BatchWorkflowProps {
  /** The service bucket: items are read from and results written to `batches/…` in it. */
  readonly bucket: s3.IBucket;
  /** Renders one ItemBatcher group (lambda/src/entrypoints/batchRenderLambda.ts). */
  readonly renderGroupFunction: lambda.IFunction;
  /** Writes the batch manifest and ZIP (lambda/src/entrypoints/finalizeBatchLambda.ts). */
  readonly finalizeFunction: lambda.IFunction;
  /**
   * Groups rendering at once (Distributed Map MaxConcurrency). Each is one Lambda with one
   * Chromium, so this is also the batch's Lambda concurrency.
   * @default 40
   */
  readonly maxConcurrency?: number;
  /**
   * Items per group (ItemBatcher MaxItemsPerBatch): one warm Lambda renders them one after another.
   * Keep (items × seconds per item) well inside the group function's timeout.
   * @default 10
   */
  readonly itemsPerGroup?: number;
  /**
   * Upper bound of a group's input (ItemBatcher MaxInputBytesPerBatch; Step Functions allows 256 KiB).
   * @default 200 KiB
   */
  readonly maxGroupInputBytes?: number;
  /**
   * Percentage of failed groups (Lambda crashes or timeouts after retries, not items with bad data,
   * which are reported per item) tolerated before the map stops. The manifest is written either way.
   * @default 10
   */
  readonly toleratedFailurePercentage?: number;
  /** Whole-execution timeout. @default Duration.hours(6) */
  readonly executionTimeout?: Duration;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The remote batch: a Step Functions state machine whose Distributed Map reads the items file
 * (JSONL or CSV) from S3, hands groups of items to the render-group Lambda, writes every child's
 * result to S3 with ResultWriter, and ends with the finalize Lambda writing manifest.json (and
 * reports.zip). Execution input (lambda/src/core/storageLayout.ts, BatchExecutionInput):
 *
 *   {"batchId", "template", "itemsKey": "batches/<template>/<batchId>/input/items.jsonl", "format": "jsonl" | "csv", "zip": true}
 *
 * Failures: a group whose Lambda fails is retried (stored PDFs are skipped, so a retry only
 * renders what is missing); if more than `toleratedFailurePercentage` of the groups still fail,
 * the map stops, the finalize step still writes the manifest (every item accounted for), and the
 * execution ends FAILED so the alarm fires.
 */
export class BatchWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BatchWorkflowProps) {
    super(scope, id);
    const maxConcurrency = props.maxConcurrency ?? 40;
    const itemsPerGroup = props.itemsPerGroup ?? 10;
    const toleratedFailurePercentage = props.toleratedFailurePercentage ?? 10;
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > 10_000) throw new Error('maxConcurrency must be 1..10000');
    if (!Number.isInteger(itemsPerGroup) || itemsPerGroup < 1) throw new Error('itemsPerGroup must be a positive whole number');
    if (toleratedFailurePercentage < 0 || toleratedFailurePercentage > 100) throw new Error('toleratedFailurePercentage must be 0..100');

    const validInput = sfn.Condition.and(
      sfn.Condition.isString('$.batchId'),
      sfn.Condition.isString('$.template'),
      sfn.Condition.isString('$.itemsKey'),
      sfn.Condition.stringMatches('$.itemsKey', `${BATCHES_PREFIX}*`),
      sfn.Condition.isString('$.format'),
    );
    const invalidInput = new sfn.Fail(this, 'InvalidInput', {
      error: 'InvalidInput',
      cause: 'Start with {"batchId", "template", "itemsKey": "batches/...", "format": "jsonl" | "csv"} (see docs/deploy.md).',
    });
    // Values later states need, computed once where intrinsic functions are certainly allowed.
    const start = new sfn.Pass(this, 'RecordStart', {
      parameters: {
        'startedAt.$': '$$.Execution.StartTime',
        // Must match resultsPrefix() in lambda/src/core/storageLayout.ts.
        'resultsPrefix.$': `States.Format('${BATCHES_PREFIX}{}/{}/results', $.template, $.batchId)`,
      },
      resultPath: '$.execution',
    });

    const finalize = new tasks.LambdaInvoke(this, 'WriteManifest', {
      lambdaFunction: props.finalizeFunction,
      // No payload: the function receives the whole state (execution input, $.execution, $.map or $.mapError).
      payloadResponseOnly: true,
      resultPath: '$.manifest',
    });
    finalize.addRetry({ errors: ['Sandbox.Timedout', 'Runtime.ExitError', 'Lambda.Unknown', ...TRANSIENT_S3_ERRORS], maxAttempts: 2, interval: Duration.seconds(10), backoffRate: 2 });
    const outcome = new sfn.Choice(this, 'MapFailed')
      .when(
        sfn.Condition.isPresent('$.mapError'),
        new sfn.Fail(this, 'BatchFailed', { errorPath: '$.mapError.Error', causePath: '$.mapError.Cause' }),
      )
      .otherwise(new sfn.Succeed(this, 'BatchDone'));
    finalize.next(outcome);

    const renderMap = (format: 'Jsonl' | 'Csv', itemReader: sfn.IItemReader): sfn.DistributedMap => {
      const map = new sfn.DistributedMap(this, `Render${format}Items`, {
        label: `Render${format}`,
        itemReader,
        itemBatcher: new sfn.ItemBatcher({
          maxItemsPerBatch: itemsPerGroup,
          maxInputBytesPerBatch: props.maxGroupInputBytes ?? 200 * 1024,
          // Reaches the Lambda as event.BatchInput (lambda/src/entrypoints/batchRenderLambda.ts).
          batchInput: { 'template.$': '$.template', 'batchId.$': '$.batchId' },
        }),
        maxConcurrency,
        toleratedFailurePercentage,
        resultWriterV2: new sfn.ResultWriterV2({ bucket: props.bucket, prefix: sfn.JsonPath.stringAt('$.execution.resultsPrefix') }),
        resultPath: '$.map',
      });
      const renderGroup = new tasks.LambdaInvoke(this, `Render${format}Group`, {
        lambdaFunction: props.renderGroupFunction,
        payloadResponseOnly: true,
        retryOnServiceExceptions: true,
      });
      // A crashed or timed-out group is tried again; PDFs it already stored are skipped.
      // ChromiumError and StorageError are the service's own names (lambda/src/core/errors.ts),
      // which survive bundling only through esbuild's keepNames (ServiceFunction).
      renderGroup.addRetry({
        errors: ['Sandbox.Timedout', 'Runtime.ExitError', 'Lambda.Unknown', 'ChromiumError', 'StorageError', 'Lambda.TooManyRequestsException'],
        maxAttempts: 2,
        interval: Duration.seconds(5),
        backoffRate: 2,
        jitterStrategy: sfn.JitterType.FULL,
      });
      map.itemProcessor(renderGroup);
      map.addCatch(finalize, { resultPath: '$.mapError' });
      map.next(finalize);
      return map;
    };

    const jsonlMap = renderMap('Jsonl', new sfn.S3JsonLItemReader({ bucket: props.bucket, key: sfn.JsonPath.stringAt('$.itemsKey') }));
    const csvMap = renderMap(
      'Csv',
      new sfn.S3CsvItemReader({ bucket: props.bucket, key: sfn.JsonPath.stringAt('$.itemsKey'), csvHeaders: sfn.CsvHeaders.useFirstRow() }),
    );

    const definition = new sfn.Choice(this, 'CheckInput')
      .when(
        validInput,
        start.next(
          new sfn.Choice(this, 'ItemsFormat')
            .when(sfn.Condition.stringEquals('$.format', 'csv'), csvMap)
            .when(sfn.Condition.stringEquals('$.format', 'jsonl'), jsonlMap)
            .otherwise(invalidInput),
        ),
      )
      .otherwise(invalidInput);

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'PDF export batch: Distributed Map over an items file in S3, then the batch manifest',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: props.executionTimeout ?? Duration.hours(6),
      tracingEnabled: true,
      // Events only, not data: items carry officials' figures, which stay out of the logs.
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });

    // IAM5 acknowledgements: see acknowledgeGeneratedWildcards below.
  }
}
