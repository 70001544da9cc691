import { canonicalJson, reportInputHash } from '../../lambda/src/core/contentHash';
import { ConfigError } from '../../lambda/src/core/errors';
import { readBoolean, readInt } from '../../lambda/src/config/env';
import { CONFIG_TABLE } from '../../lambda/src/config/configTable';
import { loadRenderSettings, requirePrinting, type Env } from '../../lambda/src/config/loadConfig';

/** The render section as a printer gets it: read, then its files checked (compose.ts does the same). */
const loadRenderConfig = (env: Env) => requirePrinting(loadRenderSettings(env));

describe('configuration', () => {
  it('spells out every default and freezes the result', () => {
    const config = loadRenderConfig({});
    expect(config.renderTimeoutMs).toBe(CONFIG_TABLE.RENDER_TIMEOUT_MS.default);
    expect(config.maxHtmlBytes).toBe(CONFIG_TABLE.MAX_HTML_BYTES.default);
    expect(config.maxPages).toBe(CONFIG_TABLE.MAX_PAGES.default);
    expect(config.chromiumPath).toBeUndefined();
    expect(config.fontconfigFile).toMatch(/build\/fonts\/fonts\.conf$/);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('rejects invalid values at start-up, naming the variable and the range', () => {
    expect(() => loadRenderConfig({ RENDER_TIMEOUT_MS: 'soon' })).toThrow(/RENDER_TIMEOUT_MS must be a whole number between 1000 and 120000/);
    expect(() => loadRenderConfig({ MAX_PAGES: '0' })).toThrow(ConfigError);
    expect(() => loadRenderConfig({ FONTCONFIG_FILE: '/nonexistent/fonts.conf' })).toThrow(/npm run build/);
    expect(() => loadRenderConfig({ CHROMIUM_PATH: '/nonexistent/chrome' })).toThrow(/CHROMIUM_PATH/);
    expect(() => readBoolean({ X: 'maybe' }, 'X', false)).toThrow(/X must be true or false/);
    expect(readInt({ X: ' 42 ' }, 'X', 1, 0, 100)).toBe(42);
  });
});

describe('content hash', () => {
  it('ignores key order but not values, template id or template version', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
    const h = reportInputHash('t', 'v1', { a: 1, b: 2 });
    expect(reportInputHash('t', 'v1', { b: 2, a: 1 })).toBe(h);
    expect(reportInputHash('t', 'v1', { a: 1, b: 3 })).not.toBe(h);
    expect(reportInputHash('u', 'v1', { a: 1, b: 2 })).not.toBe(h);
    expect(reportInputHash('t', 'v2', { a: 1, b: 2 })).not.toBe(h);
  });
});
