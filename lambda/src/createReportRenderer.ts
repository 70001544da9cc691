/**
 * Composition root: configuration → templates + Chromium → the core. Adapters (CLI, Lambda
 * handlers, dev server) call this once per process and keep the result warm.
 */
import { ChromiumRenderer } from './chromium/ChromiumRenderer';
import { ReportRenderer, type ReportLimits } from './core/ReportRenderer';
import type { RenderConfig } from './core/renderConfig';
import { TemplateStore } from './core/TemplateStore';

export interface ReportRendererHandle {
  readonly reports: ReportRenderer;
  readonly chromium: ChromiumRenderer;
  close(): Promise<void>;
}

/** One browser configured from the render configuration (each call is another browser). */
export function createChromiumRenderer(config: RenderConfig, onBlockedRequest?: (url: string) => void): ChromiumRenderer {
  return new ChromiumRenderer({
    fontconfigFile: config.fontconfigFile,
    executablePath: config.chromiumPath,
    chromiumPackDir: config.chromiumPackDir,
    renderTimeoutMs: config.renderTimeoutMs,
    onBlockedRequest,
  });
}

/** The core's limits from the render configuration. */
export function reportLimitsOf(config: RenderConfig): ReportLimits {
  return { maxHtmlBytes: config.maxHtmlBytes, maxPages: config.maxPages };
}

export function createReportRenderer(
  config: RenderConfig,
  hooks: { onBlockedRequest?: (url: string) => void } = {},
): ReportRendererHandle {
  const templates = TemplateStore.load(config.templatesDir);
  const chromium = createChromiumRenderer(config, hooks.onBlockedRequest);
  const reports = new ReportRenderer(templates, chromium, reportLimitsOf(config));
  return { reports, chromium, close: () => chromium.close() };
}
