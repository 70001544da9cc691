/**
 * The composition root: the one place that turns the configuration into a running program. Every
 * entry point (entrypoints/: the four Lambda handlers, the CLI, the dev server) calls
 * `compose(loadConfig(…))` once per process and asks the result for what it runs; nothing else
 * constructs an adapter. docs/architecture.md draws what is wired to what.
 *
 * Parts are built on first use and kept, so the finalize function never loads templates or
 * Chromium, and a warm Lambda or dev server reuses its browser. What a part needs from the
 * configuration is checked when it is built (loadConfig.ts, `require…`), so an entry point that
 * touches its parts at start-up fails there, naming the variable to fix.
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { FinalizeInput, FinalizeOutput } from './batch/finalizeRemoteBatch';
import type { BatchGroupContext, BatchGroupEvent, BatchGroupResult } from './batch/renderBatchGroup';
import type { RemoteBatchDependencies } from './batch/remoteBatches';
import { MAX_POOL_SIZE, type LocalBatchRequest, type LocalBatchResult, type RendererPool } from './batch/runLocalBatch';
import type { ChromiumRenderer } from './chromium/ChromiumRenderer';
import type { RecycleLimits } from './chromium/RecyclingRenderer';
import { requireBucket, requirePrinting, requireStateMachine, requireTemplatesDir, type AppConfig, type LoggingConfig } from './config/loadConfig';
import { clampConcurrency, ConcurrencyLimiter } from './core/ConcurrencyLimiter';
import { systemClock, type Clock, type Logger, type PdfRenderer, type ReportStore } from './core/ports';
import type { ReportLimits, ReportRenderer, ReportRendererParts } from './core/ReportRenderer';
import type { ReportService } from './core/ReportService';
import type { TemplateStore } from './core/TemplateStore';
import type { HttpRequest, HttpResponse } from './http/httpMessages';
import type { S3Credentials } from './storage/createS3Client';

/**
 * The modules behind the parts, loaded when a part is first built rather than when this file
 * loads. A function's bundle holds every module named here, but one `require`d inside a function
 * is evaluated only when that runs: the finalize function never evaluates puppeteer, pdf-lib or
 * Ajv, and the batch API never puppeteer. *Measured* on their esbuild bundles (2026-12-06): with
 * every module imported up front, the finalize and batch API bundles took ~340–360 ms to load,
 * against ~130–160 ms for their handlers before this file existed.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const modules = {
  chromium: () => require('./chromium/ChromiumRenderer') as typeof import('./chromium/ChromiumRenderer'),
  recycling: () => require('./chromium/RecyclingRenderer') as typeof import('./chromium/RecyclingRenderer'),
  pdf: () => require('./pdf/stampPdfMetadata') as typeof import('./pdf/stampPdfMetadata'),
  templates: () => require('./files/loadTemplateStore') as typeof import('./files/loadTemplateStore'),
  glyphCoverage: () => require('./files/readGlyphCoverage') as typeof import('./files/readGlyphCoverage'),
  batchFolder: () => require('./files/DirectoryBatchFolder') as typeof import('./files/DirectoryBatchFolder'),
  reportRenderer: () => require('./core/ReportRenderer') as typeof import('./core/ReportRenderer'),
  reportService: () => require('./core/ReportService') as typeof import('./core/ReportService'),
  reportStore: () => require('./storage/S3ReportStore') as typeof import('./storage/S3ReportStore'),
  batchObjects: () => require('./storage/S3BatchObjects') as typeof import('./storage/S3BatchObjects'),
  workflow: () => require('./stepFunctions/StepFunctionsWorkflow') as typeof import('./stepFunctions/StepFunctionsWorkflow'),
  httpApi: () => require('./http/handleHttpRequest') as typeof import('./http/handleHttpRequest'),
  batchRoutes: () => require('./http/batchRoutes') as typeof import('./http/batchRoutes'),
  localBatch: () => require('./batch/runLocalBatch') as typeof import('./batch/runLocalBatch'),
  batchGroup: () => require('./batch/renderBatchGroup') as typeof import('./batch/renderBatchGroup'),
  finalize: () => require('./batch/finalizeRemoteBatch') as typeof import('./batch/finalizeRemoteBatch'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

export interface ComposeOptions {
  /** Where logs go; default: Powertools' JSON logger configured by the `logging` section. */
  readonly logger?: Logger;
  /** Static S3 keys (the embedded s3rver's); default: the SDK's credential chain (the Lambda role). */
  readonly s3Credentials?: S3Credentials;
  /** The time; tests move it. */
  readonly clock?: Clock;
  /** Receives each request a document tried and the seal blocked; default: a warning in the log. */
  readonly onBlockedRequest?: (url: string) => void;
  /** When a batch browser is replaced for its size; default: the shared limits. */
  readonly recycle?: RecycleLimits;
  /** Templates to serve instead of reading TEMPLATES_DIR: `pdf-export check` renders one folder on its own. */
  readonly templates?: TemplateStore;
}

