/**
 * The configuration, read once at start-up from the environment into a frozen, typed object. Every
 * variable is read through CONFIG_TABLE (configTable.ts), which holds its default, range and
 * meaning; an invalid value throws ConfigError naming the variable and what it accepts.
 *
 * `loadConfig` checks the form of every variable. What only some programs need is checked by
 * `require…` when compose.ts builds the part that needs it: that a bucket is named (storage),
 * that the fonts and the Chromium binary exist (printing), that the state machine is named
 * (`POST /batches`). So the finalize function, which prints nothing, does not fail for want of
 * fonts it never ships.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../core/errors';
import { CONFIG_TABLE, type ConfigVariable, type VariableSpec } from './configTable';
import { readBoolean, readInt, readString, type Env } from './env';
import { findProjectRoot } from './projectRoot';

export type { Env } from './env';

/** The value type a variable's spec reads as. */
type ValueOf<S> = S extends { kind: 'int' }
  ? number
  : S extends { kind: 'boolean' }
    ? boolean
    : S extends { kind: 'enum' | 'path' | 'string'; default: unknown }
      ? string
      : string | undefined;

/** Reads one variable as its table entry says; the only place that turns text into a setting. */
export function readVariable<N extends ConfigVariable>(env: Env, name: N, projectRoot: string = findProjectRoot()): ValueOf<(typeof CONFIG_TABLE)[N]> {
  const spec: VariableSpec = CONFIG_TABLE[name];
  let value: unknown;
  switch (spec.kind) {
    case 'int':
      value = readInt(env, name, spec.default, spec.min, spec.max);
      break;
    case 'boolean':
      value = readBoolean(env, name, spec.default);
      break;
    case 'enum': {
      const text = readString(env, name, spec.default).toUpperCase();
      if (!spec.values.includes(text)) throw new ConfigError(`${name} must be one of ${spec.values.join(', ')}; got "${text}".`);
      value = text;
      break;
    }
    case 'path': {
      const text = readString(env, name) ?? spec.default?.(projectRoot);
      value = text === undefined ? undefined : resolve(text);
      break;
    }
    case 'string': {
      const text = readString(env, name) ?? spec.default;
      const problem = text === undefined ? undefined : spec.check?.(text, name);
      if (problem !== undefined) throw new ConfigError(problem);
      value = text;
      break;
    }
  }
  return value as ValueOf<(typeof CONFIG_TABLE)[N]>;
}

export interface RenderConfig {
  /** TEMPLATES_DIR */
  readonly templatesDir: string;
  /** FONTCONFIG_FILE */
  readonly fontconfigFile: string;
  /** CHROMIUM_PATH */
  readonly chromiumPath: string | undefined;
  /** CHROMIUM_PACK_DIR */
  readonly chromiumPackDir: string | undefined;
  /** FONTS_PACK */
  readonly fontsPack: string | undefined;
  /** FONTS_EXTENDED_PACK */
  readonly fontsExtendedPack: string | undefined;
  /** RENDER_TIMEOUT_MS */
  readonly renderTimeoutMs: number;
  /** MAX_HTML_BYTES */
  readonly maxHtmlBytes: number;
  /** MAX_PAGES */
  readonly maxPages: number;
}

/** Where reports are stored; the bucket may still be missing (see requireBucket). */
export interface StorageSettings {
  /** REPORTS_BUCKET */
  readonly bucket: string | undefined;
  /** S3_REGION, else AWS_REGION: links are signed for it. */
  readonly region: string;
  /** S3_ENDPOINT; undefined means AWS S3. */
  readonly endpoint: string | undefined;
  /** S3_FORCE_PATH_STYLE */
  readonly forcePathStyle: boolean;
}

/** Storage with a bucket: what the S3 adapters are built from. */
export interface StorageConfig extends StorageSettings {
  readonly bucket: string;
}

export interface ServiceConfig {
  /** LINK_EXPIRY_SECONDS */
  readonly linkExpirySeconds: number;
  /** MAX_CONCURRENT_RENDERS */
  readonly maxConcurrentRenders: number;
  /** MAX_QUEUED_RENDERS */
  readonly maxQueuedRenders: number;
  /** RETRY_AFTER_SECONDS */
  readonly retryAfterSeconds: number;
}

export interface HttpConfig {
  /** MAX_BODY_BYTES */
  readonly maxBodyBytes: number;
}

export interface BatchConfig {
  /** BATCH_RESERVE_MS */
  readonly reserveMs: number;
  /** BATCH_STATE_MACHINE_ARN; only `POST /batches` needs it (see requireStateMachine). */
  readonly stateMachineArn: string | undefined;
  /** MAX_BATCH_BODY_BYTES */
  readonly maxBodyBytes: number;
  /** MAX_BATCH_ITEMS */
  readonly maxItems: number;
  /** MAX_WORKBOOK_BYTES */
  readonly maxWorkbookBytes: number;
  /** MAX_WORKBOOK_UNZIPPED_BYTES */
  readonly maxWorkbookUnzippedBytes: number;
  /** SFN_ENDPOINT */
  readonly sfnEndpoint: string | undefined;
}

