/**
 * A template's own stylesheets, moved from `<link>` elements into `<style>` elements once, when
 * the template loads.
 *
 * Why: a linked stylesheet is one more request per render, answered by the request interception,
 * a node ↔ Chromium round trip before the document's `load`. *Measured* on the county report:
 * ~5 ms per render. Inlined, the page asks for nothing at all, and an HTML file saved with
 * `--html` shows its styles when opened on its own.
 *
 * lintTemplate has already limited `<link>` to `<link rel="stylesheet" href="style.css">` (or a
 * CSS file under `assets/`, the same rule: isTemplateStylesheet) and kept Mustache tags out of
 * stylesheets, so the inlined text is plain text to Mustache. A stylesheet that could end its
 * `<style>` element or an HTML comment early, or that holds a Mustache tag, is refused when the
 * template loads.
 */
import type { PageAsset } from './ports';
import { isTemplateStylesheet } from './documentFetchRules';
import { TemplateDefinitionError } from './errors';

const LINK = /<link\s+rel="stylesheet"\s+href="([^"]+)"\s*\/?>/gi;

/** Text that cannot go into an inlined stylesheet, and why. */
const UNSAFE_IN_STYLE: readonly (readonly [string, string])[] = [
  ['</style', 'which would end the inlined stylesheet'],
  ['<!--', 'which would open an HTML comment around a link that is commented out'],
  ['-->', 'which would close an HTML comment around a link that is commented out'],
  // lintTemplate checks style.css for this; stylesheets under assets/ meet it here.
  ['{{', 'a Mustache tag: styles must not come from data'],
];

export function inlineStylesheets(templateId: string, html: string, assets: ReadonlyMap<string, PageAsset>): string {
  return html.replace(LINK, (link, href: string) => {
    const asset = isTemplateStylesheet(href) ? assets.get(href) : undefined;
    if (!asset) return link; // left to the interception, which refuses what it does not serve
    // A linked stylesheet's byte-order mark is dropped by the CSS parser; inlined it would become
    // part of the first selector and void the first rule.
    const css = asset.body.toString('utf8').replace(/^\uFEFF/, '');
    for (const [text, why] of UNSAFE_IN_STYLE) {
      if (css.toLowerCase().includes(text)) throw new TemplateDefinitionError(`Template "${templateId}": ${href} contains "${text}", ${why}; remove it.`);
    }
    return `<style data-href="${href}">\n${css}</style>`;
  });
}