export type HttpHandler = (request: HttpRequest) => Promise<HttpResponse>;

export interface App {
  readonly config: AppConfig;
  readonly logger: Logger;
  /** The templates, read once (TEMPLATES_DIR). */
  readonly templates: TemplateStore;
  /** The process's one warm renderer: one browser, launched on first print. */
  readonly reports: ReportRenderer;
  /** The browser behind `reports` (its pid for tests and the bench). */
  readonly chromium: ChromiumRenderer;
  /** A renderer with this app's templates and view models over another printer (tests, the bench). */
  rendererFor(printer: PdfRenderer, limits?: Partial<ReportLimits>): ReportRenderer;
  /** Where PDFs are stored and signed (REPORTS_BUCKET). */
  readonly store: ReportStore;
  /** Reports in, signed links out (REPORTS_BUCKET). */
  readonly service: ReportService;
  /** The HTTP API (reports, templates, health), its parts built now. */
  httpApi(): HttpHandler;
  /** `POST /batches`, `GET /batches/{id}`, its parts built now (BATCH_STATE_MACHINE_ARN, REPORTS_BUCKET). */
  batchApi(): HttpHandler;
  /** `size` more warm renderers, one browser each, for local batches; the caller closes it. */
  rendererPool(size: number): RendererPool;
  /** A batch on this machine, into the folder `dir`. */
  runLocalBatch(request: Omit<LocalBatchRequest, 'folder'> & { readonly dir: string }): Promise<LocalBatchResult>;
  /** Renders groups of a remote batch (the batch render Lambda) with one recycling browser, built now. */
  batchGroupRenderer(): (event: BatchGroupEvent, context?: BatchGroupContext) => Promise<BatchGroupResult>;
  /** The last step of a remote batch (the finalize Lambda), built now. */
  batchFinalizer(): (input: FinalizeInput) => Promise<FinalizeOutput>;
  /** Closes every browser and connection pool built so far. */
  close(): Promise<void>;
}

/** Structured JSON logs, one line each (Powertools reads POWERTOOLS_LOG_LEVEL itself). */
export function createLogger(logging?: LoggingConfig): Logger {
  return new PowertoolsLogger({ serviceName: logging?.serviceName ?? 'pdf-export' });
}

/** Builds `create()` on first use and keeps it; a failure is not kept, so the next call tries again. */
function once<T>(create: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: create() }).v;
}

