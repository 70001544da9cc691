/**
 * The Chromium boundary: HTML (plus the template's own assets) in, PDF bytes out.
 *
 * - One browser per process, launched lazily on first use, reused across renders and Lambda
 *   invocations, relaunched when it has died.
 * - A fresh page per render, opened ahead of time and never drawing a frame; its close is requested
 *   in `finally` without waiting, and a render that timed out takes the whole browser with it.
 * - The page is sealed: JavaScript is off, the document is written into the fresh page's blank
 *   document (no navigation), and every request is intercepted. Only the assets handed in are
 *   answered (from memory); everything else, navigations included, is aborted, logged and
 *   counted. The browser resolves no host names and every socket goes to a dead proxy.
 *   HTML-to-PDF services are a classic SSRF/local-file target (see SECURITY.md).
 *
 * Nothing outside this file knows about puppeteer. puppeteer launches the browser, owns the pipe
 * and tracks targets; each render's page is then driven over its own DevTools session with the
 * handful of commands a print needs (see `openSealedPage` for why not puppeteer's Page).
 */
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type CDPSession, type Protocol } from 'puppeteer-core';
import { ChromiumError, RenderTimeoutError } from '../core/errors';
import type { PdfRenderer, PdfRenderRequest, PdfRenderResult } from '../core/ports';

export interface ChromiumRendererOptions {
  /** Absolute path of the fonts.conf Chromium must use (FONTCONFIG_FILE). */
  readonly fontconfigFile: string;
  /** Another Chromium binary (CHROMIUM_PATH); default is @sparticuz/chromium. */
  readonly executablePath?: string;
  /** Folder holding @sparticuz/chromium's brotli files, e.g. /opt/chromium in the Lambda layer. */
  readonly chromiumPackDir?: string;
  /** Upper bound for one render, from navigation to the last PDF byte. */
  readonly renderTimeoutMs: number;
  /** Receives one line per blocked request; defaults to silence. */
  readonly onBlockedRequest?: (url: string) => void;
}

/**
 * The origin the document's relative URLs resolve under (through its <base>). `.invalid` is
 * reserved (RFC 2606) and can never resolve, so even a bug in the interception could not reach a
 * real host under this name.
 */
export const DOCUMENT_ORIGIN = 'https://report.invalid';
const BASE_ELEMENT = `<base href="${DOCUMENT_ORIGIN}/">`;

/**
 * The document with a <base> as the first element of its head, so relative URLs resolve under
 * DOCUMENT_ORIGIN, followed by `headMarkup`. Templates may not contain <base> themselves
 * (lintTemplate), so this is the only one.
 */
export function withBase(html: string, headMarkup = ''): string {
  // Without a <head>, after the doctype: anything before it would put the page in quirks mode.
  const after = /<head(?:\s[^>]*)?>/i.exec(html) ?? /^\s*<!doctype\b[^>]*>/i.exec(html);
  const inserted = `${BASE_ELEMENT}${headMarkup}`;
  if (after) return `${html.slice(0, after.index + after[0].length)}${inserted}${html.slice(after.index + after[0].length)}`;
  return `${inserted}${html}`;
}

/**
 * Hides the document from the screen; printing uses print media and is not affected.
 * The `load` event lays a document out for the screen (800 px wide), and leaving print mode lays
 * it out for the screen again, though these pages never show one: two layouts of the whole report
 * thrown away. With the root hidden on screen both are empty, and the print lays the document out
 * once, for paper. *Measured* on the county report: −6 ms per warm render, the same PDF.
 * Not for a document that holds its load (LoadHold): its screen layout starts its fetches.
 */
const SCREEN_HIDDEN = '<style>@media screen { :root { display: none !important } }</style>';

/** Flags from @sparticuz/chromium that weaken the page's isolation; a PDF printer needs none of them. */
const REMOVED_FLAGS = new Set([
  '--disable-web-security', // would let a document read cross-origin responses
  '--allow-running-insecure-content', // would let an https document load http subresources
  '--enable-features=SharedArrayBuffer', // only useful to JavaScript, which is off
]);

