import type { CountyAnnualReportData } from '../helpers/countyAnnualReportData';
import { asRecorded, type RecordedBar, type RecordedChart } from '../helpers/hbarRows';
import { clone, countyMeta, countyView, type CountyView, readSamples, readSeedText, readTemplateSource, renderHtml, visibleText } from './helpers/countyAnnualReportFiles';

const samples = readSamples();
const sample = (name: string): CountyAnnualReportData => {
  const found = samples.find(([file]) => file === name);
  if (!found) throw new Error(`no sample ${name}`);
  return clone(found[1]);
};
/** template.html as written (its <link> to style.css not yet inlined). */
const template = readTemplateSource();
/** The HTML the service would print for `data`: validated, view.json evaluated, Mustache, stylesheet inlined. */
const render = renderHtml;

/** Every string leaf of the view, with its path. */
function stringLeaves(value: unknown, at = 'view'): Array<[string, string]> {
  if (typeof value === 'string') return [[at, value]];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => stringLeaves(child, `${at}.${key}`));
}

describe('the county report view (view.json)', () => {
  it.each(samples)('builds %s with display strings only, none broken', (_name, data) => {
    const view = countyView(data);
    for (const [path, text] of stringLeaves(view)) {
      expect({ path, text }).toEqual({ path, text: expect.not.stringMatching(/undefined|NaN|Infinity|\[object Object\]|增长-|下降-|上升-/) });
      expect({ path, empty: text.length === 0 }).toEqual({ path, empty: false });
    }
  });

  it('prints amounts, counts, shares and rates the Chinese way', () => {
    const view = countyView(sample('chengwan'));
    expect(view.economy.gdp).toBe('386.42');
    expect(view.economy.fixedAssetInvestment).toBe('215.30');
    expect(view.economy.gdpChange).toBe('增长6.3%');
    expect(view.investment.foreignCapital).toBe('12,680');
    expect(view.investment.headquartersTax).toBe('15,420.5');
    expect(view.investment.outsideCityFundsChange).toBe('同比增长15.2%');
    expect(view.projects.advancedProjectsShare).toBe('33.9%');
    expect(view.ruleOfLaw.proposalHandlingRate).toBe('100%');
    expect(view.livelihood.newUrbanJobs).toBe('12,350');
    expect(view.urbanRural.gasHouseholds).toBe('36,580');
    expect(view.reform.newMarketEntities).toBe('8642');
    expect(view.ecology.pm25Change).toBe('同比下降18.9%');
    expect(view.ecology.heavyPollutionDaysChange).toBe('同比下降50.0%');
    expect(view.economy.incomeChanges).toBe('城镇居民和农村居民人均可支配收入分别增长5.8%、7.3%');
    expect(view.projects.zoneChanges).toBe('园区主营业务收入、税收同比分别增长18.6%和12.4%');
    expect(view.investment.centralEnterprises).toBe('北辰重工集团、华夏海洋能源集团');
    expect(view.integrity.specialActionsCount).toBe('五');
  });

  it('writes 下降 for falling figures and 上升 for rising pollution', () => {
    const view = countyView(sample('qinglan'));
    expect(view.economy.gdpChange).toBe('下降2.4%');
    expect(view.economy.publicBudgetRevenueChange).toBe('下降8.3%');
    expect(view.investment.foreignCapitalChange).toBe('同比下降12.5%');
    expect(view.projects.zoneChanges).toBe('园区主营业务收入同比下降4.3%、税收同比增长2.2%');
    expect(view.ecology.pm25Change).toBe('同比上升3.2%');
    expect(view.ecology.heavyPollutionDaysChange).toBe('同比下降100.0%');
  });

  it('writes 与上年持平 for unchanged figures, including ones that round to zero', () => {
    const view = countyView(sample('weitang'));
    expect(view.economy.gdpChange).toBe('与上年持平');
    expect(view.economy.retailSalesChange).toBe('与上年持平');
    expect(view.investment.outsideCityFundsChange).toBe('与上年持平');
    expect(view.economy.incomeChanges).toBe('城镇居民和农村居民人均可支配收入均与上年持平');
    expect(view.projects.zoneChanges).toBe('园区主营业务收入、税收均与上年持平');
    expect(view.ecology.pm25Change).toBe('与上年持平');
  });

  it('words two changes in one clause grammatically whatever their directions', () => {
    const incomes = (urban: number, rural: number): string => {
      const data = sample('chengwan');
      data.economy.urbanIncomeGrowth = urban;
      data.economy.ruralIncomeGrowth = rural;
      return countyView(data).economy.incomeChanges;
    };
    expect(incomes(-1.5, -2)).toBe('城镇居民和农村居民人均可支配收入分别下降1.5%、2.0%');
    expect(incomes(5, 5.04)).toBe('城镇居民和农村居民人均可支配收入均增长5.0%');
    expect(incomes(5, 0)).toBe('城镇居民人均可支配收入增长5.0%、农村居民人均可支配收入与上年持平');
    expect(incomes(-3, 2)).toBe('城镇居民人均可支配收入下降3.0%、农村居民人均可支配收入增长2.0%');
  });

  it('derives the number of special actions from their list', () => {
    const data = sample('chengwan');
    data.integrity.specialActions = ['入企帮扶', '治庸治懒', '营商环境评价'];
    expect(countyView(data).integrity.specialActionsCount).toBe('三');
  });

  it('fills the PDF metadata', () => {
    expect(countyMeta(sample('chengwan'))).toEqual({
      title: '澄湾县县长2020年述学述职述廉述法报告',
      author: '澄湾县人民政府 林海明',
      subject: '述学述职述廉述法报告',
      keywords: ['澄湾县', '2020年', '述学述职述廉述法报告', '县长'],
    });
    expect(countyMeta(sample('qinglan')).author).toBe('青岚县人民政府');
    expect(countyMeta(sample('weitang')).author).toBe('苇塘县人民政府');
    const nameOnly = sample('qinglan');
    nameOnly.reporter = { name: '周岚' };
    expect(countyMeta(nameOnly).author).toBe('周岚');
    // An empty reporter is no author: the government is.
    nameOnly.reporter = {};
    expect(countyMeta(nameOnly).author).toBe('青岚县人民政府');
  });

  it('lists the main indicators for the appendix table', () => {
    const rows = countyView(sample('qinglan')).appendix.indicators;
    expect(rows.map((row) => row.name)).toEqual([
      '地区生产总值',
      '规上工业增加值',
      '公共财政预算收入',
      '固定资产投资',
      '社会消费品零售总额',
      '城镇居民人均可支配收入',
      '农村居民人均可支配收入',
      '引进市外资金',
      '实际利用外资',
    ]);
    expect(rows[0]).toEqual({ name: '地区生产总值', unit: '亿元', value: '95.36', change: '-2.4' });
    expect(rows[8]).toEqual({ name: '实际利用外资', unit: '万美元', value: '860', change: '-12.5' });
    for (const row of rows) expect(row.change).toMatch(/^-?\d+\.\d$/);
  });
});

