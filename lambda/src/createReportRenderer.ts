/**
 * Composition root: configuration → templates + Chromium → the core. Adapters (CLI, Lambda
 * handlers, dev server) call this once per process and keep the result warm.
 */
import { ChromiumRenderer } from './chromium/ChromiumRenderer';
import { ReportRenderer } from './core/ReportRenderer';
import type { RenderConfig } from './core/renderConfig';
import { TemplateStore } from './core/TemplateStore';

export interface ReportRendererHandle {
  readonly reports: ReportRenderer;
  readonly chromium: ChromiumRenderer;
  close(): Promise<void>;
}

export function createReportRenderer(
  config: RenderConfig,
  hooks: { onBlockedRequest?: (url: string) => void } = {},
): ReportRendererHandle {
  const templates = TemplateStore.load(config.templatesDir);
  const chromium = new ChromiumRenderer({
    fontconfigFile: config.fontconfigFile,
    executablePath: config.chromiumPath,
    chromiumPackDir: config.chromiumPackDir,
    renderTimeoutMs: config.renderTimeoutMs,
    onBlockedRequest: hooks.onBlockedRequest,
  });
  const reports = new ReportRenderer(templates, chromium, { maxHtmlBytes: config.maxHtmlBytes, maxPages: config.maxPages });
  return { reports, chromium, close: () => chromium.close() };
}
