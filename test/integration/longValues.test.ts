/**
 * Issue #13, part 4: no value a client may send changes the size of the body text.
 *
 * Chromium prints a document that is wider than its page by shrinking *every* page until it fits.
 * One value with no break opportunity (a county name of 30 "W"s) once made the body 10.7 pt
 * instead of the 16 pt of GB/T 9704, and the report six pages instead of eleven. Every string
 * field is filled here at the longest its schema allows, with content that has no break
 * opportunity, printed by the real Chromium, and measured from the PDF: the body's glyph size
 * (pdftotext's word boxes and the embedded font's metrics), the page count, and where the text sits.
 */
import { PDFDict, PDFDocument, PDFName, PDFNumber } from 'pdf-lib';
import type { App } from '../../lambda/src/compose';
import { testApp } from '../helpers/app';
import { compact, pdfText, pdfWords } from '../helpers/pdfTools';

const TEMPLATE = 'county-annual-report';
/** The body face of the open font stack (style.css `--font-fangsong`); renderSamples checks it is embedded. */
const BODY_FONT = 'NotoSerifSC-Regular';
const BODY_PT = 16;
/** A4 minus the 26 mm right margin, plus what pdftotext adds: the last glyph's letter spacing and rounding. */
const TEXT_BLOCK_RIGHT = 595.28 - (26 / 25.4) * 72 + 1;

type Schema = { readonly [keyword: string]: unknown };
/** A string for the `index`-th item (array items must be unique) of a field at most `max` characters long. */
type Filler = (max: number, index: number) => string;

/** A local `$ref` merged with the keywords beside it (JSON Schema 2020-12 applies both). */
function resolved(schema: Schema, root: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const target = /^#\/\$defs\/([^/]+)$/.exec(ref);
  if (!target) throw new Error(`only local $defs references are supported here, not ${ref}`);
  const { $ref: _, ...siblings } = schema;
  const base = resolved((root.$defs as Record<string, Schema>)[target[1]], root);
  return { ...base, ...siblings, $ref: base.$ref };
}

/**
 * `value` with every string field the schema declares (optional ones and every array item up to
 * maxItems included) replaced by `fill(maxLength)`; numbers and other values are kept.
 * Collects what it filled by JSON pointer.
 */
function fillStrings(schema: Schema, value: unknown, fill: Filler, root: Schema, filled: Map<string, string>, path = '', index = 0): unknown {
  const s = resolved(schema, root);
  switch (s.type) {
    case 'object': {
      const out: Record<string, unknown> = { ...((value as Record<string, unknown> | undefined) ?? {}) };
      for (const [key, sub] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
        const next = fillStrings(sub, out[key], fill, root, filled, `${path}/${key}`);
        if (next !== undefined) out[key] = next;
      }
      return out;
    }
    case 'array': {
      const items = s.items as Schema;
      if (resolved(items, root).type !== 'string') {
        return ((value as unknown[] | undefined) ?? []).map((item, i) => fillStrings(items, item, fill, root, filled, `${path}/${i}`, i));
      }
      if (typeof s.maxItems !== 'number') throw new Error(`${path}: an array of strings without maxItems has no longest value`);
      return Array.from({ length: s.maxItems }, (_, i) => fillStrings(items, undefined, fill, root, filled, `${path}/${i}`, i));
    }
    case 'string': {
      if (typeof s.maxLength !== 'number') throw new Error(`${path}: a string without maxLength has no longest value; bound it in schema.json`);
      if (s.enum !== undefined || s.format !== undefined) return value;
      const text = fill(s.maxLength, index);
      filled.set(path, text);
      return text;
    }
    default:
      return value;
  }
}

/** Latin capitals: the widest letters, and no break opportunity between them. */
const unbreakableLatin: Filler = (max, i) => String.fromCharCode(0x41 + i) + 'W'.repeat(max - 1);
/** One letter carrying combining acute accents (U+0301): a single grapheme cluster, which no line breaking may split. */
const combiningRun: Filler = (max, i) => String.fromCharCode(0x61 + i) + '\u0301'.repeat(max - 1);
/** Ordinary Chinese text of the same length, which breaks between any two characters: the reference. */
const breakableChinese: Filler = (max, i) => '一二三四五六七八九十'[i] + '国'.repeat(max - 1);