describe('appendix chart geometry', () => {
  /** The chart's bars as the former view model laid them out: label, bar and value text per row, then the axis. */
  const appendixOf = (data: CountyAnnualReportData): { chart: RecordedChart; indicators: CountyView['appendix']['indicators'] } => {
    const { appendix } = countyView(data);
    return { chart: asRecorded(appendix.chart), indicators: appendix.indicators };
  };
  const numbers = (bar: RecordedBar): number[] => [bar.labelX, bar.x, bar.y, bar.width, bar.height, bar.textY, bar.valueX].map(Number);

  it.each(samples)('%s: finite coordinates inside the view box', (_name, data) => {
    const { chart, indicators } = appendixOf(data);
    const width = Number(chart.width);
    const height = Number(chart.height);
    expect(chart.viewBox).toBe(`0 0 ${chart.width} ${chart.height}`);
    expect(chart.bars).toHaveLength(indicators.length);
    for (const bar of chart.bars) {
      for (const value of numbers(bar)) expect(Number.isFinite(value)).toBe(true);
      expect(Number(bar.x)).toBeGreaterThanOrEqual(0);
      expect(Number(bar.x) + Number(bar.width)).toBeLessThanOrEqual(width + 0.01);
      expect(Number(bar.y) + Number(bar.height)).toBeLessThanOrEqual(height);
      expect(Number(bar.valueX)).toBeLessThanOrEqual(width);
    }
    const ys = chart.bars.map((bar) => Number(bar.y));
    expect([...ys].sort((a, b) => a - b)).toEqual(ys);
    expect(Number(chart.axis.y1)).toBeLessThanOrEqual(ys[0]);
    expect(Number(chart.axis.y2)).toBeGreaterThanOrEqual(ys[ys.length - 1] + Number(chart.bars[0].height));
  });

  it.each(samples)('%s: bars start at the zero axis, decreases to its left in their own tone', (_name, data) => {
    const { chart, indicators } = appendixOf(data);
    const axis = Number(chart.axis.x);
    chart.bars.forEach((bar, index) => {
      const change = Number(indicators[index].change);
      expect(bar.label).toBe(indicators[index].name);
      expect(bar.value).toBe(`${indicators[index].change}%`);
      if (change < 0) {
        expect(bar.tone).toBe('down');
        expect(Number(bar.x) + Number(bar.width)).toBeCloseTo(axis, 1);
        expect(Number(bar.valueX)).toBeLessThan(Number(bar.x));
        expect(bar.valueAnchor).toBe('end');
        // Room for the value label between the indicator names and the bar.
        expect(Number(bar.valueX) - Number(bar.labelX)).toBeGreaterThanOrEqual(50);
      } else {
        expect(bar.tone).toBe(change > 0 ? 'up' : 'flat');
        expect(Number(bar.x)).toBeCloseTo(axis, 2);
        expect(Number(bar.valueX)).toBeGreaterThan(axis);
        expect(bar.valueAnchor).toBe('start');
      }
      if (change === 0) expect(Number(bar.width)).toBe(0);
    });
  });

  it.each(samples)('%s: bar widths proportional to the rates', (_name, data) => {
    const { chart, indicators } = appendixOf(data);
    const ratios = chart.bars
      .map((bar, index) => [Number(bar.width), Math.abs(Number(indicators[index].change))])
      .filter(([, rate]) => rate > 0)
      .map(([width, rate]) => width / rate);
    expect(ratios.length).toBeGreaterThan(1);
    for (const ratio of ratios) expect(ratio).toBeCloseTo(ratios[0], 1);
  });

  it('draws bars on both sides of the axis when rates are mixed, and nothing wide when all are 持平', () => {
    const mixed = appendixOf(sample('qinglan')).chart.bars.map((bar) => bar.tone);
    expect(mixed).toEqual(expect.arrayContaining(['up', 'down']));

    const flat = sample('weitang');
    Object.assign(flat.economy, {
      gdpGrowth: 0,
      industrialValueAddedGrowth: 0,
      publicBudgetRevenueGrowth: 0,
      fixedAssetInvestmentGrowth: 0,
      retailSalesGrowth: 0,
      urbanIncomeGrowth: 0,
      ruralIncomeGrowth: 0,
    });
    Object.assign(flat.investment, { outsideCityFundsGrowth: 0, foreignCapitalGrowth: 0 });
    const { bars } = appendixOf(flat).chart;
    expect(bars.every((bar) => bar.tone === 'flat' && bar.width === '0.00')).toBe(true);
  });
});