/** Flags we add to the serverless defaults. */
const ADDED_FLAGS = [
  // Defence in depth behind request interception, for traffic that never becomes an intercepted
  // request (preconnect, DNS prefetch) or a bug in the interception itself:
  // - every host name fails to resolve;
  '--host-resolver-rules=MAP * ~NOTFOUND',
  // - every connection, IP literals and loopback included, goes to a proxy that does not exist
  //   (port 9 is "discard"; nothing listens there), so no socket reaches a real service;
  '--proxy-server=http://127.0.0.1:9',
  '--proxy-bypass-list=<-loopback>',
  // - no speculative DNS lookups.
  '--dns-prefetch-disable',
  // No background traffic: this machine and Lambda have no use for it, and a closed network
  // otherwise produces bursts of refused connections at every start.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // Printing needs no GPU; skipping WebGL also skips unpacking SwiftShader at cold start.
  '--disable-gpu',
];

/** `@sparticuz/chromium`'s default flags minus the unsafe ones, plus ours. Exported for tests. */
export function chromiumArgs(): string[] {
  chromium.setGraphicsMode = false;
  return [...chromium.args.filter((flag) => !REMOVED_FLAGS.has(flag)), ...ADDED_FLAGS];
}

/**
 * The environment Chromium starts with: only what it needs to run. On Lambda the function's
 * environment holds the role's credentials (AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN); a document
 * that managed to read /proc/self/environ in the browser process must find nothing worth taking.
 */
export function chromiumEnv(fontconfigFile: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const passed: Record<string, string> = {};
  // LD_LIBRARY_PATH: @sparticuz/chromium points it at its unpacked libraries on Amazon Linux.
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'TZ', 'LANG', 'LD_LIBRARY_PATH']) {
    const value = env[name];
    if (value !== undefined) passed[name] = value;
  }
  passed.FONTCONFIG_FILE = fontconfigFile;
  passed.FONTCONFIG_PATH = dirname(fontconfigFile);
  return passed;
}

/** A page opened for exactly one render, with the DevTools session that drives it. */
interface SealedPage {
  readonly targetId: string;
  readonly session: CDPSession;
  readonly frameId: string;
}

/** Renders between two memory-pressure notifications (see `relieveMemory`). */
const MEMORY_PRESSURE_EVERY = 5;

/**
 * Markup or CSS that can make the page fetch something: an attribute whose value is a URL
 * (`xlink:href` included; `<td background>` too), `url(…)` (backgrounds, fonts, cursors),
 * `image-set(…)` or `@import`; or any backslash, since a CSS escape can spell any of those
 * (`\75 rl(…)` is `url(…)`). An attribute name preceded by `-` is another attribute
 * (`<style data-href>`, which TemplateStore writes for every inlined stylesheet, fetches nothing).
 * When in doubt this says yes: a document held for nothing costs one layout, one not held may print
 * without its images. (lintTemplate's list of URL attributes answers another question, where data
 * may not go, and names attributes that never fetch while laying out: style, action, on….)
 */
