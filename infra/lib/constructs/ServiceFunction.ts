import { join, relative } from 'node:path';
import { Duration, Size, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV } from '../../../lambda/src/config/configTable';
import { precompiledValidatorsFile } from '../../../lambda/src/files/loadTemplateStore';
import { writePrecompiledValidators } from '../bundling/writePrecompiledValidators';
import { PATHS } from '../projectPaths';
import { ChromiumFontsLayer } from './ChromiumFontsLayer';

/** Chromium on Lambda wants at least this much memory (docs/architecture.md, limits). */
export const MIN_RENDER_MEMORY_MB = 1536;
/** Cold start before the first render: unpacking Chromium into /tmp (~2 s) and launching it. */
export const CHROMIUM_STARTUP_ALLOWANCE = Duration.seconds(6);
/**
 * Packages only a printing function runs. compose.ts loads the printer (and pdf-lib) when it first
 * builds one, so a function that prints nothing never requires them, and they stay out of its
 * bundle: *measured* (2026-12-06) the finalize and batch API bundles are ~1.0 MB instead of ~3.7 MB
 * and load in ~100 ms instead of ~210 ms. A require that slipped in would fail at once with
 * "Cannot find module" (test/infra/stack.test.ts loads both bundles with nothing else installed).
 */
export const PRINTING_ONLY_MODULES: readonly string[] = ['@sparticuz/chromium', 'puppeteer-core', 'pdf-lib'];
/**
 * Packages puppeteer-core brings along that a printer driving Chromium over CDP through a pipe never
 * runs: WebDriver BiDi (loaded only for `protocol: 'webDriverBiDi'`), the browser-download CLI, and
 * the PAC/SOCKS/FTP proxy stack of @puppeteer/browsers' downloader (a JavaScript engine compiled to
 * WebAssembly among it). Left out of the render functions' bundles: 3.9 → 2.4 MB. *Measured*
 * (2026-12-06, Node 22 on one core, the HTTP bundle, alternating): bundle load 288–293 → 228–239 ms,
 * first request composed ~90 ms sooner. Each is required lazily, except `proxy-agent`, which
 * @puppeteer/browsers requires when it loads: that one is replaced by an empty module
 * (infra/lib/bundling/unusedModule.cjs). test/lambda/sandbox.test.ts prints with these bundles.
 */
export const PRINTER_UNUSED_MODULES: readonly string[] = [
  'chromium-bidi',
  'yargs',
  '@tootallnate/quickjs-emscripten',
  'pac-proxy-agent',
  'pac-resolver',
  'degenerator',
  'esprima',
  'escodegen',
  'ast-types',
  'basic-ftp',
  'get-uri',
  'socks',
  'socks-proxy-agent',
  'http-proxy-agent',
  'https-proxy-agent',
  'ip-address',
  'netmask',
];
const UNUSED_MODULE_STUB = join(PATHS.root, 'infra', 'lib', 'bundling', 'unusedModule.cjs');
/**
 * Source maps: written beside the bundle (`index.js.map`, shipped in the code package, so the map
 * of exactly what runs comes with `aws lambda get-function`) without the sources inlined, and *not*
 * loaded at run time (no `NODE_OPTIONS=--enable-source-maps`).
 *
 * *Measured* (2026-12-06; Node 22.23 pinned to one core of the 2-core build machine, median of 9
 * fresh processes per variant, interleaved; the BatchRender and HttpRender bundles, 3.8 MB each;
 * the first error is the first failed group / the first 5xx, whose stack Lambda or the logger formats):
 *
 *   variant                                   require   RSS    first stack   RSS after it
 *   11.8 MB map with sources + the flag        555 ms   +89 MB   +510–600 ms   245–250 MB
 *    4.0 MB map, no sources  + the flag        370 ms   +59 MB   +550–580 ms   172–181 MB
 *   no flag (map shipped or not)               290 ms   +42 MB       5 ms      114–116 MB
 *   chosen: keepNames, 4.1 MB map, no flag     310 ms   +45 MB       5 ms       97–101 MB
 *
 * Node parses the map when it loads the bundle and decodes its mappings on the first stack it
 * formats, so the flag costs every cold start ~250 ms and ~47 MB, and every container's first error
 * another half second and ~130 MB. Without it a logged stack still names most functions
 * (keepNames: `at unpackChromium (/var/task/index.js:310:14370)`), and docs/deploy.md §8 maps such
 * positions back to lambda/src with the shipped map. To see mapped traces live while debugging,
 * add NODE_OPTIONS=--enable-source-maps to the function by hand: it finds the map beside the bundle.
 */