describe('template.html rendered with the view', () => {
  const FAULTS = [
    '招商治谈',
    '如火如茶',
    '望造',
    '严于律已',
    '公共区城',
    '超顿',
    '市达目标',
    '一竣工',
    '战略新兴产业现代服务业',
    '“四个意识"',
    '“气代煤"',
    '“回头看"',
    '“双认证"',
    '“中央八项规定"',
    '“一区三边“',
    '备忘录)',
    '189%',
  ];

  it.each(samples)('%s: no blanks, no template syntax, no broken values', (_name, data) => {
    const html = render(data);
    expect(html).not.toContain('XX');
    expect(html).not.toMatch(/\{\{|\}\}/);
    expect(html).not.toMatch(/undefined|NaN|\[object Object\]|增长-|下降-/);
  });

  it.each(samples)('%s: the county and its figures appear', (_name, data) => {
    const html = render(data);
    const view = countyView(data);
    for (const text of [
      data.county.name,
      `<title>${data.county.name}县长${data.year}年述学述职述廉述法报告</title>`,
      `地区生产总值${view.economy.gdp}亿元、${view.economy.gdpChange}，`,
      `实际利用外资${view.investment.foreignCapital}万美元、`,
      `分别占项目总量和投资总额的${view.projects.advancedProjectsShare}、${view.projects.advancedInvestmentShare}。`,
      `全年PM2.5平均浓度${view.ecology.pm25}微克/立方米、${view.ecology.pm25Change}，`,
      `为民兴办的${data.livelihood.practicalMatters}件实事`,
      `细化${data.ruleOfLaw.enforcementMeasures}项具体措施`,
      `办复率达${view.ruleOfLaw.proposalHandlingRate}，`,
      `${view.integrity.specialActionsCount}大专项行动`,
      `“${data.county.slogan}”做出新的更大贡献。`,
      `制定出台“${data.ecology.airPlan}”方案`,
    ]) {
      expect(html).toContain(text);
    }
  });

  it('prints 下降 and 持平 where the figures fall or stand still', () => {
    expect(render(sample('qinglan'))).toContain('完成地区生产总值95.36亿元、下降2.4%，');
    expect(render(sample('weitang'))).toContain('完成地区生产总值152.07亿元、与上年持平，');
  });

  it.each(samples)('%s: none of the faults of the received text', (_name, data) => {
    const html = render(data);
    for (const fault of FAULTS) expect({ fault, found: html.includes(fault) }).toEqual({ fault, found: false });
  });

  it.each(samples)('%s: quotation marks and brackets are balanced and nested', (_name, data) => {
    const text = visibleText(render(data));
    const pairs: Record<string, string> = { '“': '”', '《': '》', '（': '）', '‘': '’' };
    const closers = new Set(Object.values(pairs));
    const open: string[] = [];
    for (const char of text) {
      if (pairs[char]) open.push(pairs[char]);
      else if (closers.has(char)) expect(open.pop()).toBe(char);
    }
    expect(open).toEqual([]);
    expect(text).not.toContain('"');
  });

  it.each(samples)('%s: Chinese prose without ASCII commas or stray spaces', (_name, data) => {
    const html = render(data);
    const paragraphs = [...html.matchAll(/<(p|h1|h2)\b[^>]*>([\s\S]*?)<\/\1>/g)].map((m) => visibleText(m[2]));
    expect(paragraphs.length).toBeGreaterThan(30);
    for (const paragraph of paragraphs) {
      // The only ASCII commas allowed group thousands: 12,345.
      expect(paragraph).not.toMatch(/(?<!\d),|,(?!\d{3})/);
      // The one space is the ideographic space after 附件 that separates it from the attachment title.
      expect(paragraph.replace(/^附件\u3000/, '')).not.toMatch(/\s/);
    }
  });

  it('escapes markup in data', () => {
    const data = sample('chengwan');
    data.county.name = '<script>alert("x")</script>';
    data.investment.allianceName = `O'Brien & "Sons"`;
    const html = render(data);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;&#x2F;script&gt;');
    expect(html).toContain('O&#39;Brien &amp; &quot;Sons&quot;');
  });

  it('keeps the four part headings of the report as h2, with the known fault fixed', () => {
    const seedHeadings = readSeedText()
      .split('\n')
      .filter((line) => /^[一二三四]、/.test(line))
      .map((line) => line.trim().replace('望造', '塑造'));
    const h2 = [...render(sample('chengwan')).matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1]);
    expect(h2).toEqual(seedHeadings);
  });
});

