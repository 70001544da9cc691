/**
 * The core's checks that happen before Chromium: a renderer that records calls stands in for
 * Chromium here (the printing itself is tested against the real Chromium in test/integration).
 */
import type { PdfRenderer, PdfRenderRequest } from '../../lambda/src/core/ports';
import { DataValidationError, LimitExceededError, TemplateNotFoundError } from '../../lambda/src/core/errors';
import { testApp } from '../helpers/app';

class RecordingRenderer implements PdfRenderer {
  readonly calls: PdfRenderRequest[] = [];
  async renderPdf(request: PdfRenderRequest): Promise<never> {
    this.calls.push(request);
    throw new Error('Chromium must not be reached in these tests');
  }
  async close(): Promise<void> {}
}

const app = testApp();
const templates = app.templates;
const template = templates.get('county-annual-report');
const sample = (): Record<string, unknown> => structuredClone(template.sampleData[template.samples[0]]) as Record<string, unknown>;

describe('ReportRenderer before Chromium', () => {
  it.each([
    ['a missing field', (d: Record<string, unknown>) => delete (d.county as Record<string, unknown>).name, '/county/name'],
    ['a wrong type', (d: Record<string, unknown>) => (d.year = '2020'), '/year'],
    ['an out-of-range value', (d: Record<string, unknown>) => (d.year = 1800), '/year'],
    ['an unknown field', (d: Record<string, unknown>) => (d.colour = 'red'), '/colour'],
  ])('rejects %s with its JSON path and never calls Chromium', async (_name, mutate, path) => {
    const chromium = new RecordingRenderer();
    const renderer = app.rendererFor(chromium, { maxHtmlBytes: 1 << 21, maxPages: 100 });
    const data = sample();
    mutate(data);
    await expect(renderer.render('county-annual-report', data)).rejects.toMatchObject({
      constructor: DataValidationError,
      details: expect.arrayContaining([expect.objectContaining({ path })]),
    });
    expect(chromium.calls).toHaveLength(0);
  });

  it('rejects an unknown template and an oversized document before Chromium', async () => {
    const chromium = new RecordingRenderer();
    await expect(app.rendererFor(chromium, { maxHtmlBytes: 1 << 21, maxPages: 100 }).render('nope', {})).rejects.toBeInstanceOf(TemplateNotFoundError);
    const tiny = app.rendererFor(chromium, { maxHtmlBytes: 1024, maxPages: 100 });
    await expect(tiny.render('county-annual-report', sample())).rejects.toBeInstanceOf(LimitExceededError);
    expect(chromium.calls).toHaveLength(0);
  });

  it('prepares self-contained HTML: the template’s stylesheet inlined, nothing to fetch', () => {
    const renderer = app.rendererFor(new RecordingRenderer(), { maxHtmlBytes: 1 << 21, maxPages: 100 });
    const prepared = renderer.prepare('county-annual-report', sample());
    const css = prepared.template.assets.get('style.css')!.body.toString('utf8');
    expect(prepared.html).toContain(`<style data-href="style.css">\n${css}</style>`);
    expect(prepared.html).not.toMatch(/<link\b/i);
    expect(prepared.html).not.toMatch(/<script|https?:\/\/(?!report\.invalid)/i);
    expect([...prepared.template.assets.keys()]).toEqual(['style.css']);
    expect(prepared.meta.lang).toBe('zh-CN');
    expect(prepared.inputHash).toMatch(/^[0-9a-f]{64}$/);
  });
});
