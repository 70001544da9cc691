/**
 * What every playground end-to-end test starts from: the dev server with an embedded S3 in a
 * temporary folder, the project's templates plus a small second one (so the picker has something
 * to switch to), and a real Chromium with JavaScript on, the project's CJK fonts and a Chinese UI.
 * Server-side faults land in `problems`, which each test file checks after every step.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { chromiumEnv } from '../../../lambda/src/chromium/ChromiumRenderer';
import { findProjectRoot } from '../../../lambda/src/config/projectRoot';
import { startDevServer, type DevServer } from '../../../lambda/src/entrypoints/devServer';
import { decodePng, imageStats } from '../../helpers/png';

export const ROOT = findProjectRoot();
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'playground');
export const TEMPLATE = 'county-annual-report';
export const SECOND = 'county-brief';

/**
 * The callbacks passed to page.evaluate/$eval run in the page. This project compiles without the
 * DOM library (it is a Node service), so they see the page's objects untyped.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Dom = any;

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Flags of @sparticuz/chromium that would weaken the page's own origin checks; not for driving a page. */
const UNSAFE_FLAGS = new Set(['--disable-web-security', '--allow-running-insecure-content']);

export interface Playground {
  readonly dir: string;
  readonly server: DevServer;
  readonly browser: Browser;
  close(): Promise<void>;
}

export interface PlaygroundOptions {
  /** Temporary folder name prefix. */
  readonly prefix: string;
  readonly viewport: { readonly width: number; readonly height: number };
  /** Where server-side faults (5xx, a failed batch) are recorded. */
  readonly problems: string[];
  /** Variables of the developer's shell left out besides the S3 and port ones. */
  readonly unset?: readonly string[];
}

export async function startPlayground(options: PlaygroundOptions): Promise<Playground> {
  const dir = mkdtempSync(join(tmpdir(), options.prefix));
  mkdirSync(ARTIFACTS, { recursive: true });
  cpSync(join(ROOT, 'templates'), join(dir, 'templates'), { recursive: true });
  cpSync(join(__dirname, '..', 'fixtures', SECOND), join(dir, 'templates', SECOND), { recursive: true });
  const env: Record<string, string | undefined> = {
    ...process.env,
    TEMPLATES_DIR: join(dir, 'templates'),
    LOCAL_S3_DIR: join(dir, 's3'),
    LOCAL_S3_PORT: '0',
    PLAYGROUND_DIR: join(dir, 'playground'),
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  };
  // Only what the test decides; nothing leaks in from the developer's shell.
  for (const name of ['REPORTS_BUCKET', 'S3_ENDPOINT', 'PORT', ...(options.unset ?? [])]) delete env[name];
  const server = await startDevServer({
    env,
    port: 0,
    // Quiet, but a server-side fault (5xx, a failed batch) fails the step it happened in.
    logger: { info: () => undefined, warn: () => undefined, error: (message) => void options.problems.push(`server error: ${message}`) },
  });
  const browser = await puppeteer.launch({
    executablePath: await chromium.executablePath(),
    // Chinese UI of the browser's own controls (the file picker's button), as users see it.
    args: [...chromium.args.filter((flag) => !UNSAFE_FLAGS.has(flag) && !flag.startsWith('--headless')), '--no-sandbox', '--lang=zh-CN'],
    headless: 'shell',
    // The page's Chinese text needs the project's CJK fonts to show in the screenshots.
    env: chromiumEnv(join(ROOT, 'build', 'fonts', 'fonts.conf')),
    defaultViewport: options.viewport,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  return {
    dir,
    server,
    browser,
    async close() {
      await browser.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Saves a screenshot of `page` to the test artifacts and checks it shows the page at `size`: a
 * blank page of the same size measures ~0; a page with text, fields and borders varies a lot and
 * has plenty of pixels off the background colour.
 */
/**
 * Records what goes wrong in a page into `problems`: uncaught errors, and console errors and
 * warnings except Chromium's line for an answer whose status `expected` matches (a refusal the
 * page shows as designed, e.g. 422 for invalid data).
 */
export function watchPage(page: Page, problems: string[], expected: RegExp): void {
  page.on('pageerror', (error) => problems.push(`pageerror: ${(error as Error).message}`));
  page.on('console', (message) => {
    if (expected.test(message.text())) return;
    if (message.type() === 'error' || message.type() === 'warn') problems.push(`console ${message.type()}: ${message.text()}`);
  });
}

export async function saveScreenshot(page: Page, name: string, size: { width: number; height: number; deviceScaleFactor?: number }): Promise<void> {
  const png = Buffer.from(await page.screenshot({ type: 'png' }));
  writeFileSync(join(ARTIFACTS, name), png);
  const image = decodePng(png);
  const scale = size.deviceScaleFactor ?? 1;
  expect({ width: image.width, height: image.height }).toEqual({ width: size.width * scale, height: size.height * scale });
  const stats = imageStats(image);
  expect(stats.lumaStdDev).toBeGreaterThan(15);
  expect(stats.nonBackgroundShare).toBeGreaterThan(0.03);
  expect(stats.distinctColours).toBeGreaterThan(20);
}