export function compose(config: AppConfig, options: ComposeOptions = {}): App {
  const logger = options.logger ?? createLogger(config.logging);
  const clock = options.clock ?? systemClock;
  const onBlockedRequest = options.onBlockedRequest ?? ((url: string) => logger.warn('document request blocked', { url: url.slice(0, 300) }));
  const closers: (() => Promise<void> | void)[] = [];

  const templates = once(() => options.templates ?? modules.templates().loadTemplateStore(requireTemplatesDir(config.render)));
  const rendererParts = once(
    (): ReportRendererParts => ({
      templates: templates(),
      finishPdf: modules.pdf().stampPdfMetadata,
      limits: { maxHtmlBytes: config.render.maxHtmlBytes, maxPages: config.render.maxPages },
      // What the fonts can print, read once from beside FONTCONFIG_FILE, where the build writes it.
      printable: modules.glyphCoverage().readGlyphCoverage(config.render.fontconfigFile),
    }),
  );
  /**
   * A new browser (not launched until its first print). `retryAfterCrash` for the process's own
   * renderer, whose callers (a request, `pdf-export render`) have no retry of their own; a batch
   * browser leaves it to runBatch, which counts the attempts in the manifest.
   */
  const newChromium = (retryAfterCrash = false): ChromiumRenderer => {
    const render = requirePrinting(config.render);
    return new (modules.chromium().ChromiumRenderer)({
      fontconfigFile: render.fontconfigFile,
      executablePath: render.chromiumPath,
      chromiumPackDir: render.chromiumPackDir,
      fontsPack: render.fontsPack,
      fontsExtendedPack: render.fontsExtendedPack,
      renderTimeoutMs: render.renderTimeoutMs,
      onBlockedRequest,
      retryAfterCrash,
    });
  };
  const chromium = once(() => {
    const browser = newChromium(true);
    closers.push(() => browser.close());
    return browser;
  });
  const reports = once(() => new (modules.reportRenderer().ReportRenderer)(rendererParts(), chromium()));
  const storage = once(() => requireBucket(config.storage));
  const reportStore = once(() => {
    const store = new (modules.reportStore().S3ReportStore)(storage(), { credentials: options.s3Credentials, now: clock });
    closers.push(() => store.close());
    return store;
  });
  const service = once(() => {
    const configured = {
      maxConcurrent: config.service.maxConcurrentRenders,
      maxQueued: config.service.maxQueuedRenders,
      retryAfterSeconds: config.service.retryAfterSeconds,
    };
    // The one browser prints only so many renders at once (ChromiumRenderer.PAGES_PER_BROWSER);
    // renders configured beyond that wait here, in the bounded queue, instead of in Chromium.
    const limits = clampConcurrency(configured, chromium().maxParallelRenders);
    if (limits.maxConcurrent < configured.maxConcurrent) {
      logger.info('MAX_CONCURRENT_RENDERS clamped to what one browser prints at once; the rest wait in the queue', { configured, limits });
    }
    const limiter = new ConcurrencyLimiter(limits);
    return new (modules.reportService().ReportService)(reports(), reportStore(), { linkExpirySeconds: config.service.linkExpirySeconds, limiter });
  });
  const batchObjects = once(() => {
    const objects = new (modules.batchObjects().S3BatchObjects)(storage(), { credentials: options.s3Credentials, now: clock });
    closers.push(() => objects.close());
    return objects;
  });
  const remoteBatches = once((): RemoteBatchDependencies => {
    const workflow = new (modules.workflow().StepFunctionsWorkflow)({ stateMachineArn: requireStateMachine(config.batch), endpoint: config.batch.sfnEndpoint });
    closers.push(() => workflow.close());
    return {
      templates: templates(),
      objects: batchObjects(),
      workflow,
      linkExpirySeconds: config.service.linkExpirySeconds,
      maxItems: config.batch.maxItems,
      workbook: { maxBytes: config.batch.maxWorkbookBytes, maxUnzippedBytes: config.batch.maxWorkbookUnzippedBytes },
      clock,
    };
  });

  const rendererPool = (size: number): RendererPool => {
    if (!Number.isInteger(size) || size < 1 || size > MAX_POOL_SIZE) throw new RangeError(`pool size must be 1..${MAX_POOL_SIZE}, got ${size}`);
    const parts = rendererParts();
    const { RecyclingRenderer, DEFAULT_RECYCLE_LIMITS } = modules.recycling();
    const { ReportRenderer } = modules.reportRenderer();
    // Each browser is relaunched when it has grown too big: a batch may print thousands of documents.
    const printers = Array.from({ length: size }, () => new RecyclingRenderer(() => newChromium(), options.recycle ?? DEFAULT_RECYCLE_LIMITS));
    return {
      reports: printers.map((printer) => new ReportRenderer(parts, printer)),
      printers,
      async warmUp() {
        // The first starts alone: it unpacks the bundled binary into the temp folder (once per
        // machine), which concurrent first launches would race on.
        await printers[0].browserPid();
        await Promise.all(printers.slice(1).map((printer) => printer.browserPid()));
      },
      close: async () => void (await Promise.all(printers.map((printer) => printer.close()))),
    };
  };

  const httpApi = once((): HttpHandler => {
    const { handleHttpRequest } = modules.httpApi();
    const deps = { service: service(), templates: templates(), config: config.http, retryAfterSeconds: config.service.retryAfterSeconds, logger };
    return (request) => handleHttpRequest(request, deps);
  });
  const batchApi = once((): HttpHandler => {
    const { handleBatchRequest } = modules.batchRoutes();
    const deps = { ...remoteBatches(), maxBodyBytes: config.batch.maxBodyBytes, logger };
    return (request) => handleBatchRequest(request, deps);
  });
  const batchGroupRenderer = once(() => {
    // A pool of one: the function's one warm browser, recycled when it has grown too big.
    const pool = rendererPool(1);
    closers.push(() => pool.close());
    const deps = {
      reports: pool.reports[0],
      store: reportStore(),
      warmUp: () => pool.warmUp(),
      // Enough time for the slowest render the renderer allows, plus storing and answering.
      needMs: config.render.renderTimeoutMs + config.batch.reserveMs,
      logger,
    };
    const { renderBatchGroup } = modules.batchGroup();
    return (event: BatchGroupEvent, context?: BatchGroupContext) => renderBatchGroup(event, deps, context);
  });
  const batchFinalizer = once(() => {
    const { finalizeRemoteBatch } = modules.finalize();
    const deps = { objects: batchObjects(), bucket: storage().bucket, clock, logger };
    return (input: FinalizeInput) => finalizeRemoteBatch(input, deps);
  });

  return {
    config,
    logger,
    get templates() {
      return templates();
    },
    get reports() {
      return reports();
    },
    get chromium() {
      return chromium();
    },
    rendererFor: (printer, limits) => new (modules.reportRenderer().ReportRenderer)({ ...rendererParts(), limits: { ...rendererParts().limits, ...limits } }, printer),
    get store() {
      return reportStore();
    },
    get service() {
      return service();
    },
    httpApi,
    batchApi,
    rendererPool,
    runLocalBatch: ({ dir, ...request }) => modules.localBatch().runLocalBatch({ ...request, folder: new (modules.batchFolder().DirectoryBatchFolder)(dir) }),
    batchGroupRenderer,
    batchFinalizer,
    async close() {
      for (const close of closers.splice(0).reverse()) await close();
    },
  };
}
