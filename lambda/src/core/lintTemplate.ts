/**
 * Static rules every template must pass before it is loaded. The Chromium seal makes even a
 * hostile template harmless to the machine; these rules keep a template from turning *data* into
 * markup, script, style or a URL, and keep templates self-contained.
 */
import { CSS_IMPORT, FETCHING_ATTRIBUTES, FETCHING_CSS_FUNCTIONS, isAssetPath, isTemplateStylesheet } from './documentFetchRules';

export interface LintProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** Elements that load, embed or navigate to other documents, or change how URLs resolve. */
const FORBIDDEN_ELEMENTS = ['script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'form', 'portal', 'template'];
/**
 * Attributes whose value is a URL, a style or script: data must never be interpolated into them.
 * Those the browser fetches, plus those that hold a URL or code but never fetch while laying out.
 * `xlink:href` is named as it is written; the renderer's `mayFetch` finds it as `href`.
 */
const URL_OR_CODE_ATTRIBUTE = new RegExp(
  `^(?:${[...FETCHING_ATTRIBUTES, 'xlink:href', 'action', 'formaction', 'style', 'ping', 'cite', 'longdesc', 'on[a-z]+'].join('|')})$`,
  'i',
);
/** The one `<link>` a template may have, if its href is one of the template's own stylesheets. */
const STYLESHEET_LINK_ATTRIBUTES = /^\s+rel="stylesheet"\s+href="([^"]*)"\s*\/?\s*$/;
/** Namespace identifiers look like URLs but are never fetched. */
const NAMESPACE_URL = /^https?:\/\/www\.w3\.org\//;
const IMPORT = new RegExp(`${CSS_IMPORT}\\b`, 'gi');
/** A call of a CSS function that fetches (`url(`, `image-set(`, `-webkit-image-set(`), not the tail of a longer name. */
const FETCHING_CALL = new RegExp(`(?<![\\w-])(${FETCHING_CSS_FUNCTIONS.map((name) => name.replace(/-/g, '\\-')).join('|')})\\s*\\(`, 'gi');

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

