import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataValidationError, TemplateDefinitionError, TemplateNotFoundError } from '../../lambda/src/core/errors';
import { inlineStylesheets } from '../../lambda/src/core/inlineStylesheets';
import { TemplateStore } from '../../lambda/src/core/TemplateStore';
import { loadTemplateStore } from '../../lambda/src/files/loadTemplateStore';
import { projectTemplates } from '../helpers/app';

const store = projectTemplates();

describe('TemplateStore', () => {
  it('lists the county report with its title and samples', () => {
    const summary = store.list().find((t) => t.id === 'county-annual-report');
    expect(summary).toBeDefined();
    expect(summary!.title).toMatch(/述学述职述廉述法报告/);
    expect(summary!.samples.length).toBeGreaterThanOrEqual(3);
  });

  it('refuses unknown and path-like template ids without touching the file system', () => {
    for (const id of ['nope', '../templates/county-annual-report', 'county-annual-report/', 'COUNTY', '']) {
      expect(() => store.get(id)).toThrow(TemplateNotFoundError);
    }
  });

  it('reports every schema problem at once, each at its JSON pointer with the field’s Chinese label', () => {
    const template = store.get('county-annual-report');
    const sample = structuredClone(template.sampleData[template.samples[0]]) as Record<string, Record<string, unknown>>;
    delete sample.county.name;
    (sample as Record<string, unknown>).year = '2020';
    (sample as Record<string, unknown>).extra = 1;
    let error: unknown;
    try {
      template.validate(sample);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataValidationError);
    const details = (error as DataValidationError).details;
    expect(details).toEqual(
      expect.arrayContaining([
        { path: '/county/name', message: expect.stringMatching(/^is required（.+）$/) },
        { path: '/year', message: expect.stringMatching(/^must be integer（.+）$/) },
        { path: '/extra', message: expect.stringContaining('not a field of this template') },
      ]),
    );
    expect((error as DataValidationError).code).toBe('VALIDATION_FAILED');
  });

  it('labels range errors of shared $defs types with the property’s own Chinese title', () => {
    const template = store.get('county-annual-report');
    const sample = structuredClone(template.sampleData[template.samples[0]]) as { ecology: { pm25Change: number } };
    sample.ecology.pm25Change = -189;
    expect(template.check(sample)).toEqual([{ path: '/ecology/pm25Change', message: expect.stringMatching(/^must be >= -100（PM2\.5.+）$/) }]);
  });

  it('says what a pattern means in words, and not twice for an empty name', () => {
    const template = store.get('county-annual-report');
    const sample = structuredClone(template.sampleData[template.samples[0]]) as { county: { name: string } };
    sample.county.name = ' 青岚县';
    expect(template.check(sample)).toEqual([
      { path: '/county/name', message: 'must not start or end with a space, and must not contain control characters or invisible formatting characters（县名）' },
    ]);
    sample.county.name = '';
    expect(template.check(sample)).toEqual([{ path: '/county/name', message: 'must NOT have fewer than 1 characters（县名）' }]);
  });

  it('accepts every sample', () => {
    const template = store.get('county-annual-report');
    for (const name of template.samples) expect(template.check(template.sampleData[name])).toEqual([]);
  });

  it('fails start-up on a broken template instead of at the first render', () => {
    const dir = mkdtempSync(join(tmpdir(), 'templates-'));
    try {
      mkdirSync(join(dir, 'broken'));
      writeFileSync(join(dir, 'broken', 'template.html'), '<p>{{x}}</p>');
      writeFileSync(join(dir, 'broken', 'style.css'), '');
      writeFileSync(join(dir, 'broken', 'schema.json'), '{"type": "object", "properties": {"x": {"type": "strnig"}}}');
      expect(() => loadTemplateStore(dir)).toThrow(TemplateDefinitionError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a folder that holds code, wherever it sits, and names the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'templates-'));
    try {
      mkdirSync(join(dir, 'scripted', 'assets'), { recursive: true });
      writeFileSync(join(dir, 'scripted', 'template.html'), '<p>{{x}}</p>');
      writeFileSync(join(dir, 'scripted', 'style.css'), '');
      writeFileSync(join(dir, 'scripted', 'schema.json'), '{"type": "object"}');
      writeFileSync(join(dir, 'scripted', 'assets', 'format.mjs'), 'export default () => 1;');
      expect(() => loadTemplateStore(dir)).toThrow(/Template "scripted" holds code \(assets\/format\.mjs\): templates never run code/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports every problem of a folder at once, view.json by line, without loading it', () => {
    const files = {
      id: 'several',
      html: '<p>{{{x}}}</p>',
      css: '',
      schema: { type: 'object', properties: { x: { type: 'number' } } },
      partials: { chart: '<p></p>' },
      assets: new Map(),
      samples: {},
      view: '{\n  "pages": {"min": 1, "max": 1},\n  "meta": {"title": "t"},\n  "view": {"x": "${count(x)}"}\n}',
    };
    expect(TemplateStore.problemsOf(files)).toEqual([
      { file: 'template.html', line: 1, message: expect.stringContaining('unescaped Mustache tag') },
      { file: 'partials/chart.html', line: 1, message: expect.stringContaining('the partial name "chart" is the product\'s own') },
      { file: 'view.json', line: 4, message: expect.stringContaining('count(): value must be an integer') },
    ]);
    expect(() => TemplateStore.fromFiles([files])).toThrow(/Template "several" breaks the template rules: template\.html:1: .*; view\.json:4: count\(\)/);
  });

  describe('inlineStylesheets', () => {
    const assets = new Map([
      ['style.css', { contentType: 'text/css', body: Buffer.from('p { color: red }\n') }],
      ['assets/print.css', { contentType: 'text/css', body: Buffer.from('h1 { color: blue }\n') }],
    ]);

    it('moves each linked stylesheet of the template into a <style> element, in place', () => {
      const html = '<head><link rel="stylesheet" href="style.css"><link rel="stylesheet" href="assets/print.css" /></head><p>x</p>';
      expect(inlineStylesheets('t', html, assets)).toBe(
        '<head><style data-href="style.css">\np { color: red }\n</style><style data-href="assets/print.css">\nh1 { color: blue }\n</style></head><p>x</p>',
      );
    });

    it('leaves a link to anything it does not hold to the interception, which refuses it', () => {
      const html = '<link rel="stylesheet" href="assets/missing.css">';
      expect(inlineStylesheets('t', html, assets)).toBe(html);
    });

    it.each([
      ['closes its <style> element and lets markup in', 'p{}</STYLE><img src=x>'],
      ['ends an HTML comment around a commented-out link', 'p{} --> <img src=x>'],
      ['opens an HTML comment', 'p{} <!-- '],
      ['holds a Mustache tag (assets/*.css is not linted like style.css)', 'p{color:{{{colour}}}}'],
    ])('refuses a stylesheet that %s', (_why, css) => {
      const evil = new Map([['style.css', { contentType: 'text/css', body: Buffer.from(css) }]]);
      expect(() => inlineStylesheets('t', '<link rel="stylesheet" href="style.css">', evil)).toThrow(TemplateDefinitionError);
    });

    it('drops a byte-order mark, which would otherwise void the first rule', () => {
      const bom = new Map([['style.css', { contentType: 'text/css', body: Buffer.from('\uFEFF:root { --x: 1 }') }]]);
      expect(inlineStylesheets('t', '<link rel="stylesheet" href="style.css">', bom)).toBe('<style data-href="style.css">\n:root { --x: 1 }</style>');
    });
  });
});
