/**
 * N warm renderers for a local batch: N browsers (ChromiumRenderers, each relaunched when it has
 * grown too big, see RecyclingRenderer) behind N ReportRenderers sharing one TemplateStore. The
 * bundled Chromium runs single-process, so pages in one browser barely overlap; separate browsers
 * do (DESIGN.md: 2 browsers gave 9.7 docs/s on 2 cores). Each browser costs ~220 MB, hence the cap.
 */
import type { ChromiumRenderer } from '../chromium/ChromiumRenderer';
import { createChromiumRenderer, reportLimitsOf } from '../createReportRenderer';
import type { RenderConfig } from '../core/renderConfig';
import { ReportRenderer } from '../core/ReportRenderer';
import { TemplateStore } from '../core/TemplateStore';
import { DEFAULT_RECYCLE_LIMITS, RecyclingRenderer, type RecycleLimits } from './RecyclingRenderer';

/** 16 browsers are ~3.5 GB of memory; beyond that a machine is better served by more processes. */
export const MAX_POOL_SIZE = 16;

export interface RendererPool {
  readonly templates: TemplateStore;
  /** One per browser; hand these to runBatch. */
  readonly reports: readonly ReportRenderer[];
  /** The browsers behind `reports`, e.g. to print pages that are not reports (a volume's cover). */
  readonly printers: readonly RecyclingRenderer[];
  /**
   * Starts every browser now, so a broken Chromium is one clear error before the batch instead of
   * a failure per item. The first starts alone: it unpacks the bundled binary into the temp
   * folder (once per machine), which concurrent first launches would race on.
   */
  warmUp(): Promise<void>;
  close(): Promise<void>;
}

export function createRendererPool(
  config: RenderConfig,
  size: number,
  options: {
    /** Reuse templates already loaded (e.g. to read the items first); loaded from config otherwise. */
    readonly templates?: TemplateStore;
    readonly onBlockedRequest?: (url: string) => void;
    readonly recycle?: RecycleLimits;
  } = {},
): RendererPool {
  if (!Number.isInteger(size) || size < 1 || size > MAX_POOL_SIZE) {
    throw new RangeError(`pool size must be 1..${MAX_POOL_SIZE}, got ${size}`);
  }
  const templates = options.templates ?? TemplateStore.load(config.templatesDir);
  const launch = (): ChromiumRenderer => createChromiumRenderer(config, options.onBlockedRequest);
  const printers = Array.from({ length: size }, () => new RecyclingRenderer(launch, options.recycle ?? DEFAULT_RECYCLE_LIMITS));
  const limits = reportLimitsOf(config);
  const reports = printers.map((printer) => new ReportRenderer(templates, printer, limits));
  return {
    templates,
    reports,
    printers,
    async warmUp() {
      await printers[0].browserPid();
      await Promise.all(printers.slice(1).map((printer) => printer.browserPid()));
    },
    async close() {
      await Promise.all(printers.map((printer) => printer.close()));
    },
  };
}
