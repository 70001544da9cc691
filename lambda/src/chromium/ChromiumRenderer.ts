/**
 * The Chromium boundary: HTML (plus the template's own assets) in, PDF bytes out.
 *
 * - One browser per process, launched lazily on first use, reused across renders and Lambda
 *   invocations, relaunched when it has died (BrowserSupervisor).
 * - At most PAGES_PER_BROWSER renders print on it at once; more wait here, before their deadline
 *   starts.
 * - A fresh page per render, opened ahead of time and never drawing a frame; its close is requested
 *   in `finally` without waiting.
 * - A render that times out takes the whole browser with it; the renders printing beside it are
 *   printed again on the fresh browser (see `renderPdf`).
 * - The page is sealed (SealedPage): JavaScript is off, the document is written into the fresh
 *   page's blank document (no navigation), and every request is intercepted. Only the assets
 *   handed in are answered (from memory); everything else, navigations included, is aborted,
 *   logged and counted. The browser resolves no host names and every socket goes to a dead proxy.
 *   HTML-to-PDF services are a classic SSRF/local-file target (see SECURITY.md).
 *
 * Nothing outside chromium/ knows about puppeteer. puppeteer launches the browser, owns the pipe
 * and tracks targets; each render's page is then driven over its own DevTools session.
 */
import { ConcurrencyLimiter } from '../core/ConcurrencyLimiter';
import { ChromiumError, RenderTimeoutError } from '../core/errors';
import type { PdfRenderer, PdfRenderRequest, PdfRenderResult } from '../core/ports';
import { BrowserSupervisor, type BrowserLaunchOptions, type BrowserLoss } from './BrowserSupervisor';
import type { SealedPage } from './SealedPage';

export { chromiumArgs, chromiumEnv } from './BrowserSupervisor';
export { DOCUMENT_ORIGIN, mayFetch, withBase } from './SealedPage';

/**
 * Renders printing on one browser at once. The bundled Chromium is one process with one renderer
 * thread for all its pages, so more pages only wait for each other, hold memory, and each one more
 * is a render lost when a timeout costs the browser.
 * *Measured* (2026-12-06, 64 county reports through ReportRenderer, one browser, k pages at once,
 * two runs each): 8.7–9.6 docs/s at k = 1, 8.5–9.4 at 2, 8.3–9.4 at 4, 8.3–8.5 at 16, while the
 * median render took 100–115 ms, 200–230, 420–440 and 1,830–1,840 ms, and peak RSS (node +
 * Chromium) went from 277–287 MB at k ≤ 4 to 413–440 MB at 16. Two rather than one: two at a time
 * was ~7% faster in docs/architecture.md's measurement and no slower here, and 2 is what
 * MAX_CONCURRENT_RENDERS defaults to, so the default setting is unchanged by this limit.
 */
export const PAGES_PER_BROWSER = 2;

export interface ChromiumRendererOptions extends BrowserLaunchOptions {
  /** Upper bound for one render, from opening its page to the last PDF byte. */
  readonly renderTimeoutMs: number;
  /** Receives one line per blocked request; defaults to silence. */
  readonly onBlockedRequest?: (url: string) => void;
  /**
   * Print a render once more, on a fresh browser, when Chromium died under it by itself (a crash,
   * an outside kill). Off by default: runBatch retries a crashed item itself and counts its
   * attempts in the manifest. Renders whose browser was killed because *another* render timed out
   * are always printed again, once.
   */
  readonly retryAfterCrash?: boolean;
}

export interface ChromiumRendererStats {
  readonly printing: number;
  readonly waiting: number;
  readonly retried: number;
}

/** Everything of a request that may put text on the page: its HTML and its text assets (SVG, CSS). */
function* textsOf(request: PdfRenderRequest): Iterable<string> {
  yield request.html;
  for (const asset of request.assets.values()) {
    if (/^(text\/|image\/svg\+xml)/.test(asset.contentType)) yield asset.body.toString('utf8');
  }
}

/** Why an attempt ended without a PDF though the document may not be to blame: its browser went. */
class BrowserLost extends Error {
  constructor(
    readonly loss: BrowserLoss,
    options?: { cause?: unknown },
  ) {
    super(`the browser was ${loss}`, options);
  }
}

export class ChromiumRenderer implements PdfRenderer {
  private readonly supervisor: BrowserSupervisor;
  /** The renders allowed to print at once; callers (the service's limiter) normally keep under it. */
  private readonly pages = new ConcurrencyLimiter({ maxConcurrent: PAGES_PER_BROWSER, maxQueued: Number.MAX_SAFE_INTEGER, retryAfterSeconds: 1 });
  /** Renders printed a second time because their browser went under them. */
  private retried = 0;
  /** How many renders this renderer prints at once; more wait. */
  readonly maxParallelRenders = PAGES_PER_BROWSER;

  constructor(private readonly options: ChromiumRendererOptions) {
    this.supervisor = new BrowserSupervisor(options, options.renderTimeoutMs);
  }