export interface DevServerConfig {
  /** PORT (or --port) */
  readonly port: number;
  /** LOCAL_S3_DIR */
  readonly localS3Dir: string;
  /** LOCAL_S3_PORT */
  readonly localS3Port: number;
  /** The embedded S3's bucket, used when REPORTS_BUCKET is unset. */
  readonly defaultBucket: string;
  /** True when S3_ENDPOINT or REPORTS_BUCKET is set: use that S3 and start no embedded one. */
  readonly useExternalS3: boolean;
}

export interface PlaygroundConfig {
  /** PLAYGROUND_DIR */
  readonly dir: string;
  /** PLAYGROUND_BATCH_CONCURRENCY */
  readonly batchConcurrency: number;
  /** PLAYGROUND_MAX_UPLOAD_BYTES */
  readonly maxUploadBytes: number;
  /** PLAYGROUND_KEEP_BATCHES */
  readonly keepBatches: number;
}

export interface LoggingConfig {
  /** POWERTOOLS_LOG_LEVEL */
  readonly level: string;
  /** POWERTOOLS_SERVICE_NAME */
  readonly serviceName: string;
}

export interface CliConfig {
  /** PDF_EXPORT_DEBUG */
  readonly debug: boolean;
}

/** Everything, one section per part of the program. */
export interface AppConfig {
  readonly render: RenderConfig;
  readonly storage: StorageSettings;
  readonly service: ServiceConfig;
  readonly http: HttpConfig;
  readonly batch: BatchConfig;
  readonly devServer: DevServerConfig;
  readonly playground: PlaygroundConfig;
  readonly logging: LoggingConfig;
  readonly cli: CliConfig;
}

/** The embedded S3's bucket for `npm start`. */
export const LOCAL_BUCKET = 'pdf-export-local';
/** Region when neither S3_REGION nor AWS_REGION is set. */
export const DEFAULT_REGION = 'us-east-1';

export interface LoadOptions {
  /** The bucket when REPORTS_BUCKET is unset (the dev server's embedded S3). */
  readonly defaultBucket?: string;
  /** `--port`, which wins over PORT. */
  readonly port?: number;
}

function section<T extends object>(value: T): Readonly<T> {
  return Object.freeze(value);
}

export function loadRenderSettings(env: Env, root = findProjectRoot()): RenderConfig {
  return section({
    templatesDir: readVariable(env, 'TEMPLATES_DIR', root),
    fontconfigFile: readVariable(env, 'FONTCONFIG_FILE', root),
    chromiumPath: readVariable(env, 'CHROMIUM_PATH', root),
    chromiumPackDir: readVariable(env, 'CHROMIUM_PACK_DIR', root),
    fontsPack: readVariable(env, 'FONTS_PACK', root),
    fontsExtendedPack: readVariable(env, 'FONTS_EXTENDED_PACK', root),
    renderTimeoutMs: readVariable(env, 'RENDER_TIMEOUT_MS'),
    maxHtmlBytes: readVariable(env, 'MAX_HTML_BYTES'),
    maxPages: readVariable(env, 'MAX_PAGES'),
  });
}

export function loadStorageSettings(env: Env, options: Pick<LoadOptions, 'defaultBucket'> = {}): StorageSettings {
  const region = readVariable(env, 'S3_REGION') ?? readString(env, 'AWS_REGION', DEFAULT_REGION);
  // AWS_REGION is the runtime's, not ours; it must still be a region to sign for.
  const problem = CONFIG_TABLE.S3_REGION.check(region, 'S3_REGION');
  if (problem !== undefined) throw new ConfigError(problem);
  return section({
    bucket: readVariable(env, 'REPORTS_BUCKET') ?? options.defaultBucket,
    region,
    endpoint: readVariable(env, 'S3_ENDPOINT'),
    forcePathStyle: readVariable(env, 'S3_FORCE_PATH_STYLE'),
  });
}

export function loadServiceConfig(env: Env = process.env): ServiceConfig {
  return section({
    linkExpirySeconds: readVariable(env, 'LINK_EXPIRY_SECONDS'),
    maxConcurrentRenders: readVariable(env, 'MAX_CONCURRENT_RENDERS'),
    maxQueuedRenders: readVariable(env, 'MAX_QUEUED_RENDERS'),
    retryAfterSeconds: readVariable(env, 'RETRY_AFTER_SECONDS'),
  });
}

export function loadHttpConfig(env: Env = process.env): HttpConfig {
  return section({ maxBodyBytes: readVariable(env, 'MAX_BODY_BYTES') });
}