export const SOURCE_MAPS = { sourceMap: true, sourcesContent: false } as const;

/** Where Lambda puts the function's code. */
const LAMBDA_TASK_ROOT = '/var/task';
/** Where templates/ lands in the bundle (TEMPLATES_DIR). */
export const TEMPLATES_DIR_IN_LAMBDA = `${LAMBDA_TASK_ROOT}/templates`;

export interface RenderSettings {
  /** The layer holding Chromium and the fonts. */
  readonly layer: ChromiumFontsLayer;
  /**
   * Upper bound of one HTML-to-PDF render (RENDER_TIMEOUT_MS). The function timeout must leave
   * room for it plus Chromium's cold start.
   * @default Duration.seconds(20)
   */
  readonly renderTimeout?: Duration;
  /** MAX_HTML_BYTES. @default - the core's default (2 MiB) */
  readonly maxHtmlBytes?: number;
  /** MAX_PAGES. @default - the core's default (200) */
  readonly maxPages?: number;
}

export interface ServiceFunctionProps {
  /** TypeScript entry file exporting `handler`. */
  readonly entry: string;
  readonly description: string;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /**
   * Memory in MB. Render functions are refused below 1536 MB.
   * @default 2048 with `render`, else 512
   */
  readonly memorySize?: number;
  /**
   * /tmp size. Chromium unpacks ~200 MB into /tmp once per container, and renders leave files.
   * @default Size.mebibytes(1024) with `render`, else 512 MiB
   */
  readonly ephemeralStorageSize?: Size;
  /** Ship templates/ in the bundle and set TEMPLATES_DIR. @default true with `render`, else false */
  readonly withTemplates?: boolean;
  /** Makes this a render function: attaches the layer, sets Chromium/fonts/limits variables. */
  readonly render?: RenderSettings;
  /** Extra environment variables. */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Application log level (Lambda's JSON log format and POWERTOOLS_LOG_LEVEL). @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Reserved concurrency; caps cost and protects the account's pool. @default - unreserved */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * A NodejsFunction with this service's defaults: nodejs22.x on x86_64 (the Chromium package ships
 * x64 only), bundled by the local esbuild (no Docker) with the AWS SDK bundled in (pinned
 * versions, not the runtime's), @sparticuz/chromium external (it is in the layer), names kept
 * through minification, a source map shipped but not loaded (SOURCE_MAPS),
 * JSON logs into a log group with retention, and `templates/` copied into the bundle when asked.
 */
export class ServiceFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  /** The function timeout, for alarms on duration. */
  readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    const render = props.render;
    const timeout = props.timeout ?? Duration.seconds(30);
    const memorySize = props.memorySize ?? (render ? 2048 : 512);
    const withTemplates = props.withTemplates ?? render !== undefined;
    const environment: Record<string, string> = {
      // No NODE_OPTIONS=--enable-source-maps: SOURCE_MAPS above says why, with figures.
      [ENV.POWERTOOLS_SERVICE_NAME]: 'pdf-export',
      [ENV.POWERTOOLS_LOG_LEVEL]: props.logLevel ?? 'INFO',
    };
    if (withTemplates) environment[ENV.TEMPLATES_DIR] = TEMPLATES_DIR_IN_LAMBDA;
    const validators = withTemplates ? writePrecompiledValidators(PATHS.templates) : undefined;
    if (render) {
      const renderTimeout = render.renderTimeout ?? Duration.seconds(20);
      if (memorySize < MIN_RENDER_MEMORY_MB) {
        throw new Error(`${id}: render functions need at least ${MIN_RENDER_MEMORY_MB} MB of memory; got ${memorySize}.`);
      }
      if (timeout.toMilliseconds() < renderTimeout.toMilliseconds() + CHROMIUM_STARTUP_ALLOWANCE.toMilliseconds()) {
        throw new Error(
          `${id}: the function timeout (${timeout.toSeconds()} s) must exceed the render timeout (${renderTimeout.toSeconds()} s) ` +
            `by at least ${CHROMIUM_STARTUP_ALLOWANCE.toSeconds()} s for Chromium's cold start.`,
        );
      }
      // Where the layer's layout puts Chromium and the fonts (CHROMIUM_PATH + FONTS_PACK, or CHROMIUM_PACK_DIR).
      Object.assign(environment, render.layer.environment);
      environment[ENV.RENDER_TIMEOUT_MS] = String(renderTimeout.toMilliseconds());
      if (render.maxHtmlBytes !== undefined) environment[ENV.MAX_HTML_BYTES] = String(render.maxHtmlBytes);
      if (render.maxPages !== undefined) environment[ENV.MAX_PAGES] = String(render.maxPages);
    }
    Object.assign(environment, props.environment);

    this.timeout = timeout;
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.X86_64,
      memorySize,
      timeout,
      ephemeralStorageSize: props.ephemeralStorageSize ?? Size.mebibytes(render ? 1024 : 512),
      layers: render ? [render.layer.layer] : [],
      environment,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel[props.logLevel ?? 'INFO'],
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      projectRoot: PATHS.root,
      depsLockFilePath: PATHS.lockFile,
      bundling: {
        format: OutputFormat.CJS,
        target: 'node22',
        minify: true,
        // Class and function names survive minification. Lambda reports a thrown error's `name` as
        // its type, and the state machine's Retry rules match it (ChromiumError, not `Au`); stack
        // traces in CloudWatch name most functions (method frames keep the minified class name).
        // Checked on the built bundles by test/infra/stack.test.ts. Costs 3.5 % of the bundle
        // (3.78 → 3.91 MB) and ~15 ms of require.
        keepNames: true,
        ...SOURCE_MAPS,
        logLevel: LogLevel.ERROR,
        // Render functions: the layer provides @sparticuz/chromium with its brotli files (bundling
        // it would also break its bin/ path). Others: nothing that only printing needs.
        externalModules: render ? ['@sparticuz/chromium', ...PRINTER_UNUSED_MODULES] : [...PRINTING_ONLY_MODULES],
        ...(render ? { esbuildArgs: { '--alias:proxy-agent': UNUSED_MODULE_STUB } } : {}),
        forceDockerBundling: false,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          // The templates, and the validators the build compiled from their schemas where the service looks for them.
          afterBundling: (inputDir: string, outputDir: string) =>
            validators === undefined
              ? []
              : [`cp -R "${inputDir}/templates" "${outputDir}/templates"`, `cp "${validators}" "${join(outputDir, relative(LAMBDA_TASK_ROOT, precompiledValidatorsFile(TEMPLATES_DIR_IN_LAMBDA)))}"`],
        },
      },
    });

    Validations.of(this.function).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "AWSLambdaBasicExecutionRole only allows writing this function's own CloudWatch logs; it is the AWS-maintained minimum for a Lambda.",
      },
      {
        id: 'AwsSolutions-L1',
        reason: 'Pinned to nodejs22.x on purpose (docs/architecture.md): the Chromium package and the bundle are tested on it; moving to a newer runtime is a deliberate change.',
      },
    );
  }
}
