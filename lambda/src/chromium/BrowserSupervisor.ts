/**
 * The one browser of a ChromiumRenderer: launched lazily on first use, reused across renders and
 * Lambda invocations, relaunched when it has died, killed when a render timed out in it. Also what
 * belongs to that browser: its DevTools session, the spare page opened on it ahead of time (good
 * only on that browser, and only until close), the memory-pressure hints that keep it from
 * growing, and who must hear when it goes (`watch`): the renders still printing on it.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type CDPSession } from 'puppeteer-core';
import { unpackChromium } from './unpackChromium';
import { prepareExtendedFonts, unpackExtendedFonts, unpackFonts } from './unpackFonts';
import { needsExtendedFonts } from '../core/coreFontCharacters';
import { ChromiumError } from '../core/errors';
import { SealedPage } from './SealedPage';

export interface BrowserLaunchOptions {
  /** Absolute path of the fonts.conf Chromium must use (FONTCONFIG_FILE). */
  readonly fontconfigFile: string;
  /** Another Chromium binary (CHROMIUM_PATH); default is @sparticuz/chromium. */
  readonly executablePath?: string;
  /** Folder holding @sparticuz/chromium's brotli files (CHROMIUM_PACK_DIR); default the package's own. */
  readonly chromiumPackDir?: string;
  /** A gzip tar of the fonts FONTCONFIG_FILE lists, unpacked before the first launch (FONTS_PACK, the Lambda layer's). */
  readonly fontsPack?: string;
  /** A gzip tar of the fonts' Extended halves, unpacked when a document first needs one (FONTS_EXTENDED_PACK). */
  readonly fontsExtendedPack?: string;
}

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
  // Printing needs no GPU. (Which files are unpacked at a cold start is unpackChromium.ts's business.)
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

/** Renders between two memory-pressure notifications (see `relieveMemory`). */
const MEMORY_PRESSURE_EVERY = 5;

/**
 * How long `close` lets the browser shut down before killing it. A frozen browser (SIGSTOP, a
 * host swapping) never answers `Browser.close`, and puppeteer would wait for its protocol
 * timeout (3 minutes) while the dev server or a Lambda waits for us.
 */
const CLOSE_GRACE_MS = 3_000;

/**
 * How a browser went: `replaced` when `discard` killed it (a render timed out in it), `crashed`
 * when it died by itself (a crash, an outside SIGKILL, the out-of-memory killer) or was closed.
 */
export type BrowserLoss = 'replaced' | 'crashed';

export class BrowserSupervisor {
  private browser: Promise<Browser> | undefined;
  private closed = false;

  /** `openPageTimeoutMs`: how long opening a page may take at most (the render timeout). */
  constructor(
    private readonly options: BrowserLaunchOptions,
    private readonly openPageTimeoutMs: number,
  ) {}

  /** The current browser; one that died since the last render is replaced first. */
  async liveBrowser(): Promise<Browser> {
    const browser = await this.getBrowser();
    if (browser.connected) return browser;
    // Died since the last render and 'disconnected' has not been handled yet: opening a page
    // on it would only wait for puppeteer's 30 s target timeout.
    this.discard(browser);
    return this.getBrowser();
  }

  /**
   * Kills a browser at once (a render timed out in it); the next render launches a fresh one.
   * Whoever `watch`es it hears `replaced` before this returns, so the renders still printing on it
   * learn that they did nothing wrong before any of their own deadlines can fire.
   */
  discard(browser: Browser): void {
    // Forget it now, not when 'disconnected' fires, so no render in between picks up a dying browser.
    this.forget(browser);
    this.discarded.add(browser);
    this.lost(browser, 'replaced');
    // SIGKILL also ends a stopped (SIGSTOP) process.
    browser.process()?.kill('SIGKILL');
  }

  /** Browsers `discard` killed, so that their 'disconnected' is not taken for a crash. */
  private readonly discarded = new WeakSet<Browser>();
  private readonly watchers = new WeakMap<Browser, Set<(loss: BrowserLoss) => void>>();

