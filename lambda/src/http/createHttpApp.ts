/**
 * Composition root of the HTTP API: configuration (validated once, here) → templates + Chromium →
 * storage → report service → handler. The Lambda handler builds one per container, the dev server
 * one per process; both keep it warm and only translate requests.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { ConcurrencyLimiter } from '../core/ConcurrencyLimiter';
import type { Env } from '../core/env';
import { loadRenderConfig, type RenderConfig } from '../core/renderConfig';
import { ReportService } from '../core/ReportService';
import { loadServiceConfig, type ServiceConfig } from '../core/serviceConfig';
import { createReportRenderer, type ReportRendererHandle } from '../createReportRenderer';
import { S3ReportStore, type S3ReportStoreOptions } from '../storage/S3ReportStore';
import { loadStorageConfig, type StorageConfig } from '../storage/storageConfig';
import { handleHttpRequest, type HttpDependencies, type HttpLogger } from './handleHttpRequest';
import { loadHttpConfig, type HttpConfig } from './httpConfig';
import type { HttpRequest, HttpResponse } from './httpMessages';

export interface HttpAppConfig {
  readonly render: RenderConfig;
  readonly service: ServiceConfig;
  readonly storage: StorageConfig;
  readonly http: HttpConfig;
}

export interface HttpApp {
  readonly config: HttpAppConfig;
  readonly service: ReportService;
  readonly renderer: ReportRendererHandle;
  handle(request: HttpRequest): Promise<HttpResponse>;
  /** Closes Chromium and the S3 connection pool. */
  close(): Promise<void>;
}

export interface HttpAppOptions {
  readonly env?: Env;
  /** Used when REPORTS_BUCKET is unset (the dev server's embedded S3); Lambda has none. */
  readonly defaultBucket?: string;
  /** Overrides S3_ENDPOINT and S3_FORCE_PATH_STYLE, e.g. to point at the embedded S3. */
  readonly storageOverrides?: Partial<Pick<StorageConfig, 'endpoint' | 'forcePathStyle'>>;
  readonly storeOptions?: S3ReportStoreOptions;
  readonly logger?: HttpLogger;
}

/** Structured JSON logs; the level comes from POWERTOOLS_LOG_LEVEL (default INFO). */
export function createLogger(): Logger {
  return new Logger({ serviceName: 'pdf-export' });
}

/** Reads and validates all configuration; throws ConfigError naming the variable to fix. */
export function loadHttpAppConfig(options: HttpAppOptions = {}): HttpAppConfig {
  const env = options.env ?? process.env;
  const storage = loadStorageConfig(env, { bucket: options.defaultBucket });
  return Object.freeze({
    render: loadRenderConfig(env),
    service: loadServiceConfig(env),
    storage: Object.freeze({ ...storage, ...options.storageOverrides }),
    http: loadHttpConfig(env),
  });
}

export function createHttpApp(options: HttpAppOptions = {}): HttpApp {
  const config = loadHttpAppConfig(options);
  const logger = options.logger ?? createLogger();
  const renderer = createReportRenderer(config.render, {
    onBlockedRequest: (url) => logger.warn('document request blocked', { url: url.slice(0, 300) }),
  });
  const store = new S3ReportStore(config.storage, options.storeOptions);
  const limiter = new ConcurrencyLimiter({
    maxConcurrent: config.service.maxConcurrentRenders,
    maxQueued: config.service.maxQueuedRenders,
    retryAfterSeconds: config.service.retryAfterSeconds,
  });
  const service = new ReportService(renderer.reports, store, { linkExpirySeconds: config.service.linkExpirySeconds, limiter });
  const deps: HttpDependencies = { service, templates: renderer.reports.templates, config: config.http, logger };
  return {
    config,
    service,
    renderer,
    handle: (request) => handleHttpRequest(request, deps),
    async close() {
      store.close();
      await renderer.close();
    },
  };
}
