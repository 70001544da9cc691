import { Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Who may call the API. */
export type ApiAuthorization =
  /** SigV4-signed requests by IAM principals allowed `execute-api:Invoke` (the default). */
  | { readonly type: 'iam' }
  /** Bearer JWTs from an OIDC issuer (e.g. a Cognito user pool or the office's identity provider). */
  | { readonly type: 'jwt'; readonly issuer: string; readonly audience: readonly string[] };

export interface ReportApiProps {
  /** Serves /reports, /templates and /health (lambda/src/entrypoints/httpLambda.ts). */
  readonly reportsFunction: lambda.IFunction;
  /** Serves POST /batches and GET /batches/{id}; omit to deploy without the batch routes. */
  readonly batchesFunction?: lambda.IFunction;
  /**
   * How every route except GET /health is authorized. No route is ever deployed open.
   * @default { type: 'iam' }
   */
  readonly authorization?: ApiAuthorization;
  /**
   * Leave GET /health unauthenticated, for uptime checks. It answers `{"status": "ok"}` with the
   * template ids and render counters: no report data, no links. Set false to authorize it too.
   * @default true
   */
  readonly openHealthCheck?: boolean;
  /**
   * Stage-wide throttling. Each render holds a Lambda (and Chromium) for ~0.2–2 s, so the rate
   * also caps spend.
   * @default { rateLimit: 20, burstLimit: 40 }
   */
  readonly throttle?: apigwv2.ThrottleSettings;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly accessLogRetention?: logs.RetentionDays;
}

/** The contract's routes (docs/architecture.md, public contracts). */
export const REPORT_ROUTES: readonly { readonly path: string; readonly method: apigwv2.HttpMethod }[] = [
  { path: '/reports', method: apigwv2.HttpMethod.POST },
  { path: '/reports/{id}', method: apigwv2.HttpMethod.GET },
  { path: '/templates', method: apigwv2.HttpMethod.GET },
  { path: '/templates/{id}', method: apigwv2.HttpMethod.GET },
];
export const BATCH_ROUTES: readonly { readonly path: string; readonly method: apigwv2.HttpMethod }[] = [
  { path: '/batches', method: apigwv2.HttpMethod.POST },
  { path: '/batches/{id}', method: apigwv2.HttpMethod.GET },
];
export const HEALTH_ROUTE = { path: '/health', method: apigwv2.HttpMethod.GET } as const;

/**
 * API Gateway HTTP API in front of the functions. Only the contract's routes exist (no `$default`
 * catch-all, so unknown paths never reach a Lambda); each one names its authorizer explicitly;
 * the `$default` stage is throttled and writes JSON access logs.
 */
export class ReportApi extends Construct {
  readonly httpApi: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogs: logs.LogGroup;
  /** Base URL of the API, e.g. `https://abc123.execute-api.eu-central-1.amazonaws.com/`. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ReportApiProps) {
    super(scope, id);
    const authorization = props.authorization ?? { type: 'iam' };
    const authorizer: apigwv2.IHttpRouteAuthorizer =
      authorization.type === 'jwt'
        ? new HttpJwtAuthorizer('JwtAuthorizer', authorization.issuer, { jwtAudience: [...authorization.audience] })
        : new HttpIamAuthorizer();

    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'PDF export service: JSON + template -> PDF -> signed S3 link',
      createDefaultStage: false,
      // No CORS: the API is called by servers and scripts signing requests, not by browsers.
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH });
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 20, burstLimit: 40 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            caller: '$context.identity.caller',
            user: '$context.identity.userArn',
            jwtSubject: '$context.authorizer.claims.sub',
            method: '$context.httpMethod',
            route: '$context.routeKey',
            status: '$context.status',
            bytes: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });
    this.url = this.stage.url;

    const reports = new HttpLambdaIntegration('Reports', props.reportsFunction);
    for (const route of REPORT_ROUTES) {
      this.httpApi.addRoutes({ path: route.path, methods: [route.method], integration: reports, authorizer });
    }
    const [health] = this.httpApi.addRoutes({
      path: HEALTH_ROUTE.path,
      methods: [HEALTH_ROUTE.method],
      integration: reports,
      authorizer: props.openHealthCheck === false ? authorizer : new apigwv2.HttpNoneAuthorizer(),
    });
    if (props.openHealthCheck !== false) {
      Validations.of(health).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: 'GET /health is deliberately open for uptime checks; it answers status, template ids and render counters, never report data or links.',
      });
    }
    if (props.batchesFunction) {
      const batches = new HttpLambdaIntegration('Batches', props.batchesFunction);
      for (const route of BATCH_ROUTES) {
        this.httpApi.addRoutes({ path: route.path, methods: [route.method], integration: batches, authorizer });
      }
    }
  }
}
