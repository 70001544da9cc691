import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { BATCHES_PREFIX, REPORTS_PREFIX } from '../../../lambda/src/core/storageLayout';

export interface ReportBucketProps {
  /**
   * How long a single report's PDF (`reports/…`) is kept. Signed links die much earlier (1 h by
   * default); a PDF asked for again after expiry is simply rendered again.
   * @default Duration.days(30)
   */
  readonly reportExpiration?: Duration;
  /**
   * How long a batch's objects (`batches/…`: uploaded items, PDFs, ResultWriter output, manifest,
   * ZIP) are kept.
   * @default Duration.days(30)
   */
  readonly batchExpiration?: Duration;
  /**
   * How long S3 server access logs are kept.
   * @default Duration.days(90)
   */
  readonly accessLogExpiration?: Duration;
  /**
   * What happens to the buckets when the stack is deleted. RETAIN keeps reports and access logs
   * (delete them by hand); DESTROY only works on empty buckets.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The private bucket holding reports and batches, plus its access-log bucket.
 *
 * Secure by default: every public access blocked, ACLs disabled (bucket owner enforced), SSE-S3,
 * a bucket policy denying any request not over TLS 1.2+, server access logs, lifecycle expiry by
 * prefix, and incomplete multipart uploads (the batch ZIP) aborted after a day. SSE-S3 rather than
 * KMS keeps presigned links simple: a KMS key would have to be usable by every link signer.
 */
export class ReportBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ReportBucketProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const secure = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
    } as const;

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      ...secure,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: props.accessLogExpiration ?? Duration.days(90) }],
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it into itself would loop.',
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...secure,
      lifecycleRules: [
        { id: 'expire-reports', prefix: REPORTS_PREFIX, expiration: props.reportExpiration ?? Duration.days(30) },
        { id: 'expire-batches', prefix: BATCHES_PREFIX, expiration: props.batchExpiration ?? Duration.days(30) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });

    // Server access logs delivered under a bucket policy (not the legacy log-delivery ACL, which
    // ACL-less buckets refuse), set up here so it does not depend on a CDK feature flag.
    const logPrefix = 'reports-bucket/';
    (this.bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
      destinationBucketName: this.accessLogsBucket.bucketName,
      logFilePrefix: logPrefix,
    };
    this.accessLogsBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'S3ServerAccessLogsPolicy',
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.accessLogsBucket.arnForObjects(`${logPrefix}*`)],
        conditions: {
          ArnLike: { 'aws:SourceArn': this.bucket.bucketArn },
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
        },
      }),
    );
  }
}