  /**
   * Calls `onLost` once when `browser` goes (at once if it has gone already); returns the call
   * that stops watching. A render watches the browser it prints on, so that it fails the moment
   * the browser goes instead of waiting for puppeteer to notice (some waits, such as a target
   * being created, only end at their own timeout).
   */
  watch(browser: Browser, onLost: (loss: BrowserLoss) => void): () => void {
    if (this.discarded.has(browser) || !browser.connected) {
      onLost(this.discarded.has(browser) ? 'replaced' : 'crashed');
      return () => undefined;
    }
    let watchers = this.watchers.get(browser);
    if (!watchers) this.watchers.set(browser, (watchers = new Set()));
    const watching = watchers;
    watching.add(onLost);
    return () => void watching.delete(onLost);
  }

  private lost(browser: Browser, loss: BrowserLoss): void {
    const watchers = this.watchers.get(browser);
    this.watchers.delete(browser);
    for (const onLost of watchers ?? []) onLost(loss);
  }

  async close(): Promise<void> {
    this.closed = true;
    const browser = this.browser;
    this.browser = undefined;
    const launched = await browser?.catch(() => undefined);
    if (!launched) return;
    const closed = await Promise.race([launched.close().then(() => true, () => false), delay(CLOSE_GRACE_MS, false, { ref: false })]);
    if (!closed) launched.process()?.kill('SIGKILL');
  }

  /** Set once the extended fonts are unpacked (or being unpacked): their unpack, shared by the renders that wait for it. */
  private extendedFonts: Promise<void> | undefined;
  /** Browsers that have printed a document. */
  private readonly printedOn = new WeakSet<Browser>();

  /** Called after each print: see `fontsFor`. */
  printed(browser: Browser): void {
    this.printedOn.add(browser);
  }

  /**
   * Unpacks the extended fonts before a document whose `texts` (its HTML and text assets) have a
   * character only they hold is printed; at once when there is no extended pack or it is unpacked.
   * Called before the render takes its browser. A browser that has printed before the fonts were
   * there is replaced (once per process): it may have looked for an Extended face while its file
   * was missing and remembered that it is not there; the renders on it are printed again.
   */
  async fontsFor(texts: () => Iterable<string>): Promise<void> {
    const pack = this.options.fontsExtendedPack;
    if (pack === undefined) return;
    if (!this.extendedFonts) {
      if (!needsExtendedFonts(texts())) return;
      const unpacking = unpackExtendedFonts(pack, this.options.fontconfigFile).then(async () => {
        const current = await this.browser?.catch(() => undefined);
        if (current && this.printedOn.has(current)) this.discard(current);
      });
      // A failed unpack is not kept: the next document that needs the fonts tries again.
      unpacking.catch(() => {
        if (this.extendedFonts === unpacking) this.extendedFonts = undefined;
      });
      this.extendedFonts = unpacking;
    }
    await this.extendedFonts;
  }

  /** The running browser's process id, for diagnostics and for tests that kill it on purpose. */
  async browserPid(): Promise<number | undefined> {
    return (await this.getBrowser()).process()?.pid;
  }

  /**
   * A page opened (JavaScript off, interception on) ahead of time, so the next render does not
   * wait ~30 ms for page creation. Each page still serves exactly one render.
   */
  private spare: { browser: Browser; page: Promise<SealedPage> } | undefined;

  /** A sealed page on `browser` for one render: the spare if it is still good, else a new one. */
  async takePage(browser: Browser): Promise<SealedPage> {
    const spare = this.spare;
    this.spare = undefined;
    if (spare?.browser === browser) {
      const page = await spare.page.catch(() => undefined);
      if (page && !page.detached) return page;
    }
    return this.openSealedPage(browser);
  }