  /**
   * Prints `request`; each attempt is bounded by the render timeout, from the moment it may print.
   *
   * - It times out: RenderTimeoutError, and its browser is killed. *Measured* (2026-12-06):
   *   closing only its page does not free the browser. A 1,500-row table prints in 13.9 s alone;
   *   with its page closed 1 s in, its print failed at once, but Chromium's one renderer thread
   *   went on laying it out: a page opened beside it was ready only at 14.6 s. Killed instead,
   *   the next render on a fresh browser was done 0.2 s later.
   *   The render whose deadline fires first is the one blamed: all have the same timeout, so it
   *   is the one that has been printing longest.
   * - Its browser is killed because another render timed out: it is printed again, once, on the
   *   fresh browser, with a deadline of its own; the caller never hears of it. Caught a second
   *   time, it ends as RenderTimeoutError (503: try again later), never as a Chromium fault.
   * - Chromium dies under it by itself: ChromiumError, or with `retryAfterCrash` one more attempt.
   * - A frozen browser (SIGSTOP) is a timeout like any other: the first render's deadline kills it.
   */
  async renderPdf(request: PdfRenderRequest): Promise<PdfRenderResult> {
    return this.pages.run(async () => {
      try {
        return await this.attempt(request);
      } catch (error) {
        if (!(error instanceof BrowserLost) || (error.loss === 'crashed' && !this.options.retryAfterCrash)) throw this.failure(error);
        this.retried++;
        try {
          return await this.attempt(request);
        } catch (again) {
          throw this.failure(again);
        }
      }
    });
  }

  /** Renders printing now, waiting to print, and printed again since start: for logs and tests. */
  stats(): ChromiumRendererStats {
    const { active, queued } = this.pages.stats();
    return { printing: active, waiting: queued, retried: this.retried };
  }

  close(): Promise<void> {
    return this.supervisor.close();
  }

  /** The running browser's process id, for diagnostics and for tests that kill it on purpose. */
  browserPid(): Promise<number | undefined> {
    return this.supervisor.browserPid();
  }

  /** What the caller hears when an attempt is the last one. */
  private failure(error: unknown): unknown {
    if (!(error instanceof BrowserLost)) return error;
    if (error.loss === 'replaced') {
      return new RenderTimeoutError('Chromium was restarted while it printed this document, because other documents took too long; try again later.', { cause: error });
    }
    return new ChromiumError('Chromium crashed while it printed the document; it is restarted for the next one, so try again.', { cause: error.cause });
  }

  /** One print on the current browser. Throws RenderTimeoutError, BrowserLost or ChromiumError. */
  private async attempt(request: PdfRenderRequest): Promise<PdfRenderResult> {
    // First, and outside the print's own error handling: a failed unpack says why (ENOSPC…).
    await this.supervisor.fontsFor(() => textsOf(request));
    const browser = await this.supervisor.liveBrowser();
    const blockedRequests: string[] = [];
    let page: SealedPage | undefined;
    // The first of: the deadline, the browser going. Whichever comes first decides, at once.
    let interrupted: 'timeout' | BrowserLoss | undefined;
    let interrupt: (why: 'timeout' | BrowserLoss) => void = () => undefined;
    const interruption = new Promise<never>((_, reject) => {
      interrupt = (why) => {
        if (interrupted) return;
        interrupted = why;
        reject(new BrowserLost(why === 'timeout' ? 'replaced' : why));
      };
    });
    const unwatch = this.supervisor.watch(browser, interrupt);
    const timer = setTimeout(() => {
      if (interrupted) return;
      interrupt('timeout');
      // Chromium runs as one process: a page stuck in layout stalls every other page too, so a
      // timed-out render costs the browser. Killed here, in the timer, so the renders beside it
      // hear `replaced` before any of their own deadlines can fire.
      this.supervisor.discard(browser);
    }, this.options.renderTimeoutMs);
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
    try {
      const pdf = await Promise.race([print(), interruption]);
      this.supervisor.printed(browser);
      return { pdf, blockedRequests };
    } catch (error) {
      if (interrupted === 'timeout') {
        throw new RenderTimeoutError(`Rendering took longer than ${this.options.renderTimeoutMs} ms; simplify the document or raise RENDER_TIMEOUT_MS.`);
      }
      if (error instanceof BrowserLost) throw error;
      // A failure can be seen before the loss is: the call failed as the pipe closed.
      if (!browser.connected) throw new BrowserLost('crashed', { cause: error });
      throw new ChromiumError('Chromium failed to print the document.', { cause: error });
    } finally {
      clearTimeout(timer);
      unwatch();
      if (!interrupted) {
        // Not waited for: the PDF is complete, and nobody else ever sees this page.
        (page as SealedPage | undefined)?.close();
        void this.supervisor.relieveMemory(browser);
        this.supervisor.prepareSpare(browser);
      }
    }
  }
}
