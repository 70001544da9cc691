/**
 * The checks every template folder passes, whoever wrote it: a new folder under templates/ is
 * picked up here with no test of its own. Static checks first (what `pdf-export check` reports),
 * then every sample printed by the real Chromium and read back from the PDF: fonts embedded as
 * CID TrueType (never Type 3), no template syntax or broken value in the text, the page count
 * within view.json's declared range, and no word outside the page's margins. The same for the
 * longest report each schema allows, so a schema's bounds and a template's layout agree; and
 * every template's Excel data sheet gives its data back as it was, tables and notes included.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from '../../lambda/src/compose';
import { parseBatchItems } from '../../lambda/src/batch/parseBatchItems';
import { writeWorkbook } from '../../lambda/src/batch/writeWorkbook';
import { requireTemplatesDir } from '../../lambda/src/config/loadConfig';
import { lintSchema } from '../../lambda/src/core/lintSchema';
import { TemplateStore } from '../../lambda/src/core/TemplateStore';
import { findProjectRoot } from '../../lambda/src/config/projectRoot';
import { projectTemplateFiles, projectTemplates, testApp } from '../helpers/app';
import { pdfFonts, pdfInfo, pdfText, pdfWords } from '../helpers/pdfTools';

const templates = projectTemplates().list();
/** Not a sample: the longest report a template's schema allows, from `npm run gen:reports -- <id> 1 --extreme`. */
const EXTREME = '(longest allowed)';
/** Every (template, sample) pair, and each template's longest report, for it.each. */
const samplesOf = templates.flatMap((t) => [...t.samples, EXTREME].map((sample) => [t.id, sample] as const));

/** Every text at its maxLength, every list at maxItems, every optional part present, every figure at its widest. */
function extremeReport(id: string): unknown {
  const script = join(findProjectRoot(), 'scripts', 'gen-reports.mjs');
  const line = execFileSync(process.execPath, [script, id, '1', '--extreme', '--seed', '1'], { encoding: 'utf8', env: process.env });
  return (JSON.parse(line) as { data: unknown }).data;
}

/** Words must keep this far from the paper's edge (PDF points): 5 mm, well inside any sane margin. */
const EDGE = (5 / 25.4) * 72;
/** What a printed report must never show: template syntax left over, or a value JavaScript broke. */
const LEAKS = /\{\{|\}\}|undefined|NaN|Infinity|\[object|\bnull\b/;

describe('every template folder', () => {
  it('is found: the project ships the county report and the two documents derived from it', () => {
    expect(templates.map((t) => t.id)).toEqual(expect.arrayContaining(['county-annual-report', 'county-statistical-communique', 'county-quarterly-brief']));
  });

  it.each(templates.map((t) => [t.id]))('%s: passes the load checks and the schema checks of `pdf-export check`', (id) => {
    const files = projectTemplateFiles(id);
    expect(TemplateStore.problemsOf(files)).toEqual([]);
    const dir = join(requireTemplatesDir(testApp().config.render), id);
    expect(lintSchema(readFileSync(join(dir, 'schema.json'), 'utf8'))).toEqual([]);
    expect(files.view).toBeDefined();
  });

  it.each(templates.map((t) => [t.id]))('%s: has at least three valid samples and a declared page range', (id) => {
    const template = projectTemplates().get(id);
    expect(template.samples.length).toBeGreaterThanOrEqual(3);
    for (const sample of template.samples) expect({ sample, problems: template.check(template.sampleData[sample]) }).toEqual({ sample, problems: [] });
    expect(template.pages).toEqual({ min: expect.any(Number), max: expect.any(Number) });
  });
});

describe('every template in Excel', () => {
  it.each(templates.map((t) => [t.id]))('%s: its data sheet, filled with every sample and the longest report, reads back as the same data', async (id) => {
    const template = projectTemplates().get(id);
    const rows = [
      ...template.samples.map((sample) => ({ id: sample, data: template.sampleData[sample] })),
      { id: 'longest', data: extremeReport(id) },
    ];
    const sheet = await writeWorkbook(template, rows, { maxRows: 100 });
    const items = parseBatchItems(sheet, 'xlsx', template.schema, { workbook: { maxBytes: 64 * 1024 * 1024, maxUnzippedBytes: 512 * 1024 * 1024, maxRows: 100 } });
    expect(items.map((item) => ({ id: item.id, problem: item.problem?.message, data: item.data }))).toEqual(rows.map((row) => ({ id: row.id, problem: undefined, data: row.data })));
  }, 60_000);
});

describe('every sample of every template, printed by the real Chromium', () => {
  let app: App;
  const printed = new Map<string, Buffer>();
  const pdfOf = (id: string, sample: string): Buffer => printed.get(`${id}/${sample}`)!;

  beforeAll(async () => {
    app = testApp();
    for (const [id, sample] of samplesOf) {
      const data = sample === EXTREME ? extremeReport(id) : app.templates.get(id).sampleData[sample];
      const report = await app.reports.render(id, data);
      printed.set(`${id}/${sample}`, report.pdf);
    }
  }, 240_000);
  afterAll(() => app.close());

  it.each(samplesOf)('%s/%s: fonts embedded as TrueType subsets, no Type 3', (id, sample) => {
    const fonts = pdfFonts(pdfOf(id, sample));
    expect(fonts.length).toBeGreaterThan(0);
    for (const font of fonts) expect({ name: font.name, type: font.type, embedded: font.embedded }).toEqual({ name: font.name, type: 'CID TrueType', embedded: true });
  });

  it.each(samplesOf)('%s/%s: the text shows no template syntax or broken value, and names the county', (id, sample) => {
    const text = pdfText(pdfOf(id, sample));
    expect(text).not.toMatch(LEAKS);
    if (sample === EXTREME) return;
    const data = app.templates.get(id).sampleData[sample] as { county?: { name?: string } };
    expect(text.replace(/\s+/g, '')).toContain(data.county?.name);
  });

  it.each(samplesOf)('%s/%s: prints within the page range view.json declares, every word inside the paper', (id, sample) => {
    const pdf = pdfOf(id, sample);
    const pages = Number(pdfInfo(pdf).Pages);
    const range = app.templates.get(id).pages!;
    expect(pages).toBeGreaterThanOrEqual(range.min);
    expect(pages).toBeLessThanOrEqual(range.max);
    const [width, height] = /([\d.]+) x ([\d.]+)/.exec(pdfInfo(pdf)['Page size'])!.slice(1).map(Number);
    for (let page = 1; page <= pages; page++) {
      for (const word of pdfWords(pdf, page)) {
        const inside = word.xMin >= EDGE && word.xMax <= width - EDGE && word.yMin >= EDGE && word.yMax <= height - EDGE;
        expect({ page, word: word.text, inside }).toEqual({ page, word: word.text, inside: true });
      }
    }
  });
});