function lintHtml(file: string, html: string, problems: LintProblem[]): void {
  const report = (index: number, message: string): void => {
    problems.push({ file, line: lineOf(html, index), message });
  };
  for (const m of html.matchAll(/\{\{\s*[{&]/g)) {
    report(m.index, 'unescaped Mustache tag ({{{ }}} or {{& }}): data must reach HTML only through escaped {{ }}');
  }
  for (const m of html.matchAll(/<([a-zA-Z][\w:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g)) {
    const [, rawName, attributes] = m;
    const name = rawName.toLowerCase();
    if (FORBIDDEN_ELEMENTS.includes(name)) report(m.index, `<${name}> is not allowed in a template`);
    if (name === 'meta' && /http-equiv/i.test(attributes)) report(m.index, '<meta http-equiv> is not allowed (refresh and CSP tricks)');
    if (name === 'link' && !isTemplateStylesheet(STYLESHEET_LINK_ATTRIBUTES.exec(attributes)?.[1] ?? '')) {
      report(m.index, '<link> may only load the template\'s own stylesheet: <link rel="stylesheet" href="style.css">');
    }
    for (const a of attributes.matchAll(/([^\s=/]+)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/g)) {
      const attribute = a[1];
      const value = a[3] ?? a[4] ?? a[5] ?? '';
      if (URL_OR_CODE_ATTRIBUTE.test(attribute) && value.includes('{{')) {
        report(m.index, `data in the ${attribute}= attribute of <${name}>: URLs, styles and scripts must not come from data`);
      }
      if (/^on/i.test(attribute)) report(m.index, `event handler attribute ${attribute}= is not allowed`);
      if (/(?:^|[\s,(])(?:[a-z][a-z0-9+.-]*:)?\/\//i.test(value) && !(attribute.startsWith('xmlns') && NAMESPACE_URL.test(value))) {
        report(m.index, `remote URL in the ${attribute}= attribute of <${name}>: templates use only their own assets`);
      }
      if (/^\s*(?:javascript|vbscript|file|data):/i.test(value) && URL_OR_CODE_ATTRIBUTE.test(attribute)) {
        report(m.index, `${value.split(':')[0]}: URL in the ${attribute}= attribute of <${name}>`);
      }
      // An inline style is CSS like style.css, under the same rules (its url()s included).
      if (attribute.toLowerCase() === 'style') lintCss(file, value, problems, lineOf(html, m.index) - 1);
    }
  }
  for (const m of html.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/gi)) {
    if (m[1].includes('{{')) report(m.index, 'data inside a <style> element: styles must not come from data');
    lintCss(file, m[1], problems, lineOf(html, m.index) - 1);
  }
}

/**
 * CSS with its escapes resolved as a browser reads them: `\75 rl(` is `url(`, `\68ttps` is
 * `https`. Lines stay where they were (an escaped line break is kept), so problems keep their lines.
 */
function unescapeCss(css: string): string {
  return css.replace(/\\(?:([0-9a-fA-F]{1,6})[ \t\r\n\f]?|([^\n\r\f0-9a-fA-F]))/g, (_, hex: string | undefined, char: string | undefined) => {
    if (char !== undefined) return char;
    const codePoint = parseInt(hex!, 16);
    // CSS Syntax §4.3.7: zero, surrogates and values beyond Unicode read as U+FFFD.
    return codePoint === 0 || (codePoint >= 0xd800 && codePoint <= 0xdfff) || codePoint > 0x10ffff ? '\ufffd' : String.fromCodePoint(codePoint);
  });
}

/** The text between `(` at `open` and its matching `)`, quoted strings skipped whole; to the end if unclosed. */
function argumentsAt(css: string, open: number): string {
  let depth = 1;
  for (let i = open + 1; i < css.length; i++) {
    const c = css[i];
    if (c === '"' || c === "'") {
      for (i++; i < css.length && css[i] !== c; i++) if (css[i] === '\\') i++;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return css.slice(open + 1, i);
  }
  return css.slice(open + 1);
}

/** Splits at the commas outside parentheses and quotes. */
function topLevelParts(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((part) => part.trim());
}

const unquote = (text: string): string => (/^(["']).*\1$/s.test(text) ? text.slice(1, -1) : text);

/**
 * The URLs a stylesheet asks for, with where each call starts: the argument of `url()`, and each
 * image of an `image-set()` given as a string, quoted or not (`image-set("a.png" 1x, b.png 2x)`).
 * An image-set's `url()` images and gradients are calls of their own: `url()` is found on its own.
 */
function fetchedUrls(css: string): { index: number; call: string; url: string }[] {
  const found: { index: number; call: string; url: string }[] = [];
  for (const m of css.matchAll(FETCHING_CALL)) {
    const call = m[1].toLowerCase();
    const args = argumentsAt(css, m.index + m[0].length - 1);
    if (call === 'url') {
      found.push({ index: m.index, call, url: unquote(args.trim()) });
      continue;
    }
    for (const option of topLevelParts(args)) {
      if (option === '' || /^[\w-]+\s*\(/.test(option)) continue;
      const image = /^(["'])(.*?)\1/s.exec(option)?.[2] ?? option.split(/\s+/)[0];
      found.push({ index: m.index, call, url: image });
    }
  }
  return found;
}

function lintCss(file: string, escapedCss: string, problems: LintProblem[], lineOffset = 0): void {
  const css = unescapeCss(escapedCss);
  const report = (index: number, message: string): void => {
    problems.push({ file, line: lineOffset + lineOf(css, index), message });
  };
  for (const m of css.matchAll(IMPORT)) report(m.index, '@import is not allowed: put the rules in style.css');
  for (const { index, call, url } of fetchedUrls(css)) {
    // `url(#id)` points into the document itself (an SVG gradient or filter).
    if (isAssetPath(url) || (call === 'url' && /^#[\w-]+$/.test(url))) continue;
    report(index, `${call}(${url}) may only point at the template's own assets/ files`);
  }
  for (const m of css.matchAll(/\{\{/g)) report(m.index, 'Mustache tags in a stylesheet: styles must not come from data');
}

/** All problems of one template's files; empty when it may be loaded. */
export function lintTemplate(files: { html: string; css: string; partials: Readonly<Record<string, string>> }): LintProblem[] {
  const problems: LintProblem[] = [];
  lintHtml('template.html', files.html, problems);
  for (const [name, partial] of Object.entries(files.partials)) lintHtml(`partials/${name}.html`, partial, problems);
  lintCss('style.css', files.css, problems);
  return problems;
}
