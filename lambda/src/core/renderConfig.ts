/**
 * Configuration of the render core, read once at start-up into a frozen object.
 * Every variable, its default and its meaning is also listed in the README's configuration table.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readInt, readString, type Env } from './env';
import { ConfigError } from './errors';

export interface RenderConfig {
  /** TEMPLATES_DIR: folder holding one sub-folder per template. */
  readonly templatesDir: string;
  /** FONTCONFIG_FILE: the fonts.conf Chromium reads; built by `npm run build` into build/fonts. */
  readonly fontconfigFile: string;
  /** CHROMIUM_PATH: use this Chromium instead of the bundled @sparticuz/chromium. */
  readonly chromiumPath: string | undefined;
  /** CHROMIUM_PACK_DIR: folder with @sparticuz/chromium's brotli files (a Lambda layer's /opt/chromium). */
  readonly chromiumPackDir: string | undefined;
  /** RENDER_TIMEOUT_MS: upper bound for one HTML-to-PDF render. */
  readonly renderTimeoutMs: number;
  /** MAX_HTML_BYTES: a template loop must not turn a small input into a huge document. */
  readonly maxHtmlBytes: number;
  /** MAX_PAGES: renders producing more pages than this are refused. */
  readonly maxPages: number;
}

export const RENDER_DEFAULTS = Object.freeze({
  renderTimeoutMs: 20_000,
  maxHtmlBytes: 2 * 1024 * 1024,
  maxPages: 200,
});

/**
 * The project root: the nearest ancestor of this file holding `templates/`. Works from the
 * TypeScript sources (ts-jest), from `dist/` and from a bundle that ships `templates/` beside it.
 */
export function findProjectRoot(start: string = __dirname): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'templates')) && existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(start);
    dir = parent;
  }
}

export function loadRenderConfig(env: Env = process.env): RenderConfig {
  const root = findProjectRoot();
  const config: RenderConfig = {
    templatesDir: resolve(readString(env, 'TEMPLATES_DIR', join(root, 'templates'))),
    fontconfigFile: resolve(readString(env, 'FONTCONFIG_FILE', join(root, 'build', 'fonts', 'fonts.conf'))),
    chromiumPath: readString(env, 'CHROMIUM_PATH'),
    chromiumPackDir: readString(env, 'CHROMIUM_PACK_DIR'),
    renderTimeoutMs: readInt(env, 'RENDER_TIMEOUT_MS', RENDER_DEFAULTS.renderTimeoutMs, 1_000, 120_000),
    maxHtmlBytes: readInt(env, 'MAX_HTML_BYTES', RENDER_DEFAULTS.maxHtmlBytes, 64 * 1024, 64 * 1024 * 1024),
    maxPages: readInt(env, 'MAX_PAGES', RENDER_DEFAULTS.maxPages, 1, 10_000),
  };
  if (!existsSync(config.templatesDir)) {
    throw new ConfigError(`TEMPLATES_DIR ${config.templatesDir} does not exist; point it at the templates/ folder.`);
  }
  if (!existsSync(config.fontconfigFile)) {
    throw new ConfigError(
      `Font configuration ${config.fontconfigFile} is missing; run \`npm run build\` to assemble the fonts ` +
        `(or set FONTCONFIG_FILE). Without it Chinese text prints as invisible glyphs.`,
    );
  }
  if (config.chromiumPath !== undefined && !existsSync(config.chromiumPath)) {
    throw new ConfigError(`CHROMIUM_PATH ${config.chromiumPath} does not exist; unset it to use the bundled Chromium.`);
  }
  return Object.freeze(config);
}
