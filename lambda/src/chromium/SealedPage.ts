/**
 * A page opened for exactly one render, sealed: it never draws a frame, JavaScript is off, the
 * document is written into its blank document (no navigation), and every request it makes is
 * paused until `answer` decides: only the assets handed in are answered (from memory); everything
 * else, navigations included, is failed, logged and counted.
 *
 * The page is driven over a DevTools session of its own with the handful of commands a print
 * needs (see `SealedPage.open` for why not puppeteer's Page).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Browser, CDPSession, Protocol, Target } from 'puppeteer-core';
import { CSS_IMPORT, FETCHING_ATTRIBUTES, FETCHING_CSS_FUNCTIONS } from '../core/documentFetchRules';
import { ChromiumError } from '../core/errors';
import type { PageAsset } from '../core/ports';

/**
 * The origin the document's relative URLs resolve under (through its <base>). `.invalid` is
 * reserved for names that must never resolve (RFC 2606), so even a bug in the interception could not reach
 * a real host under this name.
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

/**
 * Markup or CSS that can make the page fetch something (core/documentFetchRules): an attribute
 * whose value is fetched (`xlink:href` included, as `href`), a CSS function that fetches
 * (`url(…)` for backgrounds, fonts, cursors; `image-set(…)`) or `@import`; or any backslash,
 * since a CSS escape can spell any of those (`\75 rl(…)` is `url(…)`). An attribute name preceded
 * by `-` is another attribute (`<style data-href>`, which TemplateStore writes for every inlined
 * stylesheet, fetches nothing).
 * When in doubt this says yes: a document held for nothing costs one layout, one not held may print
 * without its images. (lintTemplate asks the same list another question, where data may not go,
 * and adds attributes that never fetch while laying out: style, action, on….)
 */
const MAY_FETCH = new RegExp(
  [`(?<![\\w-])(?:${FETCHING_ATTRIBUTES.join('|')})\\s*=`, `\\b(?:${FETCHING_CSS_FUNCTIONS.join('|')})\\s*\\(`, CSS_IMPORT, '\\\\'].join('|'),
  'i',
);

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
 * These pages never get a frame (see `SealedPage.open`), so nothing computes styles or layout
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
 * Waits for the document's load event. These pages never get a frame (see `SealedPage.open`), and
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

/** Closes a page without waiting: nobody else ever sees it, and a dead browser closed it already. */
function closeTarget(browserSession: CDPSession, targetId: string): void {
  void browserSession.send('Target.closeTarget', { targetId }).catch(() => undefined);
}

export class SealedPage {
  private constructor(
    /** The browser-level session the page was created over, which also closes it. */
    private readonly browserSession: CDPSession,
    private readonly targetId: string,
    /** The page's own session, which drives it. */
    private readonly session: CDPSession,
    private readonly frameId: string,
  ) {}

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
  static async open(browser: Browser, browserSession: CDPSession, timeoutMs: number): Promise<SealedPage> {
    const blankUrl = `about:blank#${randomUUID()}`;
    // Cancelled when the target cannot be created or the browser goes: puppeteer's wait does not
    // end when the browser dies, and its timer (the whole render timeout) would outlive it.
    const abort = new AbortController();
    const cancel = (): void => abort.abort();
    browser.once('disconnected', cancel);
    const found = browser.waitForTarget((t) => t.url() === blankUrl, { timeout: timeoutMs, signal: abort.signal });
    found.catch(() => undefined);
    try {
      return await SealedPage.create(browserSession, blankUrl, found);
    } finally {
      browser.off('disconnected', cancel);
      cancel();
    }
  }

  private static async create(browserSession: CDPSession, blankUrl: string, found: Promise<Target>): Promise<SealedPage> {
    const { targetId } = await browserSession.send('Target.createTarget', { url: blankUrl, enableBeginFrameControl: true });
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
      return new SealedPage(browserSession, targetId, session, frameTree.frame.id);
    } catch (error) {
      closeTarget(browserSession, targetId);
      throw error;
    }
  }

  /** True once the page is gone (closed, or its browser died). */
  get detached(): boolean {
    return this.session.detached;
  }

  /**
   * Writes the document into the page and waits for its `load`, answering its requests from
   * `assets`; `onBlocked` hears of every other request (its URL shortened), which is failed.
   */
  async load(html: string, assets: ReadonlyMap<string, PageAsset>, onBlocked: (url: string) => void): Promise<void> {
    const { session, frameId } = this;
    const hold = mayFetch(html) ? new LoadHold() : undefined;
    session.on('Fetch.requestPaused', (event: Protocol.Fetch.RequestPausedEvent) => {
      if (hold?.take(event)) return;
      this.answer(event, assets, onBlocked);
    });
    // Written into the page's blank document instead of navigated to: a navigation (commit, an
    // intercepted document request) cost ~30 ms per render. The <base> makes the template's
    // relative asset URLs resolve under DOCUMENT_ORIGIN, where `answer` serves them.
    const loaded = new Promise<void>((resolve) => session.once('Page.loadEventFired', () => resolve()));
    const written = hold ? withBase(html) + LoadHold.ELEMENT : withBase(html, SCREEN_HIDDEN);
    await session.send('Page.setDocumentContent', { frameId, html: written });
    if (hold) await hold.layOutThenRelease(session);
    await untilLoaded(session, loaded);
  }

  /** The loaded document as PDF bytes; `outline` adds bookmarks from its headings. */
  async print(outline: boolean): Promise<Buffer> {
    // Fonts come from the local fontconfig directory, never from the network: nothing to wait
    // for. Paper and margins only apply to documents without an @page rule (puppeteer's defaults).
    const { data } = await this.session.send('Page.printToPDF', {
      preferCSSPageSize: true,
      printBackground: true,
      generateDocumentOutline: outline,
      // Chromium builds the outline from the structure tree, so bookmarks need a tagged PDF.
      generateTaggedPDF: outline,
      paperWidth: 8.5,
      paperHeight: 11,
      marginTop: 0,
      marginBottom: 0,
      marginLeft: 0,
      marginRight: 0,
      scale: 1,
    });
    return Buffer.from(data, 'base64');
  }

  /** Closes the page without waiting for it. */
  close(): void {
    closeTarget(this.browserSession, this.targetId);
  }

  /**
   * Answers the handed-in assets from memory; fails every other request and every navigation
   * (a `Document` request is a frame being navigated, never an asset).
   */
  private answer(event: Protocol.Fetch.RequestPausedEvent, assets: ReadonlyMap<string, PageAsset>, onBlocked: (url: string) => void): void {
    const { session } = this;
    const { requestId } = event;
    const url = event.request.url;
    const prefix = `${DOCUMENT_ORIGIN}/`;
    const asset = url.startsWith(prefix) ? assets.get(url.slice(prefix.length)) : undefined;
    // A send fails only when the page is already gone, and with it the request.
    if (asset && event.resourceType !== 'Document') {
      const responseHeaders = [
        { name: 'Content-Type', value: asset.contentType },
        { name: 'Content-Length', value: String(asset.body.length) },
      ];
      void session.send('Fetch.fulfillRequest', { requestId, responseCode: 200, responseHeaders, body: asset.body.toString('base64') }).catch(() => undefined);
      return;
    }
    onBlocked(truncateUrl(url));
    void session.send('Fetch.failRequest', { requestId, errorReason: 'BlockedByClient' }).catch(() => undefined);
  }
}
