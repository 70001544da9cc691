/**
 * Template rules: every shipped template passes, and each rule catches what it is for (so the
 * rules cannot silently stop matching).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { lintTemplate } from '../../lambda/src/core/lintTemplate';
import { readTemplateFolder } from '../../lambda/src/files/loadTemplateStore';
import { testApp } from '../helpers/app';

const templatesDir = testApp().config.render.templatesDir;
const ok = '<!doctype html><html lang="zh-CN"><head><link rel="stylesheet" href="style.css"></head><body>';
const lint = (body: string, css = 'p { color: black }'): string[] =>
  lintTemplate({ html: `${ok}${body}</body></html>`, css, partials: {} }).map((p) => p.message);

describe('template rules', () => {
  const ids = readdirSync(templatesDir).filter((id) => existsSync(join(templatesDir, id, 'template.html')));

  it.each(ids)('%s passes every rule', (id) => {
    // Read as the service reads it at start-up; the store would refuse it, this names each problem.
    const { html, css, partials } = readTemplateFolder(join(templatesDir, id), id);
    expect(lintTemplate({ html, css, partials })).toEqual([]);
  });

  it('accepts CSS escapes that spell nothing forbidden, and own assets in a style attribute', () => {
    expect(lint('<p style="background: url(assets/a.png)">x</p>', 'q::before { content: "\\201C" } p { background: url(assets/\\62 .png) }')).toEqual([]);
  });

  it('accepts image-set() and -webkit-image-set() over the template\'s own assets, whatever their spelling', () => {
    const css = [
      'p { background-image: image-set("assets/a.png" 1x, \'assets/b.png\' 2x, url(assets/c.png) 3x, assets/d.png 4x) }',
      'q { background-image: -webkit-image-set(url("assets/a.png") 1x, linear-gradient(red, blue) 2x) }',
      'h1 { background-image: image-set("assets/a.avif" type("image/avif"), "assets/a.png" type("image/png")) }',
    ].join('\n');
    expect(lint('<p style="background-image: image-set(\'assets/a.png\' 1x)">x</p>', css)).toEqual([]);
  });

  it('accepts plain escaped data in text and in geometry attributes', () => {
    expect(lint('<h1>{{county.name}}</h1><svg xmlns="http://www.w3.org/2000/svg"><rect x="{{x}}" width="{{w}}"/></svg>')).toEqual([]);
  });

  it.each([
    ['triple mustache', '<p>{{{name}}}</p>', /unescaped Mustache/],
    ['ampersand mustache', '<p>{{& name}}</p>', /unescaped Mustache/],
    ['script element', '<script>alert(1)</script>', /<script> is not allowed/],
    ['iframe', '<iframe src="x.html"></iframe>', /<iframe> is not allowed/],
    ['object', '<object data="x"></object>', /<object> is not allowed/],
    ['embed', '<embed src="x">', /<embed> is not allowed/],
    ['base', '<base href="http://127.0.0.1/">', /<base> is not allowed/],
    ['meta refresh', '<meta http-equiv="refresh" content="0;url=/x">', /http-equiv/],
    ['remote image', '<img src="https://example.com/a.png">', /remote URL/],
    ['protocol-relative image', '<img src="//example.com/a.png">', /remote URL/],
    ['file URL', '<img src="file:///etc/passwd">', /file: URL/],
    ['javascript URL', '<a href="javascript:alert(1)">x</a>', /javascript: URL/],
    ['data in href', '<a href="{{link}}">x</a>', /data in the href= attribute/],
    ['data in src', '<img src="img/{{name}}.png">', /data in the src= attribute/],
    ['data in style', '<p style="color: {{colour}}">x</p>', /data in the style= attribute/],
    ['data in xlink:href', '<svg><image xlink:href="{{u}}"/></svg>', /data in the xlink:href= attribute/],
    ['event handler', '<p onclick="x()">x</p>', /event handler/],
    ['data in a style element', '<style>p { color: {{c}} }</style>', /data inside a <style> element/],
    ['other stylesheet link', '<link rel="stylesheet" href="http://example.com/x.css">', /may only load the template's own stylesheet/],
    ['remote url() in a style attribute', '<p style="background: url(http://127.0.0.1:9001/x)">x</p>', /may only point at the template's own assets/],
    ['CSS-escaped url() in a style attribute', '<p style="background: \\75 rl(\\68ttps://example.com/x)">x</p>', /url\(https:\/\/example\.com\/x\) may only point/],
    ['CSS-escaped url() in a style element', '<style>p { background: \\000075rl(http://127.0.0.1/x) }</style>', /url\(http:\/\/127\.0\.0\.1\/x\) may only point/],
    ['remote image-set() in a style attribute', '<p style="background-image: image-set(\'http://127.0.0.1:9001/x.png\' 1x)">x</p>', /image-set\(http:\/\/127\.0\.0\.1:9001\/x\.png\) may only point/],
  ])('rejects %s', (_name, body, message) => {
    expect(lint(body).join('\n')).toMatch(message);
  });

  it.each([
    ['@import', '@import url("x.css");', /@import is not allowed/],
    ['remote url()', 'p { background: url(http://127.0.0.1:9001/x) }', /may only point at the template's own assets/],
    ['file url()', '@font-face { font-family: X; src: url("file:///etc/passwd") }', /may only point at the template's own assets/],
    ['mustache in CSS', 'p { color: {{c}} }', /Mustache tags in a stylesheet/],
    ['CSS-escaped url()', 'p { background: \\75 rl(http://127.0.0.1:9001/x) }', /may only point at the template's own assets/],
    ['CSS-escaped scheme', 'p { background: url(\\68 ttp://127.0.0.1:9001/x) }', /url\(http:\/\/127\.0\.0\.1:9001\/x\) may only point/],
    ['CSS-escaped @import', '@\\69mport "x.css";', /@import is not allowed/],
    // issue #13: image-set() fetched its strings while the linter only looked at url().
    ['quoted remote image-set()', 'p { background-image: image-set("http://127.0.0.1:9001/x.png" 1x) }', /image-set\(http:\/\/127\.0\.0\.1:9001\/x\.png\) may only point/],
    ['unquoted remote image-set()', 'p { background-image: image-set(http://127.0.0.1:9001/x.png 1x) }', /image-set\(http:\/\/127\.0\.0\.1:9001\/x\.png\) may only point/],
    ['remote second image of an image-set()', 'p { background-image: image-set("assets/a.png" 1x, "https://example.com/b.png" 2x) }', /image-set\(https:\/\/example\.com\/b\.png\) may only point/],
    ['remote -webkit-image-set()', "p { background-image: -webkit-image-set('https://example.com/a.png' 1x) }", /-webkit-image-set\(https:\/\/example\.com\/a\.png\) may only point/],
    ['image-set() with a type()', 'p { background-image: image-set("//example.com/a.avif" type("image/avif")) }', /image-set\(\/\/example\.com\/a\.avif\) may only point/],
    ['remote url() inside an image-set()', 'p { background-image: image-set(url(http://127.0.0.1:9001/x.png) 1x) }', /url\(http:\/\/127\.0\.0\.1:9001\/x\.png\) may only point/],
    ['CSS-escaped image-set()', 'p { background-image: \\69mage-set("\\68ttp://127.0.0.1:9001/x.png" 1x) }', /image-set\(http:\/\/127\.0\.0\.1:9001\/x\.png\) may only point/],
  ])('rejects %s in style.css', (_name, css, message) => {
    expect(lint('<p>x</p>', css).join('\n')).toMatch(message);
  });
});
