/**
 * Runs the batch state machine's synthesized ASL locally, state by state, against a real
 * S3-compatible server and the real Lambda handlers: as far as a machine without AWS can exercise
 * the definition. It interprets exactly the subset the batch definition uses and fails loudly on
 * anything else, so a change to the definition cannot silently skip the emulation.
 *
 * Why it is kept beside asl-validator (test/infra/stack.test.ts) and the Lambda sandbox run
 * (test/lambda/): the validator only checks that the definition is well-formed ASL, and the
 * sandbox runs each function's bundle on events written by hand. Neither checks the *data flow
 * the definition wires between states*, which only running it shows: that CheckInput refuses
 * what it should; that RecordStart's States.Format yields the ResultWriter prefix the finalize
 * function reads; that the ItemBatcher's BatchInput and groups reach the render Lambda in the
 * shape it parses; that ResultWriter output (as Step Functions documents it), `$.map` or the
 * Catch's `$.mapError` reach finalize as it expects; and that ToleratedFailurePercentage and the
 * MapFailed choice end the execution FAILED. It does not prove error names survive bundling
 * (handlers run from source here): stack.test.ts checks that on the built bundles.
 *
 * What it interprets:
 *
 * - Choice (And, IsString, IsPresent, StringEquals, StringMatches), Pass (Parameters, ResultPath),
 *   Task (a Lambda ARN as Resource, Retry, ResultPath), Succeed, Fail (ErrorPath, CausePath);
 * - Map in DISTRIBUTED mode: ItemReader (s3:getObject, JSONL or CSV with a header row) →
 *   ItemBatcher (MaxItemsPerBatch, MaxInputBytesPerBatch, BatchInput with `.$` paths) → the item
 *   processor's one Task per group → ToleratedFailurePercentage → ResultWriter (s3:putObject,
 *   `Bucket`/`Prefix` static or `.$` paths) → Catch;
 * - intrinsic functions: States.Format only.
 *
 * What it writes is shaped as Step Functions documents it (AWS Step Functions Developer Guide,
 * "ResultWriter (Map)": https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html):
 * `<Prefix>/<map-run-id>/manifest.json` ({"DestinationBucket", "MapRunArn", "ResultFiles":
 * {"FAILED", "PENDING", "SUCCEEDED": [{"Key", "Size"}]}}), `SUCCEEDED_0.json` / `FAILED_0.json`
 * (JSON arrays of child executions with `Input`/`Output` as JSON strings, `Error`/`Cause` when
 * failed), and the Map state's output `{"MapRunArn", "ResultWriterDetails": {"Bucket", "Key"}}`.
 */
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parse as parseCsv } from 'csv-parse/sync';

type Json = any;
export type Invoke = (functionArn: string, payload: Json) => Promise<Json>;

export class StatesError extends Error {
  constructor(
    readonly error: string,
    readonly causeText: string,
  ) {
    super(`${error}: ${causeText}`);
  }
}

export interface EmulatorOptions {
  readonly definition: Json;
  readonly s3: S3Client;
  /** Calls the Lambda behind a Task's Resource ARN. A thrown error's `name` is its Step Functions error. */
  readonly invoke: Invoke;
  readonly stateMachineArn?: string;
  readonly executionName?: string;
}

export interface ExecutionRecord {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: Json;
  readonly error?: string;
  readonly cause?: string;
  /** The states entered, in order. */
  readonly path: string[];
  /** Child executions per Map state, as written by the ResultWriter. */
  readonly children: Json[];
}

function get(root: Json, context: Json, path: string): Json {
  const [base, rest] = path.startsWith('$$') ? [context, path.slice(2)] : path.startsWith('$') ? [root, path.slice(1)] : [undefined, ''];
  if (base === undefined) throw new Error(`unsupported path ${path}`);
  let value = base;
  for (const key of rest.split('.').filter(Boolean)) value = value === undefined || value === null ? undefined : value[key];
  return value;
}

function evaluate(expression: string, state: Json, context: Json): Json {
  const format = /^States\.Format\('((?:[^'\\]|\\.)*)'((?:\s*,\s*\$[\w.$]*)*)\)$/.exec(expression);
  if (format) {
    const args = format[2].split(',').map((s) => s.trim()).filter(Boolean).map((p) => get(state, context, p));
    let i = 0;
    return format[1].replace(/\{\}/g, () => String(args[i++]));
  }
  if (expression.startsWith('$')) return get(state, context, expression);
  throw new Error(`unsupported expression ${expression}`);
}

function template(parameters: Json, state: Json, context: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(parameters as Record<string, Json>)) {
    if (key.endsWith('.$')) out[key.slice(0, -2)] = evaluate(value as string, state, context);
    else out[key] = typeof value === 'object' && value !== null && !Array.isArray(value) ? template(value, state, context) : value;
  }
  return out;
}

