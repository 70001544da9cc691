/**
 * cdk-nag v3 helpers. cdk-nag 3 is a CDK policy-validation plugin: a finding is silenced only by
 * `Validations.of(construct).acknowledge({id, reason})` with the exact id, and a wildcard finding's
 * id embeds the resolved resource (`AwsSolutions-IAM5[Resource::<Bucket1234.Arn>/reports/*]`),
 * logical ids included. Rather than hard-coding those, `acknowledgeWildcards` evaluates cdk-nag's
 * own IAM5 rule on each IAM policy at synth time and acknowledges exactly the findings that match
 * a documented allowance. Any other wildcard still fails `cdk synth` and the nag test.
 */
import { Aspects, CfnResource, Validations, type IAspect } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { rules } from 'cdk-nag';
import type { IConstruct } from 'constructs';

export interface WildcardAllowance {
  /** Matched against the finding, e.g. `Resource::<StorageBucket5CB7C8EA.Arn>/reports/*`. */
  readonly finding: RegExp;
  /** Why this wildcard is needed; recorded with the acknowledgement. */
  readonly reason: string;
}

class AcknowledgeWildcards implements IAspect {
  constructor(private readonly allowances: readonly WildcardAllowance[]) {}

  visit(node: IConstruct): void {
    if (!(node instanceof iam.CfnPolicy) && !(node instanceof iam.CfnRole) && !(node instanceof iam.CfnManagedPolicy)) return;
    if (!CfnResource.isCfnResource(node)) return;
    const result: unknown = rules.iam.IAMNoWildcardPermissions(node);
    if (!Array.isArray(result)) return;
    for (const finding of result as string[]) {
      const allowance = this.allowances.find((a) => a.finding.test(finding));
      if (allowance) Validations.of(node).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason: allowance.reason });
    }
  }
}

/** Acknowledges the IAM5 findings under `scope` that match one of `allowances` (and only those). */
export function acknowledgeWildcards(scope: IConstruct, allowances: readonly WildcardAllowance[]): void {
  Aspects.of(scope).add(new AcknowledgeWildcards(allowances));
}

/** Escapes text for use inside a RegExp. */
export function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
