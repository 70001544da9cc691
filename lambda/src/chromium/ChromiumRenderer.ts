/**
 * The Chromium boundary: HTML (plus the template's own assets) in, PDF bytes out.
 *
 * - One browser per process, launched lazily on first use, reused across renders and Lambda
 *   invocations, relaunched when it has died (BrowserSupervisor).
 * - A fresh page per render, opened ahead of time and never drawing a frame; its close is requested
 *   in `finally` without waiting, and a render that timed out takes the whole browser with it.
 * - The page is sealed (SealedPage): JavaScript is off, the document is written into the fresh
 *   page's blank document (no navigation), and every request is intercepted. Only the assets
 *   handed in are answered (from memory); everything else, navigations included, is aborted,
 *   logged and counted. The browser resolves no host names and every socket goes to a dead proxy.
 *   HTML-to-PDF services are a classic SSRF/local-file target (see SECURITY.md).
 *
 * Nothing outside chromium/ knows about puppeteer. puppeteer launches the browser, owns the pipe
 * and tracks targets; each render's page is then driven over its own DevTools session.
 */
import { ChromiumError, RenderTimeoutError } from '../core/errors';
import type { PdfRenderer, PdfRenderRequest, PdfRenderResult } from '../core/ports';
import { BrowserSupervisor, type BrowserLaunchOptions } from './BrowserSupervisor';
import type { SealedPage } from './SealedPage';

export { chromiumArgs, chromiumEnv } from './BrowserSupervisor';
export { DOCUMENT_ORIGIN, mayFetch, withBase } from './SealedPage';

export interface ChromiumRendererOptions extends BrowserLaunchOptions {
  /** Upper bound for one render, from navigation to the last PDF byte. */
  readonly renderTimeoutMs: number;
  /** Receives one line per blocked request; defaults to silence. */
  readonly onBlockedRequest?: (url: string) => void;
}

export class ChromiumRenderer implements PdfRenderer {
  private readonly supervisor: BrowserSupervisor;

  constructor(private readonly options: ChromiumRendererOptions) {
    this.supervisor = new BrowserSupervisor(options, options.renderTimeoutMs);
  }

  async renderPdf(request: PdfRenderRequest): Promise<PdfRenderResult> {
    const browser = await this.supervisor.liveBrowser();
    const blockedRequests: string[] = [];
    let page: SealedPage | undefined;
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const print = async (): Promise<Buffer> => {
      page = await this.supervisor.takePage(browser);
      await page.load(request.html, request.assets, (url) => {
        blockedRequests.push(url);
        this.options.onBlockedRequest?.(url);
      });
      // The next render's page is opened while this one prints. *Measured*: opened after the
      // render instead, it was still being set up when back-to-back renders (a batch, a busy
      // server) asked for it, because node was busy stamping metadata: ~20 ms of waiting each.
      this.supervisor.prepareSpare(browser);
      return page.print(request.outline);
    };
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(new RenderTimeoutError(`Rendering took longer than ${this.options.renderTimeoutMs} ms; simplify the document or raise RENDER_TIMEOUT_MS.`));
      }, this.options.renderTimeoutMs);
    });
    try {
      const pdf = await Promise.race([print(), deadline]);
      return { pdf, blockedRequests };
    } catch (error) {
      if (error instanceof RenderTimeoutError) throw error;
      throw new ChromiumError('Chromium failed to print the document.', { cause: error });
    } finally {
      clearTimeout(timer);
      if (timedOut) {
        // Chromium runs as one process: a page stuck in layout stalls every other page too, so a
        // timed-out render costs the browser. The next render launches a fresh one.
        this.supervisor.discard(browser);
      } else {
        // Not waited for: the PDF is complete, and nobody else ever sees this page.
        (page as SealedPage | undefined)?.close();
        await this.supervisor.relieveMemory(browser);
        this.supervisor.prepareSpare(browser);
      }
    }
  }

  close(): Promise<void> {
    return this.supervisor.close();
  }

  /** The running browser's process id, for diagnostics and for tests that kill it on purpose. */
  browserPid(): Promise<number | undefined> {
    return this.supervisor.browserPid();
  }
}