/** The height of a word box for 1 pt of `fontName`: poppler spans a word from the font's Ascent to its Descent. */
async function wordBoxPerPoint(pdf: Buffer, fontName: string): Promise<number> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  for (const [, object] of doc.context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFDict) || object.get(PDFName.of('Type')) !== PDFName.of('FontDescriptor')) continue;
    const name = object.get(PDFName.of('FontName'));
    if (!(name instanceof PDFName) || !name.asString().endsWith(`+${fontName}`)) continue;
    const ascent = (object.get(PDFName.of('Ascent')) as PDFNumber).asNumber();
    const descent = (object.get(PDFName.of('Descent')) as PDFNumber).asNumber();
    return (ascent - descent) / 1000;
  }
  throw new Error(`${fontName} is not embedded in the PDF`);
}

interface Layout {
  readonly pages: number;
  /** The size of the glyphs most of the text is printed in: the body. */
  readonly bodyPt: number;
  /** The words that reach past the text block, with their page. */
  readonly overflowing: string[];
}

/** Words of every page; the body is the most common word height (the headings, leads and table are fewer). */
async function layoutOf(pdf: Buffer, pages: number): Promise<Layout> {
  const heights = new Map<string, number>();
  const overflowing: string[] = [];
  for (let page = 1; page <= pages; page++) {
    for (const word of pdfWords(pdf, page)) {
      const height = (word.yMax - word.yMin).toFixed(2);
      heights.set(height, (heights.get(height) ?? 0) + 1);
      if (word.xMax > TEXT_BLOCK_RIGHT) overflowing.push(`page ${page}: ${word.text.slice(0, 40)}`);
    }
  }
  const [modal] = [...heights.entries()].sort((a, b) => b[1] - a[1])[0];
  return { pages, bodyPt: Number(modal) / (await wordBoxPerPoint(pdf, BODY_FONT)), overflowing };
}