const MAY_FETCH =
  /(?<![\w-])(?:src|href|srcset|imagesrcset|poster|data|background|lowsrc|dynsrc|codebase|manifest)\s*=|\b(?:url|image-set|-webkit-image-set)\s*\(|@import|\\/i;

/**
 * Whether a document may fetch something once laid out, and so needs its load held (LoadHold).
 * False for the county report, whose stylesheet is inlined and which has no URLs. Exported for tests.
 */
export function mayFetch(html: string): boolean {
  return MAY_FETCH.test(html);
}

/**
 * Holds a document's `load` event until its CSS has asked for what it needs.
 *
 * These pages never get a frame (see `openSealedPage`), so nothing computes styles or layout
 * before `load`, and an image or font the CSS takes from the template's assets/ (or an element
 * that loads once laid out) would first be asked for while printing: *measured*, the attack corpus
 * saw such requests only some of the time. So a document that may fetch gets one more, hidden
 * image whose request is held; meanwhile a layout is forced, which starts those fetches, and
 * fetches started before `load` delay it. Then the hold is released (failed) and `load` comes
 * once they are all in. Other documents (the county report) skip this: it costs a layout.
 * The forced layout sees the stylesheets the document holds inline, which is how TemplateStore
 * hands over every template's own stylesheets; a linked one may still be on its way.
 */
class LoadHold {
  static readonly URL = `${DOCUMENT_ORIGIN}/.pdf-export-load-hold`;
  static readonly ELEMENT = `<img hidden alt="" src="${LoadHold.URL}">`;
  private resolveRequestId: ((id: string) => void) | undefined;
  private readonly requestId = new Promise<string>((resolve) => (this.resolveRequestId = resolve));

  /** True when the paused request is the hold, which is then kept waiting. */
  take(event: Protocol.Fetch.RequestPausedEvent): boolean {
    if (event.request.url !== LoadHold.URL || !this.resolveRequestId) return false;
    this.resolveRequestId(event.requestId);
    this.resolveRequestId = undefined;
    return true;
  }

  async layOutThenRelease(session: CDPSession): Promise<void> {
    await session.send('Page.getLayoutMetrics');
    await session.send('Fetch.failRequest', { requestId: await this.requestId, errorReason: 'Aborted' });
  }
}

/** How long to wait for `load` before forcing a layout (see `untilLoaded`). */
const LAYOUT_NUDGE_MS = 20;

/**
 * Waits for the document's load event. These pages never get a frame (see `openSealedPage`), and
 * an <object> or <embed> only starts loading after a layout, which normally a frame triggers: its
 * document would hold `load` back forever. So while `load` has not come, a layout is forced every
 * LAYOUT_NUDGE_MS. Templates may not contain either element (lintTemplate), so a real report has
 * loaded before the first nudge; the loop ends with the render's deadline at the latest, when the
 * browser is killed and `send` fails.
 */
async function untilLoaded(session: CDPSession, loaded: Promise<void>): Promise<void> {
  for (;;) {
    const done = await Promise.race([loaded.then(() => true), delay(LAYOUT_NUDGE_MS).then(() => false)]);
    if (done) return;
    await session.send('Page.getLayoutMetrics');
  }
}

/** Keeps log lines short and free of whatever a hostile document put into a URL. */
function truncateUrl(url: string): string {
  return url.length > 200 ? `${url.slice(0, 200)}…` : url;
}

export class ChromiumRenderer implements PdfRenderer {
  private browser: Promise<Browser> | undefined;
  private closed = false;

  constructor(private readonly options: ChromiumRendererOptions) {}

  async renderPdf(request: PdfRenderRequest): Promise<PdfRenderResult> {
    let browser = await this.getBrowser();
    if (!browser.connected) {
      // Died since the last render and 'disconnected' has not been handled yet: opening a page
      // on it would only wait for puppeteer's 30 s target timeout.
      this.discardBrowser(browser);
      browser = await this.getBrowser();
    }
    const blockedRequests: string[] = [];
    let page: SealedPage | undefined;
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const print = async (): Promise<Buffer> => {
      page = await this.takeSealedPage(browser);
      const { session, frameId } = page;
      const hold = mayFetch(request.html) ? new LoadHold() : undefined;
      session.on('Fetch.requestPaused', (event: Protocol.Fetch.RequestPausedEvent) => {
        if (hold?.take(event)) return;
        this.answer(session, event, request, blockedRequests);
      });
      // Written into the page's blank document instead of navigated to: a navigation (commit, an
      // intercepted document request) cost ~30 ms of a ~270 ms render. The <base> makes the
      // template's relative asset URLs resolve under DOCUMENT_ORIGIN, where `answer` serves them.
      const loaded = new Promise<void>((resolve) => session.once('Page.loadEventFired', () => resolve()));
      const html = hold ? withBase(request.html) + LoadHold.ELEMENT : withBase(request.html, SCREEN_HIDDEN);
      await session.send('Page.setDocumentContent', { frameId, html });
      if (hold) await hold.layOutThenRelease(session);
      await untilLoaded(session, loaded);
      // The next render's page is opened while this one prints. *Measured*: opened after the
      // render instead, it was still being set up when back-to-back renders (a batch, a busy
      // server) asked for it, because node was busy stamping metadata: ~20 ms of waiting each.
      this.prepareSpare(browser);
      // Fonts come from the local fontconfig directory, never from the network: nothing to wait
      // for. Paper and margins only apply to documents without an @page rule (puppeteer's defaults).
      const { data } = await session.send('Page.printToPDF', {
        preferCSSPageSize: true,
        printBackground: true,
        generateDocumentOutline: request.outline,
        // Chromium builds the outline from the structure tree, so bookmarks need a tagged PDF.
        generateTaggedPDF: request.outline,
        paperWidth: 8.5,
        paperHeight: 11,
        marginTop: 0,
        marginBottom: 0,
        marginLeft: 0,
        marginRight: 0,
        scale: 1,
      });
      return Buffer.from(data, 'base64');
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
        this.discardBrowser(browser);
      } else {
        // Not waited for: the PDF is complete, and nobody else ever sees this page.
        const opened = page as SealedPage | undefined;
        if (opened) this.closeTarget(browser, opened.targetId);
        await this.relieveMemory(browser);
        this.prepareSpare(browser);
      }
    }
  }

  private rendersSincePressure = 0;

  /**
   * *Measured*: the bundled Chromium's resident memory grows with every 11-page report (~5 MB with
   * the whole fonts, ~2 MB with their core files) and is never given back: 200 MB → 450 MB after
   * 60 reports. A warm Lambda or dev server would run out of memory. A simulated memory-pressure
   * notification makes Chromium release it; sent every few renders it keeps the browser flat at
   * its first-report size. *Measured*: a moderate notification keeps it as flat as a critical one
   * (143 MB after 10 reports and after 60); a critical one also empties the font caches, and the
   * render after it took ~30 ms longer to load them again.
   */
  private async relieveMemory(browser: Browser): Promise<void> {
    if (++this.rendersSincePressure < MEMORY_PRESSURE_EVERY) return;
    this.rendersSincePressure = 0;
    try {
      const session = await this.browserSession(browser);
      await session.send('Memory.simulatePressureNotification', { level: 'moderate' });
    } catch {
      // Best effort: a browser that cannot take the hint still renders correctly.
    }
  }

  /**
   * A page opened (JavaScript off, interception on) ahead of time, so the next render does not
   * wait ~30 ms for page creation. Each page still serves exactly one render.
   */
  private spare: { browser: Browser; page: Promise<SealedPage> } | undefined;

  private async takeSealedPage(browser: Browser): Promise<SealedPage> {
    const spare = this.spare;
    this.spare = undefined;
    if (spare?.browser === browser) {
      const page = await spare.page.catch(() => undefined);
      if (page && !page.session.detached) return page;
    }
    return this.openSealedPage(browser);
  }

  /**
   * Opens a page whose compositor only produces a frame when asked (`enableBeginFrameControl`),
   * and nothing ever asks. Printing lays out and paints its pages itself, so a PDF needs no frame;
   * a normal page would also lay out, paint and rasterise every document for a screen nobody sees.
   * *Measured* on the county report: Chromium CPU per render −30%, render time −20 ms, same PDF text.
   * puppeteer's `newPage` cannot ask for this, so the target is created over the browser's own
   * session and found again by the unique blank URL it starts on.
   *
   * The page is then driven over a session of its own instead of puppeteer's Page, which on
   * creation enables the Network, Runtime, Log and Performance agents and emulation for features
   * a print never uses. *Measured*: −10 ms per render and −40% of node's CPU per render.
   * What seals it: scripts disabled, and every request paused (Fetch) until `answer` decides.
   */
  private async openSealedPage(browser: Browser): Promise<SealedPage> {
    const blankUrl = `about:blank#${randomUUID()}`;
    const browserSession = await this.browserSession(browser);
    // Cancelled when the target cannot be created, so no timer outlives a dying browser.
    const abort = new AbortController();
    const found = browser.waitForTarget((t) => t.url() === blankUrl, { timeout: this.options.renderTimeoutMs, signal: abort.signal });
    found.catch(() => undefined);
    let targetId: string;
    try {
      ({ targetId } = await browserSession.send('Target.createTarget', { url: blankUrl, enableBeginFrameControl: true }));
    } catch (error) {
      abort.abort();
      throw error;
    }
    try {
      const session = await (await found).createCDPSession();
      const [{ frameTree }] = await Promise.all([
        session.send('Page.getFrameTree'),
        session.send('Page.enable'), // for Page.loadEventFired
        session.send('Emulation.setScriptExecutionDisabled', { value: true }),
        session.send('Fetch.enable', { patterns: [{ urlPattern: '*' }] }),
      ]);
      // The blank document must have committed before ours is written, or it could replace ours
      // (or its `load` be taken for ours). *Measured*: it always has by now; never print otherwise.
      const { url, urlFragment = '' } = frameTree.frame;
      if (url + urlFragment !== blankUrl) throw new ChromiumError(`A new page showed ${url} instead of its blank document.`);
      return { targetId, session, frameId: frameTree.frame.id };
    } catch (error) {
      this.closeTarget(browser, targetId);
      throw error;
    }
  }

  /** Closes a page without waiting: nobody else ever sees it, and a dead browser closed it already. */
  private closeTarget(browser: Browser, targetId: string): void {
    void this.browserSession(browser)
      .then((session) => session.send('Target.closeTarget', { targetId }))
      .catch(() => undefined);
  }

  /** One browser-level DevTools session per browser, for creating pages and memory hints. */
  private readonly sessions = new WeakMap<Browser, Promise<CDPSession>>();

  private browserSession(browser: Browser): Promise<CDPSession> {
    let session = this.sessions.get(browser);
    if (!session) {
      session = browser.target().createCDPSession();
      // A failed session is not kept: the next call tries again (or finds the browser dead).
      session.catch(() => this.sessions.delete(browser));
      this.sessions.set(browser, session);
    }
    return session;
  }

  private prepareSpare(browser: Browser): void {
    if (this.spare || this.closed || !browser.connected) return;
    const page = this.openSealedPage(browser);
    page.catch(() => undefined); // a failed spare is simply not used
    this.spare = { browser, page };
  }

  /**
   * Answers the handed-in assets from memory; fails every other request and every navigation
   * (a `Document` request is a frame being navigated, never an asset).
   */
  private answer(session: CDPSession, event: Protocol.Fetch.RequestPausedEvent, request: PdfRenderRequest, blocked: string[]): void {
    const { requestId } = event;
    const url = event.request.url;
    const prefix = `${DOCUMENT_ORIGIN}/`;
    const asset = url.startsWith(prefix) ? request.assets.get(url.slice(prefix.length)) : undefined;
    // A send fails only when the page is already gone, and with it the request.
    if (asset && event.resourceType !== 'Document') {
      const responseHeaders = [
        { name: 'Content-Type', value: asset.contentType },
        { name: 'Content-Length', value: String(asset.body.length) },
      ];
      void session.send('Fetch.fulfillRequest', { requestId, responseCode: 200, responseHeaders, body: asset.body.toString('base64') }).catch(() => undefined);
      return;
    }
    const shown = truncateUrl(url);
    blocked.push(shown);
    this.options.onBlockedRequest?.(shown);
    void session.send('Fetch.failRequest', { requestId, errorReason: 'BlockedByClient' }).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    const browser = this.browser;
    this.browser = undefined;
    const launched = await browser?.catch(() => undefined);
    await launched?.close().catch(() => launched.process()?.kill('SIGKILL'));
  }

  /** The running browser's process id, for diagnostics and for tests that kill it on purpose. */
  async browserPid(): Promise<number | undefined> {
    return (await this.getBrowser()).process()?.pid;
  }

  private getBrowser(): Promise<Browser> {
    if (this.closed) return Promise.reject(new ChromiumError('The renderer has been closed.'));
    if (!this.browser) {
      const launching: Promise<Browser> = this.launch().catch((error: unknown) => {
        if (this.browser === launching) this.browser = undefined;
        throw new ChromiumError('Chromium could not be started; check CHROMIUM_PATH or reinstall @sparticuz/chromium.', { cause: error });
      });
      this.browser = launching;
      launching.then(
        (browser) => {
          this.launched.set(browser, launching);
          // A crashed or killed browser is forgotten, so the next render launches a new one.
          browser.once('disconnected', () => this.forget(browser));
        },
        () => undefined,
      );
    }
    return this.browser;
  }

  /** Which launch produced each browser, so a dead one is forgotten only if it is still current. */
  private readonly launched = new WeakMap<Browser, Promise<Browser>>();

  private forget(browser: Browser): void {
    if (this.browser !== undefined && this.browser === this.launched.get(browser)) this.browser = undefined;
  }

  private discardBrowser(browser: Browser): void {
    // Forget it now, not when 'disconnected' fires, so no render in between picks up a dying browser.
    this.forget(browser);
    browser.process()?.kill('SIGKILL');
  }

  private async launch(): Promise<Browser> {
    const executablePath = this.options.executablePath ?? (await chromium.executablePath(this.options.chromiumPackDir));
    return puppeteer.launch({
      executablePath,
      args: chromiumArgs(),
      headless: 'shell',
      // A pipe instead of a DevTools port: nothing else on the machine can connect to this browser.
      pipe: true,
      // puppeteer's own signal handlers kill Chromium and exit the process at once; the adapters
      // (dev server, batch) shut down in order themselves and close this renderer last.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      // Pages are driven without puppeteer's Page (see openSealedPage), which is what applies a
      // default viewport; printing lays out for the paper anyway.
      defaultViewport: null,
      env: chromiumEnv(this.options.fontconfigFile),
    });
  }
}