function withResult(state: Json, resultPath: string | undefined | null, result: Json): Json {
  if (resultPath === null) return state;
  if (resultPath === undefined || resultPath === '$') return result;
  const keys = resultPath.replace(/^\$\.?/, '').split('.');
  const copy = structuredClone(state);
  let node = copy;
  for (const key of keys.slice(0, -1)) node = node[key] ??= {};
  node[keys[keys.length - 1]] = result;
  return copy;
}

function wildcard(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

function condition(rule: Json, state: Json, context: Json): boolean {
  if (rule.And) return (rule.And as Json[]).every((r) => condition(r, state, context));
  if (rule.Or) return (rule.Or as Json[]).some((r) => condition(r, state, context));
  if (rule.Not) return !condition(rule.Not, state, context);
  const value = get(state, context, rule.Variable);
  if ('IsPresent' in rule) return (value !== undefined) === rule.IsPresent;
  if ('IsString' in rule) return (typeof value === 'string') === rule.IsString;
  if ('StringEquals' in rule) return value === rule.StringEquals;
  if ('StringMatches' in rule) return typeof value === 'string' && wildcard(rule.StringMatches).test(value);
  throw new Error(`unsupported Choice rule ${JSON.stringify(rule)}`);
}

async function withRetry(task: Json, run: () => Promise<Json>): Promise<Json> {
  const attempts = new Map<Json, number>();
  for (;;) {
    try {
      return await run();
    } catch (error) {
      const name = (error as Error).name;
      const retrier = (task.Retry as Json[] | undefined)?.find((r) => r.ErrorEquals.includes(name) || r.ErrorEquals.includes('States.ALL'));
      const used = attempts.get(retrier) ?? 0;
      if (!retrier || used >= (retrier.MaxAttempts ?? 3)) throw error;
      attempts.set(retrier, used + 1);
    }
  }
}

async function readItems(s3: S3Client, reader: Json, state: Json, context: Json): Promise<Json[]> {
  if (reader.Resource !== 'arn:aws:states:::s3:getObject' && !String(reader.Resource).endsWith(':states:::s3:getObject')) {
    throw new Error(`unsupported ItemReader ${reader.Resource}`);
  }
  const { Bucket, Key } = template(reader.Parameters, state, context);
  const response = await s3.send(new GetObjectCommand({ Bucket, Key }));
  const text = (await response.Body!.transformToString('utf8')).replace(/^\uFEFF/, '');
  const type = reader.ReaderConfig?.InputType;
  if (type === 'JSONL') {
    return text.split(/\r?\n/).filter((line) => line.trim() !== '').map((line) => {
      try {
        return JSON.parse(line);
      } catch {
        throw new StatesError('States.ItemReaderFailed', `invalid JSON line in s3://${Bucket}/${Key}`);
      }
    });
  }
  if (type === 'CSV' && reader.ReaderConfig.CSVHeaderLocation === 'FIRST_ROW') {
    const rows = parseCsv(text, { skip_empty_lines: true, relax_column_count: true }) as string[][];
    const [header, ...body] = rows;
    return body.map((cells) => Object.fromEntries(header.map((column, i) => [column, cells[i] ?? ''])));
  }
  throw new Error(`unsupported ItemReader config ${JSON.stringify(reader.ReaderConfig)}`);
}

export async function runExecution(options: EmulatorOptions, input: Json): Promise<ExecutionRecord> {
  const { definition, s3 } = options;
  const stateMachineArn = options.stateMachineArn ?? 'arn:aws:states:us-east-1:123456789012:stateMachine:Batch';
  const name = options.executionName ?? randomUUID();
  const context = { Execution: { Id: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`, Name: name, StartTime: new Date().toISOString(), Input: input } };
  const path: string[] = [];
  const children: Json[] = [];
  let state: Json = structuredClone(input);
  let current: string = definition.StartAt;

  const runMap = async (mapName: string, map: Json): Promise<Json> => {
    if (map.ItemProcessor?.ProcessorConfig?.Mode !== 'DISTRIBUTED') throw new Error(`${mapName} is not a distributed map`);
    const items = await readItems(s3, map.ItemReader, state, context);
    const batcher = map.ItemBatcher;
    const batchInput = batcher.BatchInput ? template(batcher.BatchInput, state, context) : undefined;
    const groups: Json[][] = [];
    for (const item of items) {
      const last = groups[groups.length - 1];
      const fits = last && last.length < batcher.MaxItemsPerBatch && Buffer.byteLength(JSON.stringify([...last, item])) <= (batcher.MaxInputBytesPerBatch ?? 256 * 1024);
      if (fits) last.push(item);
      else groups.push([item]);
    }
    const processor = map.ItemProcessor;
    const task = processor.States[processor.StartAt];
    if (task.Type !== 'Task' || !task.End) throw new Error('the item processor must be a single Task');
    const mapRunId = randomUUID();
    const childMachine = `${stateMachineArn}/${map.Label ?? mapName}`;
    const mapRunArn = `${stateMachineArn.replace(':stateMachine:', ':mapRun:')}/${map.Label ?? mapName}:${mapRunId}`;
    const succeeded: Json[] = [];
    const failed: Json[] = [];
    for (const group of groups) {
      const childName = randomUUID();
      const childInput = { BatchInput: batchInput, Items: group };
      const started = new Date().toISOString();
      const base = {
        ExecutionArn: `${childMachine.replace(':stateMachine:', ':execution:')}:${childName}`,
        Input: JSON.stringify(childInput),
        InputDetails: { Included: true },
        Name: childName,
        RedriveCount: 0,
        StartDate: started,
        StateMachineArn: childMachine,
      };
      try {
        const output = await withRetry(task, () => options.invoke(task.Resource, structuredClone(childInput)));
        succeeded.push({
          ...base,
          Output: JSON.stringify(output),
          OutputDetails: { Included: true },
          RedriveStatus: 'NOT_REDRIVABLE',
          RedriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
          Status: 'SUCCEEDED',
          StopDate: new Date().toISOString(),
        });
      } catch (error) {
        failed.push({
          ...base,
          Cause: JSON.stringify({ errorType: (error as Error).name, errorMessage: (error as Error).message }),
          Error: (error as Error).name,
          RedriveStatus: 'REDRIVABLE',
          Status: 'FAILED',
          StopDate: new Date().toISOString(),
        });
      }
    }
    children.push(...succeeded, ...failed);

    const writer = map.ResultWriter;
    const { Bucket, Prefix } = template(writer.Parameters, state, context);
    const files: Record<'FAILED' | 'PENDING' | 'SUCCEEDED', { Key: string; Size: number }[]> = { FAILED: [], PENDING: [], SUCCEEDED: [] };
    const put = async (key: string, body: Json): Promise<number> => {
      const bytes = Buffer.from(JSON.stringify(body), 'utf8');
      await s3.send(new PutObjectCommand({ Bucket, Key: key, Body: bytes, ContentLength: bytes.length, ContentType: 'application/json' }));
      return bytes.length;
    };
    for (const [status, entries] of [['SUCCEEDED', succeeded], ['FAILED', failed]] as const) {
      if (entries.length === 0) continue;
      const key = `${Prefix}/${mapRunId}/${status}_0.json`;
      files[status].push({ Key: key, Size: await put(key, entries) });
    }
    const manifestKey = `${Prefix}/${mapRunId}/manifest.json`;
    await put(manifestKey, { DestinationBucket: Bucket, MapRunArn: mapRunArn, ResultFiles: files });

    const tolerated = map.ToleratedFailurePercentage ?? 0;
    if (groups.length > 0 && (failed.length / groups.length) * 100 > tolerated) {
      throw new StatesError('States.ExceededToleratedFailureThreshold', `${failed.length} of ${groups.length} child executions failed`);
    }
    return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket, Key: manifestKey } };
  };

  for (;;) {
    const spec = definition.States[current];
    if (!spec) throw new Error(`no state ${current}`);
    path.push(current);
    let next: string | undefined = spec.Next;
    switch (spec.Type) {
      case 'Choice': {
        const match = (spec.Choices as Json[]).find((choice) => condition(choice, state, context));
        next = match ? match.Next : spec.Default;
        break;
      }
      case 'Pass':
        state = withResult(state, spec.ResultPath, spec.Parameters ? template(spec.Parameters, state, context) : state);
        break;
      case 'Task': {
        if (spec.Parameters !== undefined) throw new Error(`${current}: Parameters are not emulated`);
        const result = await withRetry(spec, () => options.invoke(spec.Resource, structuredClone(state)));
        state = withResult(state, spec.ResultPath, result);
        break;
      }
      case 'Map':
        try {
          state = withResult(state, spec.ResultPath, await runMap(current, spec));
        } catch (error) {
          const err = error instanceof StatesError ? error : new StatesError((error as Error).name, (error as Error).message);
          const handler = (spec.Catch as Json[] | undefined)?.find((c) => c.ErrorEquals.includes('States.ALL') || c.ErrorEquals.includes(err.error));
          if (!handler) throw error;
          state = withResult(state, handler.ResultPath, { Error: err.error, Cause: err.causeText });
          next = handler.Next;
        }
        break;
      case 'Succeed':
        return { status: 'SUCCEEDED', output: state, path, children };
      case 'Fail':
        return {
          status: 'FAILED',
          error: spec.ErrorPath ? get(state, context, spec.ErrorPath) : spec.Error,
          cause: spec.CausePath ? get(state, context, spec.CausePath) : spec.Cause,
          path,
          children,
        };
      default:
        throw new Error(`state type ${spec.Type} is not emulated`);
    }
    if (spec.End) return { status: 'SUCCEEDED', output: state, path, children };
    if (!next) throw new Error(`${current} has no Next`);
    current = next;
  }
}