describe(`${TEMPLATE}: the longest values the schema allows keep the body at ${BODY_PT} pt`, () => {
  let app: App;
  let schema: Schema;
  let sample: Record<string, unknown>;
  /** Fewest and most pages of the template's own samples. */
  let samplePages: { min: number; max: number };

  const render = async (data: unknown): Promise<{ pdf: Buffer; layout: Layout }> => {
    const report = await app.reports.render(TEMPLATE, data);
    return { pdf: report.pdf, layout: await layoutOf(report.pdf, report.pages) };
  };
  const withAllFields = (fill: Filler): { data: unknown; filled: Map<string, string> } => {
    const filled = new Map<string, string>();
    const data = fillStrings(schema, structuredClone(sample), fill, schema, filled);
    return { data, filled };
  };
  /** The reference for the documents with every field at its longest, printed once. */
  let chineseAtMax: Promise<Layout> | undefined;

  beforeAll(async () => {
    app = testApp();
    const template = app.templates.get(TEMPLATE);
    schema = template.schema as Schema;
    sample = template.sampleData[template.samples[0]] as Record<string, unknown>;
    const pages: number[] = [];
    for (const name of template.samples) {
      const { layout } = await render(template.sampleData[name]);
      // The measure itself, on the documents the template was designed with.
      expect(layout.bodyPt).toBeCloseTo(BODY_PT, 1);
      pages.push(layout.pages);
    }
    samplePages = { min: Math.min(...pages), max: Math.max(...pages) };
  }, 120_000);
  afterAll(() => app.close());

  it('fills every string field of the schema, arrays to maxItems', () => {
    const { filled } = withAllFields(unbreakableLatin);
    // The walk reached the fields named in the issue, array items and the optional reporter.
    expect([...filled.keys()]).toEqual(expect.arrayContaining(['/county/name', '/investment/hostPark', '/integrity/specialActions/8', '/reporter/office']));
    expect(filled.size).toBeGreaterThan(50);
    expect(filled.get('/projects/startedProject')).toBe(`A${'W'.repeat(59)}`);
  });

  // The cases of the issue, each alone in an otherwise ordinary report. A field of at most 30
  // characters is printed at most five times (county.name: the title, three paragraphs, the
  // appendix title); each time it takes about a line of its own and may leave the line before it
  // short: ten lines at most, under half a 22-line page, so at most one page beyond the samples.
  it.each([
    ['county.name', 'W'.repeat(20)],
    ['county.name', 'W'.repeat(30)],
    ['county.name', `a${'\u0301'.repeat(29)}`],
    ['investment.hostPark', 'W'.repeat(30)],
  ])('%s = %j keeps the body at 16 pt and the pages of a sample', async (field, value) => {
    const data = structuredClone(sample) as Record<string, Record<string, unknown>>;
    const [group, key] = field.split('.');
    data[group][key] = value;
    const { layout } = await render(data);
    expect(layout.bodyPt).toBeCloseTo(BODY_PT, 1);
    expect(layout.pages).toBeGreaterThanOrEqual(samplePages.min);
    expect(layout.pages).toBeLessThanOrEqual(samplePages.max + 1);
  }, 60_000);

  /**
   * Every string field at its longest, printed once filled with `fill` and once with Chinese of the
   * same lengths (the reference: text that breaks between any two characters).
   */
  const allFieldsAtMax = async (fill: Filler): Promise<{ reference: Layout; pdf: Buffer; layout: Layout; printed: number }> => {
    chineseAtMax ??= render(withAllFields(breakableChinese).data).then(({ layout }) => layout);
    const { data, filled } = withAllFields(fill);
    const { pdf, layout } = await render(data);
    // How many values the body prints (names are printed several times, lists joined). Longest
    // first, each occurrence cut out once counted: a 30-character value starts a 60-character one.
    let rest = app.reports.prepare(TEMPLATE, data).html.split('<body')[1];
    let printed = 0;
    for (const value of [...new Set(filled.values())].sort((a, b) => b.length - a.length)) {
      const parts = rest.split(value);
      printed += parts.length - 1;
      rest = parts.join('\u0000');
    }
    return { reference: await chineseAtMax, pdf, layout, printed };
  };

  /**
   * The most pages `printed` values that cannot break where Chinese can may add to the reference:
   * each may leave the line before it short (it moves to the next line whole, and breaks only
   * when a line cannot hold it; numbers and words are never split early, as GB/T 15835 wants for
   * numbers), and may take one line more than the same count of Chinese characters (a "W" is ~4%
   * wider; one accented cluster takes a line to itself). Two lines each, 22 lines a page.
   */
  const pageBound = (referencePages: number, printed: number): number => referencePages + Math.ceil((2 * printed) / 22);

  it('every string field at its longest, unbreakable Latin: 16 pt, wrapped inside the text block, within the bound on pages', async () => {
    const { reference, pdf, layout, printed } = await allFieldsAtMax(unbreakableLatin);
    expect(reference.bodyPt).toBeCloseTo(BODY_PT, 1);
    expect(layout.bodyPt).toBeCloseTo(BODY_PT, 1);
    // Wrapped, not cut off at the edge (a clipped value would keep 16 pt but lose its end).
    expect(layout.overflowing).toEqual([]);
    const text = compact(pdfText(pdf)).replace(/—\d+—/g, '');
    expect(text).toContain(`A${'W'.repeat(29)}`);
    expect(text).toContain(`A${'W'.repeat(59)}`);
    // A "W" is wider than a Chinese character, so never fewer pages than the reference.
    expect(layout.pages).toBeGreaterThanOrEqual(reference.pages);
    expect(layout.pages).toBeLessThanOrEqual(pageBound(reference.pages, printed));
  }, 90_000);

  it('every string field at its longest, one letter with combining accents: 16 pt, within the bound on pages', async () => {
    const { reference, layout, printed } = await allFieldsAtMax(combiningRun);
    expect(layout.bodyPt).toBeCloseTo(BODY_PT, 1);
    // The clusters are cut at the text block (style.css, `overflow-x: clip`), so no word-box check
    // here: pdftotext reports each cluster's full advance, not what is drawn.
    expect(layout.pages).toBeGreaterThanOrEqual(samplePages.min);
    expect(layout.pages).toBeLessThanOrEqual(pageBound(reference.pages, printed));
  }, 90_000);
});
