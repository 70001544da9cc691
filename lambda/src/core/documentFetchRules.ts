/**
 * What a document may fetch, listed once for the two places that read a template's markup:
 *
 * - the renderer asks whether a document may fetch anything once laid out, and if so holds its
 *   `load` until the fetches have started (chromium/ `mayFetch`);
 * - the template rules ask where data may not go, and which URLs a template may hold at all
 *   (lintTemplate, which also keeps data out of attributes that hold a URL or code but never
 *   fetch while laying out; inlineStylesheets, which inlines the stylesheets allowed here).
 */

/**
 * Attributes whose value the browser fetches: a URL (`<td background>` included), a list of them
 * (srcset), an object's data.
 */
export const FETCHING_ATTRIBUTES: readonly string[] = ['src', 'href', 'srcset', 'imagesrcset', 'poster', 'data', 'background', 'lowsrc', 'dynsrc', 'codebase', 'manifest'];

/** CSS functions that fetch their argument: backgrounds, fonts, cursors, images. */
export const FETCHING_CSS_FUNCTIONS: readonly string[] = ['url', 'image-set', '-webkit-image-set'];

/** The CSS rule that fetches another stylesheet. */
export const CSS_IMPORT = '@import';

const ASSET = String.raw`assets/[\w.-]+`;
const ASSET_PATH = new RegExp(`^${ASSET}$`);
const TEMPLATE_STYLESHEET = new RegExp(String.raw`^(?:style\.css|${ASSET}\.css)$`);

/** Whether a URL names one of the template's own assets, `assets/<name>`, served from memory. */
export function isAssetPath(url: string): boolean {
  return ASSET_PATH.test(url);
}

/** Whether a `<link rel="stylesheet">` href is the template's own: style.css, or a CSS file under assets/. */
export function isTemplateStylesheet(href: string): boolean {
  return TEMPLATE_STYLESHEET.test(href);
}