  /** Opens the next render's page on `browser`, unless one is waiting already. */
  prepareSpare(browser: Browser): void {
    if (this.spare || this.closed || !browser.connected || this.discarded.has(browser)) return;
    const page = this.openSealedPage(browser);
    page.catch(() => undefined); // a failed spare is simply not used
    this.spare = { browser, page };
  }

  private async openSealedPage(browser: Browser): Promise<SealedPage> {
    return SealedPage.open(browser, await this.browserSession(browser), this.openPageTimeoutMs);
  }

  private rendersSincePressure = 0;

  /**
   * Called after every render that printed; every MEMORY_PRESSURE_EVERY renders it hints the
   * browser to give memory back. Never awaited by a render: a browser frozen right after printing
   * would hold the finished PDF back for puppeteer's 3-minute protocol timeout.
   *
   * *Measured*: the bundled Chromium's resident memory grows with every 11-page report (~5 MB with
   * the whole fonts, ~2 MB with their core files) and is never given back: 200 MB → 450 MB after
   * 60 reports. A warm Lambda or dev server would run out of memory. A simulated memory-pressure
   * notification makes Chromium release it; sent every few renders it keeps the browser flat at
   * its first-report size. *Measured*: a moderate notification keeps it as flat as a critical one
   * (143 MB after 10 reports and after 60); a critical one also empties the font caches, and the
   * render after it took ~30 ms longer to load them again.
   */
  async relieveMemory(browser: Browser): Promise<void> {
    if (++this.rendersSincePressure < MEMORY_PRESSURE_EVERY) return;
    this.rendersSincePressure = 0;
    try {
      const session = await this.browserSession(browser);
      await session.send('Memory.simulatePressureNotification', { level: 'moderate' });
    } catch {
      // Best effort: a browser that cannot take the hint still renders correctly.
    }
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

  private getBrowser(): Promise<Browser> {
    if (this.closed) return Promise.reject(new ChromiumError('The renderer has been closed.'));
    if (!this.browser) {
      const launching: Promise<Browser> = this.launch().catch((error: unknown) => {
        if (this.browser === launching) this.browser = undefined;
        // The cause goes into the message: Lambda's error response and a CLI's one line show only the message.
        if (error instanceof ChromiumError) throw error;
        const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
        throw new ChromiumError(`Chromium could not be started (${reason.slice(0, 300)}); see the log for its output.`, { cause: error });
      });
      this.browser = launching;
      launching.then(
        (browser) => {
          this.launched.set(browser, launching);
          // A crashed or killed browser is forgotten, so the next render launches a new one, and
          // the renders on it hear why (a discarded one has told them already).
          browser.once('disconnected', () => {
            this.forget(browser);
            this.lost(browser, 'crashed');
          });
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

  private async launch(): Promise<Browser> {
    const executablePath = this.options.executablePath ?? (await unpackChromium(this.options.chromiumPackDir));
    // Checked first: puppeteer reports a binary it cannot execute as an 'error' event nobody
    // listens to, which would end the whole process instead of this one launch.
    await access(executablePath, constants.X_OK).catch((error: unknown) => {
      throw new ChromiumError(`Chromium at ${executablePath} cannot be run (${(error as NodeJS.ErrnoException).code ?? String(error)}); check CHROMIUM_PATH and that the file is executable.`, { cause: error });
    });
    if (this.options.fontsPack !== undefined) await unpackFonts(this.options.fontsPack, this.options.fontconfigFile);
    if (this.options.fontsExtendedPack !== undefined) {
      // Launched while the Extended fonts are being unpacked (a browser replaced meanwhile), it would
      // find their folder missing and never know them: it starts once they are there instead.
      if (this.extendedFonts) await this.extendedFonts.catch(() => undefined);
      else await prepareExtendedFonts(this.options.fontconfigFile);
    }
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
      // Pages are driven without puppeteer's Page (see SealedPage.open), which is what applies a
      // default viewport; printing lays out for the paper anyway.
      defaultViewport: null,
      env: chromiumEnv(this.options.fontconfigFile),
    });
  }
}
