/**
 * The PdfExportStack synthesized as `cdk deploy` would ship it (offline, no credentials, no
 * account or region pinned, cdk-nag off, CloudFormation's built-in validation off), read back from
 * the cloud assembly: per function its bundled asset folder, handler, memory, timeout, /tmp size,
 * layers and environment; the layer's asset folder; the state machine's definition.
 *
 * Used by the Lambda sandbox tests (test/lambda/) and `npm run bench:lambda` (bundled by esbuild).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { RESULT_WRITER_V2_FLAG } from '../../../infra/lib/constructs/BatchWorkflow';
import { PdfExportStack } from '../../../infra/lib/PdfExportStack';

export const FUNCTION_NAMES = ['HttpRender', 'BatchRender', 'BatchFinalize', 'BatchApi'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

type Json = any;

export interface SynthesizedFunction {
  readonly name: FunctionName;
  readonly logicalId: string;
  /** cdk.out/asset.<hash>: what Lambda unpacks into /var/task. */
  readonly assetDir: string;
  /** e.g. `index.handler` */
  readonly handler: string;
  /** e.g. `nodejs22.x` */
  readonly runtime: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** EphemeralStorage.Size (Lambda's default 512 when absent). */
  readonly ephemeralMb: number;
  /** Asset folders of the layers, in order (each goes to /opt). */
  readonly layerDirs: readonly string[];
  /** Environment.Variables as synthesized: strings, or intrinsics (Ref, Fn::GetAtt, Fn::Join). */
  readonly environment: Readonly<Record<string, Json>>;
  readonly loggingFormat?: string;
  readonly applicationLogLevel?: string;
}

export interface SynthesizedService {
  readonly outdir: string;
  readonly synthMs: number;
  readonly functions: Readonly<Record<FunctionName, SynthesizedFunction>>;
  /** Logical ids of the report bucket and the state machine, for resolving their Refs. */
  readonly bucketLogicalId: string;
  readonly stateMachineLogicalId: string;
  /** The state machine's definition with its intrinsics flattened to `<Ref>` / `<Id.Attr>` placeholders. */
  readonly definition: Json;
  /** Every ErrorEquals of the Retry rules of the Task states that invoke `fn`. */
  retryErrorsOf(fn: FunctionName): string[];
  /** Deletes the cloud assembly (when it was synthesized into a temp folder). */
  dispose(): void;
}

/** Fn::Join of strings and intrinsics → one string with `<Ref>` / `<Logical.Attr>` placeholders. */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, any>;
  if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(flatten).join(v['Fn::Join'][0]);
  if (v.Ref) return `<${v.Ref}>`;
  if (v['Fn::GetAtt']) return `<${[v['Fn::GetAtt']].flat().join('.')}>`;
  return JSON.stringify(value);
}

/** Every Task state anywhere in the definition (Map item processors included). */
function taskStates(states: Record<string, Json>): Json[] {
  return Object.values(states).flatMap((state) => [
    ...(state.Type === 'Task' ? [state] : []),
    ...(state.ItemProcessor?.States ? taskStates(state.ItemProcessor.States) : []),
    ...(state.Iterator?.States ? taskStates(state.Iterator.States) : []),
    ...((state.Branches ?? []) as Json[]).flatMap((branch) => taskStates(branch.States)),
  ]);
}

/**
 * Synthesizes the stack into `outdir` (default: a new temp folder, removed by `dispose`). Takes
 * about half a minute: four esbuild bundles and the layer (its fonts are cached in build/layer-fonts).
 */