describe('template.html source', () => {
  it('passes data only through escaped double mustaches', () => {
    expect(template).not.toMatch(/\{\{\{|\{\{&/);
    // The only tags are variables, list sections and the product's chart partial; comments or delimiter changes are not used.
    for (const [tag] of template.matchAll(/\{\{[^}]*\}\}/g)) {
      expect(tag).toMatch(/^\{\{(?:[#/]?[A-Za-z][A-Za-z0-9.]*|> chart)\}\}$/);
    }
  });

  it('has no scripts, no remote URLs and no data in href, src or style attributes', () => {
    expect(template).not.toMatch(/<script|javascript:|\son[a-z]+=/i);
    expect(template).not.toMatch(/https?:|\/\/|url\(|@import/i);
    expect(template).not.toMatch(/\bstyle=/i);
    expect(template).not.toMatch(/\b(href|src)="[^"]*\{\{/i);
    expect([...template.matchAll(/\b(?:href|src)="([^"]*)"/g)].map((m) => m[1])).toEqual(['style.css']);
  });

  it('declares the language, charset and title', () => {
    expect(template).toMatch(/^<!DOCTYPE html>\n<html lang="zh-CN">/);
    expect(template).toContain('<meta charset="utf-8">');
    expect(template).toContain('<title>{{meta.title}}</title>');
    expect(template).toContain('<link rel="stylesheet" href="style.css">');
  });

  it('uses one h1, five h2 bookmarks (four parts and the appendix) and no deeper headings', () => {
    expect(template.match(/<h1\b/g)).toHaveLength(1);
    expect(template.match(/<h2\b/g)).toHaveLength(5);
    expect(template).not.toMatch(/<h[3-6]\b/);
    expect(template).toMatch(/<h2 class="appendix-heading">.*主要经济指标.*<\/h2>/);
  });

  it('needs every view field it prints', () => {
    const view = countyView(samples[0][1]) as unknown as Record<string, unknown>;
    const lookup = (path: string, context: Record<string, unknown>): unknown =>
      path.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], context);
    const sections = [...template.matchAll(/\{\{#([\w.]+)\}\}([\s\S]*?)\{\{\/\1\}\}/g)];
    const outside = sections.reduce((html, [whole]) => html.replace(whole, ''), template);
    for (const [, path] of outside.matchAll(/\{\{([\w.]+)\}\}/g)) {
      expect({ path, type: typeof lookup(path, view) }).toEqual({ path, type: 'string' });
    }
    for (const [, listPath, body] of sections) {
      // A list section repeats for each element; an object section (a chart) renders once with it.
      const list = lookup(listPath, view);
      const item = (Array.isArray(list) ? list[0] : list) as Record<string, unknown>;
      expect({ listPath, type: typeof item }).toEqual({ listPath, type: 'object' });
      for (const [, path] of body.matchAll(/\{\{([\w.]+)\}\}/g)) {
        expect({ path, type: typeof lookup(path, item) }).toEqual({ path, type: 'string' });
      }
    }
  });
});
