import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { ServiceFunction } from './ServiceFunction';

export interface ServiceAlarmsProps {
  /** Functions to watch: errors, throttles and duration near their timeout. */
  readonly functions: Readonly<Record<string, ServiceFunction>>;
  /** Batch state machine: failed, timed-out and aborted executions. */
  readonly stateMachine?: sfn.IStateMachine;
  /** HTTP API: server errors (5xx). */
  readonly httpApi?: apigwv2.IHttpApi;
  /**
   * Alarm when a function's longest invocation in 5 minutes reaches this share of its timeout.
   * @default 0.8
   */
  readonly durationThreshold?: number;
  /**
   * E-mail addresses subscribed to the alarm topic (each confirms by mail). More subscribers can
   * be added to the topic (output AlarmTopicArn) at any time.
   * @default - none
   */
  readonly alarmEmails?: readonly string[];
}

/**
 * CloudWatch alarms for the service, all publishing to one SNS topic (encrypted with a customer
 * managed key CloudWatch may use, TLS-only). Missing data is "not breaching": an idle service is healthy.
 */
export class ServiceAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    const key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the PDF export alarm topic',
      enableKeyRotation: true,
    });
    // CloudWatch alarms publish to an encrypted topic only if they may use its key.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'PDF export alarms', masterKey: key, enforceSSL: true });
    for (const email of props.alarmEmails ?? []) this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    const action = new actions.SnsAction(this.topic);
    const period = Duration.minutes(5);
    const add = (alarmId: string, alarmProps: cloudwatch.AlarmProps): void => {
      const alarm = new cloudwatch.Alarm(this, alarmId, { treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING, ...alarmProps });
      alarm.addAlarmAction(action);
      this.alarms.push(alarm);
    };

    const share = props.durationThreshold ?? 0.8;
    for (const [name, fn] of Object.entries(props.functions)) {
      add(`${name}Errors`, {
        alarmDescription: `${name}: the function failed (unhandled error, timeout or crash).`,
        metric: fn.function.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
      add(`${name}Throttles`, {
        alarmDescription: `${name}: invocations were throttled (account or reserved concurrency reached).`,
        metric: fn.function.metricThrottles({ period, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
      add(`${name}DurationNearTimeout`, {
        alarmDescription: `${name}: an invocation took over ${Math.round(share * 100)}% of the ${fn.timeout.toSeconds()} s timeout.`,
        metric: fn.function.metricDuration({ period, statistic: cloudwatch.Stats.MAXIMUM }),
        threshold: Math.round(fn.timeout.toMilliseconds() * share),
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
    }
    if (props.stateMachine) {
      const sm = props.stateMachine;
      add('BatchExecutionsFailed', {
        alarmDescription: 'A batch execution failed, timed out or was aborted; its manifest says which items are missing.',
        metric: new cloudwatch.MathExpression({
          expression: 'failed + timedOut + aborted',
          usingMetrics: {
            failed: sm.metricFailed({ period, statistic: cloudwatch.Stats.SUM }),
            timedOut: sm.metricTimedOut({ period, statistic: cloudwatch.Stats.SUM }),
            aborted: sm.metricAborted({ period, statistic: cloudwatch.Stats.SUM }),
          },
          period,
          label: 'Failed batch executions',
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
    }
    if (props.httpApi) {
      add('ApiServerErrors', {
        alarmDescription: 'The HTTP API answered 5xx at least 5 times in 5 minutes.',
        metric: props.httpApi.metricServerError({ period, statistic: cloudwatch.Stats.SUM }),
        threshold: 5,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
    }
  }
}
