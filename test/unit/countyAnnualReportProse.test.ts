/**
 * test/fixtures/county-annual-report/prose.json lists, paragraph by paragraph, the fixed prose the
 * template prints between data fields; the integration tests look for it in the PDF's text. These
 * tests keep the fixture in step with the template and faithful to the seed report.
 */
import { countyTemplate, readProseFixture, readSamples, readSeedText, renderHtml, visibleText } from './helpers/countyAnnualReportFiles';

const prose = readProseFixture();
/** template.html as the service's TemplateStore holds it. */
const template = countyTemplate().html;
const withoutWhitespace = (text: string): string => text.replace(/\s+/g, '');

/**
 * The corrections the template makes to the received text (see the seed's NOTES): misspellings,
 * mismatched quotes and brackets, ASCII commas and stray spaces in Chinese prose.
 */
const CORRECTIONS: ReadonlyArray<[string, string]> = [
  ['招商治谈', '招商洽谈'],
  ['如火如茶', '如火如荼'],
  ['望造', '塑造'],
  ['严于律已', '严于律己'],
  ['公共区城', '公共区域'],
  ['超顿完成市达目标', '超额完成市定目标'],
  ['污水处理厂一竣工', '污水处理厂已竣工'],
  ['战略新兴产业现代服务业', '战略新兴产业、现代服务业'],
  ['“四个意识"', '“四个意识”'],
  ['“气代煤"', '“气代煤”'],
  ['“回头看"', '“回头看”'],
  ['“双认证"', '“双认证”'],
  ['“中央八项规定"', '“中央八项规定”'],
  ['“一区三边“', '“一区三边”'],
  ['保护合作备忘录)', '保护合作备忘录》'],
  [',', '，'],
];

/**
 * Seed text that the template no longer prints literally: names whose generic part belongs to
 * the name (a county's park is not always a 国际产业园, its river not always a 河), lists that
 * became arrays, and two-figure clauses the view model words by the figures' directions.
 */
const BECAME_FIELDS: ReadonlyArray<[RegExp, string]> = [
  [/XX(?:国际产业园|纸业高档包装纸项目|现代农业园区|设备制造|污水处理厂|京剧团|纪念馆|联盟|湿地|路|河|镇)/g, 'XX'],
  [/牌蔬菜/g, '牌XX'],
  [/玉米、海产品/g, 'XX'],
  [/入企帮扶、园区发展、诚信体系建设、政务服务质量提升、治庸治懒5大/g, 'XX大'],
  [/城镇居民和农村居民人均可支配收入分别增长XX%、XX%/g, 'XX'],
  [/园区主营业务收入、税收同比分别增长XX%和XX%/g, 'XX'],
];

/** The seed's paragraphs (one a line), corrected, without whitespace. */
function correctedSeedParagraphs(): string[] {
  const corrected = CORRECTIONS.reduce((text, [fault, fix]) => text.split(fault).join(fix), readSeedText());
  return corrected.split('\n').map(withoutWhitespace).filter((line) => line.length > 0);
}

describe('prose fixture', () => {
  it('has one entry per paragraph of the report, with unique ids and fragments of six characters or more', () => {
    const main = template.slice(template.indexOf('<main'), template.indexOf('</main>'));
    const blocks = main.match(/<(h1|h2|p)\b/g) ?? [];
    const reportEntries = prose.filter((entry) => !entry.paragraph.startsWith('appendix.'));
    expect(reportEntries).toHaveLength(blocks.length);
    expect(new Set(prose.map((entry) => entry.paragraph)).size).toBe(prose.length);
    for (const { paragraph, fragments } of prose) {
      expect({ paragraph, count: fragments.length > 0 }).toEqual({ paragraph, count: true });
      for (const fragment of fragments) {
        expect({ paragraph, fragment, long: [...fragment].length >= 6 }).toEqual({ paragraph, fragment, long: true });
        expect(fragment).toBe(withoutWhitespace(fragment));
      }
    }
  });

  it.each(readSamples())('every fragment is printed when rendering %s', (_name, data) => {
    const text = withoutWhitespace(visibleText(renderHtml(data)));
    for (const { paragraph, fragments } of prose) {
      for (const fragment of fragments) {
        expect({ paragraph, fragment, printed: text.includes(fragment) }).toEqual({ paragraph, fragment, printed: true });
      }
    }
  });

  it('every fragment of the report comes from the seed text, as corrected', () => {
    const seed = correctedSeedParagraphs().join('\n');
    for (const { paragraph, fragments } of prose.filter((entry) => !entry.paragraph.startsWith('appendix.'))) {
      for (const fragment of fragments) {
        expect({ paragraph, fragment, inSeed: seed.includes(fragment) }).toEqual({ paragraph, fragment, inSeed: true });
      }
    }
  });

  it('covers the whole seed: every piece of its fixed prose is in the fixture', () => {
    // Mark what became data fields or view wording as blanks, split the corrected seed at its
    // blanks and literal figures; the longer pieces left over must still be printed as they were.
    const fixture = prose.flatMap((entry) => entry.fragments).join('|');
    const pieces = correctedSeedParagraphs()
      .map((line) => BECAME_FIELDS.reduce((text, [seedText, blank]) => text.replace(seedText, blank), line))
      .flatMap((line) => line.split(/XX%?|[\d.+]+(?:%|项|家|个|件|大|强)?/))
      .flatMap((piece) => piece.split(/[“”《》]/))
      .filter((piece) => [...piece].length >= 12);
    expect(pieces.length).toBeGreaterThan(50);
    for (const piece of pieces) expect({ piece, covered: fixture.includes(piece) }).toEqual({ piece, covered: true });
  });
});