export function synthesizeService(options: { outdir?: string; stackName?: string } = {}): SynthesizedService {
  const ownDir = options.outdir === undefined;
  const outdir = options.outdir ?? mkdtempSync(join(tmpdir(), 'pdf-export-sandbox-cdk-'));
  const started = Date.now();
  const app = new App({ outdir, builtinCloudFormationValidation: false, context: { [RESULT_WRITER_V2_FLAG]: true } });
  // No env: the template as an unpinned `cdk deploy` gets it (region and account are pseudo parameters).
  const stack = new PdfExportStack(app, options.stackName ?? 'PdfExportSandbox');
  const assembly = app.synth();
  const template = JSON.parse(readFileSync(join(outdir, assembly.getStackByName(stack.stackName).templateFile), 'utf8')) as Json;
  const synthMs = Date.now() - started;
  const resources = template.Resources as Record<string, Json>;
  const logicalId = (construct: Construct): string => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const assetDir = (resource: Json, codeKey: 'Code' | 'Content'): string => join(outdir, `asset.${String(resource.Properties[codeKey].S3Key).replace(/\.zip$/, '')}`);

  const constructs: Record<FunctionName, Construct> = {
    HttpRender: stack.httpFunction.function,
    BatchRender: stack.batchGroupFunction.function,
    BatchFinalize: stack.finalizeFunction.function,
    BatchApi: stack.batchApiFunction.function,
  };
  const functions = {} as Record<FunctionName, SynthesizedFunction>;
  for (const name of FUNCTION_NAMES) {
    const id = logicalId(constructs[name]);
    const resource = resources[id];
    if (resource?.Type !== 'AWS::Lambda::Function') throw new Error(`${name}: no AWS::Lambda::Function ${id} in the template`);
    const p = resource.Properties;
    const layerDirs = ((p.Layers ?? []) as Json[]).map((ref) => {
      const layer = resources[ref.Ref as string];
      if (layer?.Type !== 'AWS::Lambda::LayerVersion') throw new Error(`${name}: layer ${JSON.stringify(ref)} is not a layer of this stack`);
      return assetDir(layer, 'Content');
    });
    functions[name] = {
      name,
      logicalId: id,
      assetDir: assetDir(resource, 'Code'),
      handler: p.Handler as string,
      runtime: p.Runtime as string,
      memoryMb: (p.MemorySize as number | undefined) ?? 128,
      timeoutSeconds: (p.Timeout as number | undefined) ?? 3,
      ephemeralMb: (p.EphemeralStorage?.Size as number | undefined) ?? 512,
      layerDirs,
      environment: (p.Environment?.Variables ?? {}) as Record<string, Json>,
      loggingFormat: p.LoggingConfig?.LogFormat as string | undefined,
      applicationLogLevel: p.LoggingConfig?.ApplicationLogLevel as string | undefined,
    };
  }

  const stateMachineLogicalId = logicalId(stack.batch.stateMachine);
  const definition = JSON.parse(flatten(resources[stateMachineLogicalId].Properties.DefinitionString)) as Json;
  const tasks = taskStates(definition.States as Record<string, Json>);

  return {
    outdir,
    synthMs,
    functions,
    bucketLogicalId: logicalId(stack.reportBucket.bucket),
    stateMachineLogicalId,
    definition,
    retryErrorsOf(fn) {
      const resource = `<${functions[fn].logicalId}.Arn>`;
      const invoking = tasks.filter((task) => task.Resource === resource || task.Parameters?.FunctionName === resource);
      if (invoking.length === 0) throw new Error(`no Task state of the state machine invokes ${fn} (${resource})`);
      return [...new Set(invoking.flatMap((task) => ((task.Retry ?? []) as Json[]).flatMap((rule) => rule.ErrorEquals as string[])))];
    },
    dispose() {
      if (ownDir) rmSync(outdir, { recursive: true, force: true });
    },
  };
}

export interface ResolveContext {
  readonly region: string;
  readonly accountId: string;
  /** Values of Refs to this stack's resources, by logical id (e.g. the bucket's name, the state machine's ARN). */
  readonly refs: Readonly<Record<string, string>>;
}

/** The template's value of one variable as CloudFormation would resolve it; an intrinsic it cannot resolve throws. */
export function resolveValue(value: Json, context: ResolveContext, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value?.['Fn::Join']) {
    const [separator, parts] = value['Fn::Join'] as [string, Json[]];
    return parts.map((part) => resolveValue(part, context, where)).join(separator);
  }
  if (typeof value?.Ref === 'string') {
    const ref = value.Ref as string;
    const pseudo: Record<string, string> = {
      'AWS::Region': context.region,
      'AWS::AccountId': context.accountId,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
    };
    const resolved = pseudo[ref] ?? context.refs[ref];
    if (resolved !== undefined) return resolved;
  }
  throw new Error(`${where}: cannot resolve ${JSON.stringify(value)}; give its value in the sandbox's refs`);
}

/** The function's environment with every intrinsic resolved. */
export function resolveEnvironment(fn: SynthesizedFunction, context: ResolveContext): Record<string, string> {
  return Object.fromEntries(Object.entries(fn.environment).map(([name, value]) => [name, resolveValue(value, context, `${fn.name}.${name}`)]));
}
