/**
 * Characters the report fonts cannot print, through `POST /reports` on the local dev server (real
 * Chromium, embedded S3): refused with 422 naming the field and the characters, while a rare
 * character the fonts do have is printed with a real glyph, from the right face.
 *
 * Before the glyph check, `𠀀𠮷县` was answered 201: 𠀀 (U+20000) is in no bundled font and
 * printed as blank space, and it took 𠮷 with it (only LXGW WenKai has 𠮷; Chromium's fallback
 * for the pair found no font), while pdftotext still extracted both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../lambda/src/core/ports';
import { startDevServer, type DevServer } from '../../lambda/src/entrypoints/devServer';
import { expectError, postJson, samples, TEMPLATE } from '../helpers/httpClient';
import { compact, darkShare, pdfFonts, pdfText, rasterisePage } from '../helpers/pdfTools';

const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const base = (): Record<string, any> => Object.values(samples())[0]; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Dark pixels on every page together, in A4 page units: what was inked, wherever layout put it. */
function ink(pdf: Buffer, pages: number): number {
  let total = 0;
  for (let page = 1; page <= pages; page++) total += darkShare(rasterisePage(pdf, page, 100), { x: 0, y: 0, w: 210, h: 297 });
  return total;
}

describe('POST /reports with characters the fonts cannot print', () => {
  let dir: string;
  let server: DevServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pdf-export-glyphs-'));
    server = await startDevServer({ port: 0, playground: false, logger: quiet, env: { LOCAL_S3_DIR: dir, LOCAL_S3_PORT: '0' } });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = async (name: string) => {
    const data = base();
    data.county.name = name;
    return postJson(`${server.url}/reports`, { template: TEMPLATE, data });
  };
  const download = async (name: string): Promise<{ pdf: Buffer; pages: number }> => {
    const response = await post(name);
    expect(response.status).toBe(201);
    const pdf = Buffer.from(await (await fetch(response.json.url)).arrayBuffer());
    return { pdf, pages: response.json.pages };
  };

  it('answers 422 naming /county/name, each character and its code point, and prints nothing', async () => {
    const response = await post('𠀀𠮷县');
    const error = expectError(response, 422, 'VALIDATION_FAILED');
    expect(error.details).toEqual([
      { path: '/county/name', message: expect.stringMatching(/^字符“𠀀”\(U\+20000\)、“𠮷”\(U\+20BB7\) 无法用报告字体印出；/) },
    ]);
    expect(error.message).toContain('/county/name');
  });

  it('refuses emoji, Arabic and Hebrew the same way', async () => {
    for (const [name, char] of [
      ['青山县😀', 'U+1F600'],
      ['قرية县', 'U+0642'],
      ['עיר县', 'U+05E2'],
    ]) {
      const error = expectError(await post(name), 422, 'VALIDATION_FAILED');
      expect(error.details).toEqual([{ path: '/county/name', message: expect.stringContaining(char) }]);
    }
  });

  it('prints a rare standard character outside the BMP (𬌗, U+2C317) with a real glyph from the Extended face', async () => {
    const rare = await download('𬌗𬌗𬌗𬌗县');
    expect(compact(pdfText(rare.pdf))).toContain('𬌗𬌗𬌗𬌗县');
    const names = pdfFonts(rare.pdf).map((f) => f.name.replace(/^[A-Z]{6}\+/, ''));
    // The body (仿宋 stand-in) and the title (小标宋 stand-in) each embed a second subset of their
    // own face: the Extended file's. A blank, fontless glyph would add none.
    expect(names.filter((n) => n === 'NotoSerifSC-Regular')).toHaveLength(2);
    expect(names.filter((n) => n === 'NotoSerifSC-Bold')).toHaveLength(2);
    for (const font of pdfFonts(rare.pdf)) expect(font).toMatchObject({ embedded: true, subset: true, type: 'CID TrueType' });
    // Ink: four more glyphs wherever the name is printed, about as much as four 国 add. Blank
    // glyphs would add none (layout moves, but the same glyphs are inked).
    const plain = await download('县');
    const common = await download('国国国国县');
    const added = (report: { pdf: Buffer; pages: number }): number => ink(report.pdf, report.pages) - ink(plain.pdf, plain.pages);
    expect(added(rare)).toBeGreaterThan(0.5 * added(common));
  }, 60_000);
});