export function loadBatchConfig(env: Env = process.env): BatchConfig {
  return section({
    reserveMs: readVariable(env, 'BATCH_RESERVE_MS'),
    stateMachineArn: readVariable(env, 'BATCH_STATE_MACHINE_ARN'),
    maxBodyBytes: readVariable(env, 'MAX_BATCH_BODY_BYTES'),
    maxItems: readVariable(env, 'MAX_BATCH_ITEMS'),
    maxWorkbookBytes: readVariable(env, 'MAX_WORKBOOK_BYTES'),
    maxWorkbookUnzippedBytes: readVariable(env, 'MAX_WORKBOOK_UNZIPPED_BYTES'),
    sfnEndpoint: readVariable(env, 'SFN_ENDPOINT'),
  });
}

export function loadDevServerConfig(env: Env = process.env, options: Pick<LoadOptions, 'port'> = {}, root = findProjectRoot()): DevServerConfig {
  return section({
    port: options.port ?? readVariable(env, 'PORT'),
    localS3Dir: readVariable(env, 'LOCAL_S3_DIR', root),
    localS3Port: readVariable(env, 'LOCAL_S3_PORT'),
    defaultBucket: LOCAL_BUCKET,
    useExternalS3: readVariable(env, 'S3_ENDPOINT') !== undefined || readVariable(env, 'REPORTS_BUCKET') !== undefined,
  });
}

export function loadPlaygroundConfig(env: Env = process.env, root = findProjectRoot()): PlaygroundConfig {
  return section({
    dir: readVariable(env, 'PLAYGROUND_DIR', root),
    batchConcurrency: readVariable(env, 'PLAYGROUND_BATCH_CONCURRENCY'),
    maxUploadBytes: readVariable(env, 'PLAYGROUND_MAX_UPLOAD_BYTES'),
    keepBatches: readVariable(env, 'PLAYGROUND_KEEP_BATCHES'),
  });
}

/** Every section, every variable's form checked; frozen. */
export function loadConfig(env: Env = process.env, options: LoadOptions = {}): AppConfig {
  const root = findProjectRoot();
  return section({
    render: loadRenderSettings(env, root),
    storage: loadStorageSettings(env, options),
    service: loadServiceConfig(env),
    http: loadHttpConfig(env),
    batch: loadBatchConfig(env),
    devServer: loadDevServerConfig(env, options, root),
    playground: loadPlaygroundConfig(env, root),
    logging: section({ level: readVariable(env, 'POWERTOOLS_LOG_LEVEL'), serviceName: readVariable(env, 'POWERTOOLS_SERVICE_NAME') }),
    cli: section({ debug: readVariable(env, 'PDF_EXPORT_DEBUG') }),
  });
}

// ── What only some programs need, checked when compose.ts builds the part that needs it ──

/** TEMPLATES_DIR must exist for anything that loads templates. */
export function requireTemplatesDir(render: RenderConfig): string {
  if (!existsSync(render.templatesDir)) {
    throw new ConfigError(`TEMPLATES_DIR ${render.templatesDir} does not exist; point it at the templates/ folder.`);
  }
  return render.templatesDir;
}

/** Printing needs the fonts, and the Chromium binary when one is named. */
export function requirePrinting(render: RenderConfig): RenderConfig {
  requireTemplatesDir(render);
  if (!existsSync(render.fontconfigFile)) {
    throw new ConfigError(
      `Font configuration ${render.fontconfigFile} is missing; run \`npm run build\` to assemble the fonts ` +
        `(or set FONTCONFIG_FILE). Without it Chinese text prints as invisible glyphs.`,
    );
  }
  if (render.chromiumPath !== undefined && !existsSync(render.chromiumPath)) {
    throw new ConfigError(`CHROMIUM_PATH ${render.chromiumPath} does not exist; unset it to use the bundled Chromium.`);
  }
  for (const [name, pack] of [['FONTS_PACK', render.fontsPack], ['FONTS_EXTENDED_PACK', render.fontsExtendedPack]] as const) {
    if (pack !== undefined && !existsSync(pack)) {
      throw new ConfigError(`${name} ${pack} does not exist; unset it where the fonts are not packed (they are then found where FONTCONFIG_FILE lists them).`);
    }
  }
  return render;
}

/** The S3 adapters need a bucket. */
export function requireBucket(storage: StorageSettings): StorageConfig {
  if (storage.bucket === undefined) {
    throw new ConfigError('REPORTS_BUCKET is not set; set it to the name of the bucket that stores the PDFs.');
  }
  return section({ ...storage, bucket: storage.bucket });
}

/** `POST /batches` starts the state machine. */
export function requireStateMachine(batch: BatchConfig): string {
  if (batch.stateMachineArn === undefined) {
    throw new ConfigError("BATCH_STATE_MACHINE_ARN must be the batch state machine's ARN.");
  }
  return batch.stateMachineArn;
}
