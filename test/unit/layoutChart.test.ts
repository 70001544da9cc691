/**
 * The chart library (lambda/src/core/charts): the hbar kind reproduces the county report's former
 * chart exactly, every kind keeps its drawing inside the view box with no two texts overlapping,
 * and unusable input is refused with a RangeError.
 *
 * Text extents are estimated here on their own (CJK 16 units, the rest 8), not with the library's
 * textWidth, so a wrong estimate there cannot hide itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Mustache from 'mustache';
import { CHART_PARTIAL } from '../../lambda/src/core/charts/chartPartial';
import { CHART_KINDS, layoutChart, type ChartRow, type ChartSpec, type ChartView } from '../../lambda/src/core/charts/layoutChart';
import { asRecorded, type RecordedChart } from '../helpers/hbarRows';
import { percentShares } from '../../lambda/src/core/charts/percentShares';

const FIXTURES = join(__dirname, '..', 'fixtures', 'charts');

// ── the former county chart ─────────────────────────────────────────────────────────────────────

interface RecordedCase {
  name: string;
  rows: { label: string; value: number }[];
  expected: RecordedChart;
}

const recorded = JSON.parse(readFileSync(join(FIXTURES, 'hbar-buildChart-9ccbeb3.json'), 'utf8')) as { cases: RecordedCase[] };
const oldMarkup = readFileSync(join(FIXTURES, 'county-figure-9ccbeb3.html'), 'utf8');

const COUNTY: ChartSpec = { kind: 'hbar', title: '主要经济指标增速（%）', unit: '%', decimals: 1 };

interface Element {
  tag: string;
  attributes: Record<string, string>;
  text: string;
}

/** Opening tags in document order with their attributes, and the text right after each. */
function listElements(markup: string): Element[] {
  const elements: Element[] = [];
  for (const match of markup.matchAll(/<([a-z]+)((?:\s+[a-zA-Z][a-zA-Z0-9-]*="[^"]*")*)\s*(\/?)>([^<]*)/g)) {
    const attributes: Record<string, string> = {};
    for (const [, name, value] of match[2].matchAll(/([a-zA-Z][a-zA-Z0-9-]*)="([^"]*)"/g)) attributes[name] = value;
    elements.push({ tag: match[1], attributes, text: match[3] === '/' ? '' : match[4] });
  }
  return elements;
}

const render = (view: ChartView): string => Mustache.render('{{#c}}{{> chart}}{{/c}}', { c: view }, { chart: CHART_PARTIAL });

/** What the partial may add to the former markup: grayscale defaults and the svg's class. */
const PRESENTATION = new Set(['fill', 'stroke', 'stroke-width', 'stroke-dasharray']);

function withoutAdditions(element: Element): Element {
  const attributes = Object.fromEntries(
    Object.entries(element.attributes).filter(([name]) => !PRESENTATION.has(name) && !(element.tag === 'svg' && name === 'class')),
  );
  return { ...element, attributes };
}

describe('hbar reproduces the county chart of 9ccbeb3', () => {
  it('holds more than a handful of recorded cases', () => {
    expect(recorded.cases.length).toBeGreaterThan(10);
  });

  it.each(recorded.cases.map((c) => [c.name, c] as const))('%s: same geometry', (_, { rows, expected }) => {
    expect(asRecorded(layoutChart(COUNTY, rows))).toEqual(expected);
  });

  it.each(recorded.cases.map((c) => [c.name, c] as const))('%s: same elements as the former markup', (_, { rows, expected }) => {
    const before = listElements(Mustache.render(oldMarkup, { appendix: { chart: expected } })).filter((e) => e.tag !== 'figure');
    const after = listElements(render(layoutChart(COUNTY, rows)));
    expect(before.length).toBe(3 * rows.length + 2);
    expect(after.map(withoutAdditions)).toEqual(before);
  });

  it('adds grayscale presentation attributes, so the chart prints without CSS', () => {
    const elements = listElements(render(layoutChart(COUNTY, recorded.cases[1].rows)));
    expect(elements[0].attributes.class).toBe('chart chart-hbar');
    const bars = elements.filter((e) => e.tag === 'rect');
    expect(new Set(bars.map((b) => b.attributes.fill))).toEqual(new Set(['#595959', '#a6a6a6']));
    expect(elements.find((e) => e.tag === 'line')?.attributes.stroke).toBe('#000000');
  });
});

// ── geometry of every kind ──────────────────────────────────────────────────────────────────────

const estimateWidth = (text: string): number => [...text].reduce((sum, c) => sum + (/[\u2E80-\uFFFF]/u.test(c) && !/[\uFF61-\uFFDC]/u.test(c) ? 16 : 8), 0);

interface Bounds {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

const numbers = (text: string): number[] => (text.match(/-?\d+(?:\.\d+)?/g) ?? []).map(Number);

function around(points: readonly (readonly [number, number])[]): Bounds {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return { left: Math.min(...xs), top: Math.min(...ys), right: Math.max(...xs), bottom: Math.max(...ys) };
}

/**
 * The path data the library writes: M, L, A (circular, unrotated, never the large arc: it splits
 * arcs longer than half a turn) and Z. Arcs are sampled around their centre.
 */
function pathBounds(d: string): Bounds {
  const points: [number, number][] = [];
  let current: [number, number] = [0, 0];
  for (const [, command, args] of d.matchAll(/([MLAZ])([^MLAZ]*)/g)) {
    const n = numbers(args);
    if (command === 'M' || command === 'L') {
      current = [n[0], n[1]];
      points.push(current);
    } else if (command === 'A') {
      const [r, ry, rotation, large, sweep, x, y] = n;
      expect([r === ry, rotation, large]).toEqual([true, 0, 0]);
      const [x0, y0] = current;
      const half = Math.hypot(x - x0, y - y0) / 2;
      const offset = Math.sqrt(Math.max(0, r * r - half * half));
      const [mx, my] = [(x + x0) / 2, (y + y0) / 2];
      const [nx, ny] = half === 0 ? [0, 0] : [-(y - y0) / (2 * half), (x - x0) / (2 * half)];
      // Of the two centres, the one from which going the sweep's way is at most half a turn.
      const arc = [1, -1]
        .map((side) => {
          const [cx, cy] = [mx + side * offset * nx, my + side * offset * ny];
          const start = Math.atan2(y0 - cy, x0 - cx);
          let turn = Math.atan2(y - cy, x - cx) - start;
          if (sweep === 1) while (turn < 0) turn += 2 * Math.PI;
          else while (turn > 0) turn -= 2 * Math.PI;
          return { cx, cy, start, turn };
        })
        .sort((p, q) => Math.abs(p.turn) - Math.abs(q.turn))[0];
      for (let i = 0; i <= 64; i++) {
        const angle = arc.start + (arc.turn * i) / 64;
        points.push([arc.cx + r * Math.cos(angle), arc.cy + r * Math.sin(angle)]);
      }
      current = [x, y];
    }
  }
  return around(points);
}

function bounds(element: Element): Bounds | undefined {
  const a = (name: string): number => {
    const value = Number(element.attributes[name]);
    if (!Number.isFinite(value)) throw new Error(`${element.tag} ${name}="${element.attributes[name]}"`);
    return value;
  };
  switch (element.tag) {
    case 'rect':
      expect(a('width')).toBeGreaterThanOrEqual(0);
      expect(a('height')).toBeGreaterThanOrEqual(0);
      return { left: a('x'), top: a('y'), right: a('x') + a('width'), bottom: a('y') + a('height') };
    case 'line':
      return around([
        [a('x1'), a('y1')],
        [a('x2'), a('y2')],
      ]);
    case 'circle':
      return { left: a('cx') - a('r'), top: a('cy') - a('r'), right: a('cx') + a('r'), bottom: a('cy') + a('r') };
    case 'polyline':
      return around(element.attributes.points.split(' ').map((p) => p.split(',').map(Number) as [number, number]));
    case 'path':
      return pathBounds(element.attributes.d);
    case 'text': {
      expect(element.attributes['dominant-baseline']).toBe('central');
      const width = estimateWidth(element.text);
      const start = { start: 0, middle: -width / 2, end: -width }[element.attributes['text-anchor']];
      if (start === undefined) throw new Error(`text-anchor ${element.attributes['text-anchor']}`);
      return { left: a('x') + start, top: a('y') - 8, right: a('x') + start + width, bottom: a('y') + 8 };
    }
    default:
      return undefined;
  }
}

const overlap = (p: Bounds, q: Bounds): boolean => p.left < q.right - 0.01 && q.left < p.right - 0.01 && p.top < q.bottom - 0.01 && q.top < p.bottom - 0.01;

const row = (label: string, value: number): ChartRow => ({ label, value });
const rows = (labels: readonly string[], values: readonly number[]): ChartRow[] => labels.map((label, i) => row(label, values[i]));
const grouped = (labels: readonly string[], values: readonly (readonly number[])[]): ChartRow[] => labels.map((label, i) => ({ label, values: values[i] }));

const YEARS = ['2016年', '2017年', '2018年', '2019年', '2020年'];
const MONTHS = Array.from({ length: 12 }, (_, i) => `${i + 1}月`);
const TWELVE_YEARS = Array.from({ length: 12 }, (_, i) => `${2009 + i}年`);
const INDUSTRIES = ['第一产业', '第二产业', '第三产业'];
const COUNTY_LABELS = recorded.cases[0].rows.map((r) => r.label);

const SCENARIOS: [string, ChartSpec, ChartRow[]][] = [
  ['hbar, one row', COUNTY, [row('地区生产总值', 6.3)]],
  ['hbar, twelve rows', COUNTY, rows([...COUNTY_LABELS, '进出口总额', '出口总额', '进口总额'], [6.3, 7.9, -5.1, 9.4, 4.2, 5.8, 7.3, 15.2, 8.6, -12.5, 3, 0])],
  ['hbar, all falling', COUNTY, rows(COUNTY_LABELS, [-2.4, -5.6, -8.3, -3.1, -3.1, -2.6, -4.9, -6.7, -12.5])],
  ['hbar, amounts in 亿元', { ...COUNTY, unit: '亿元', decimals: 2 }, rows(['一般公共预算收入', '税收收入', '非税收入'], [12345.67, -9876.54, 2469.13])],
  ['hbar, short labels, given height', { ...COUNTY, height: 200, width: 400 }, rows(['甲', '乙', '丙'], [1, -2, 3])],
  ['vbar, GDP over years', { kind: 'vbar', title: '地区生产总值', unit: '亿元', decimals: 1 }, rows(YEARS, [1021.3, 1105.8, 1203.4, 1287.6, 1302.1])],
  ['vbar, one row', { kind: 'vbar', title: 't', unit: '%', decimals: 1 }, [row('2020年', 5.2)]],
  ['vbar, twelve years', { kind: 'vbar', title: 't', unit: '%', decimals: 1 }, rows(TWELVE_YEARS, [12.1, 11.3, 10.2, 9.8, 8.7, 7.9, 7.1, 6.9, 6.8, 6.7, 6.0, 2.3])],
  ['vbar, signed', { kind: 'vbar', title: 't', unit: '%', decimals: 1 }, rows(YEARS, [5.2, -3.1, 0, 12.5, -0.4])],
  ['vbar, all falling', { kind: 'vbar', title: 't', unit: '%', decimals: 1 }, rows(YEARS, [-5.2, -3.1, -1, -12.5, -0.4])],
  ['vbar, all zero', { kind: 'vbar', title: 't', unit: '%', decimals: 1 }, rows(YEARS, [0, 0, 0, 0, 0])],
  [
    'vbar, grouped by industry',
    { kind: 'vbar', title: 't', unit: '亿元', decimals: 1, series: INDUSTRIES },
    grouped(YEARS, [
      [102.1, 402.3, 516.9],
      [108.4, 421.7, 575.7],
      [110.2, 445.1, 648.1],
      [115.9, 462.2, 709.5],
      [121.3, 455.8, 725.0],
    ]),
  ],
  [
    'vbar, grouped, two series that fit labels',
    { kind: 'vbar', title: 't', unit: '%', decimals: 1, series: ['城镇', '农村'] },
    grouped(['2019年', '2020年'], [
      [8.1, 9.6],
      [3.8, -6.9],
    ]),
  ],
  ['line, one series', { kind: 'line', title: 't', unit: '%', decimals: 1 }, rows(YEARS, [6.8, 6.9, 6.7, 6.0, 2.3])],
  [
    'line, two close series',
    { kind: 'line', title: 't', unit: '%', decimals: 1, series: ['城镇居民', '农村居民'] },
    grouped(YEARS, [
      [7.8, 8.2],
      [8.3, 8.6],
      [7.9, 8.0],
      [7.9, 9.6],
      [3.8, 6.9],
    ]),
  ],
  [
    'line, three series crossing zero',
    { kind: 'line', title: 't', unit: '%', decimals: 1, series: ['第一产业', '第二产业', '第三产业'] },
    grouped(YEARS, [
      [3.1, 6.2, 7.8],
      [3.0, 6.0, 7.9],
      [3.5, 5.8, 8.0],
      [3.1, 4.9, 7.2],
      [3.0, -2.6, 2.1],
    ]),
  ],
  ['line, twelve months', { kind: 'line', title: 't', unit: '', decimals: 1 }, rows(MONTHS, [98.2, 99.1, 101.5, 100.2, 99.8, 100.4, 101.1, 102.3, 101.9, 100.7, 99.5, 100.1])],
  ['line, twelve years', { kind: 'line', title: 't', unit: '亿元', decimals: 2 }, rows(TWELVE_YEARS, [1021.31, 1105.82, 1203.44, 1287.65, 1302.16, 1410, 1523.1, 1600, 1702.5, 1811.2, 1905, 2001.3])],
  ['line, all negative', { kind: 'line', title: 't', unit: '%', decimals: 1 }, rows(YEARS, [-0.4, -2.1, -5.6, -3.3, -12.5])],
  ['line, one point', { kind: 'line', title: 't', unit: '%', decimals: 1 }, [row('2020年', 2.3)]],
  ['line, flat', { kind: 'line', title: 't', unit: '%', decimals: 1 }, rows(YEARS, [0, 0, 0, 0, 0])],
  ['pie, three industries', { kind: 'pie', title: 't', unit: '%', decimals: 1 }, rows(INDUSTRIES, [8.2, 38.6, 53.2])],
  ['pie, a 1% slice', { kind: 'pie', title: 't', unit: '亿元', decimals: 1 }, rows(INDUSTRIES, [12.1, 598.7, 600])],
  ['pie, small slices together', { kind: 'pie', title: 't', unit: '', decimals: 1 }, rows(['甲', '乙', '丙', '丁', '戊', '己'], [80, 1, 1, 1, 1, 16])],
  ['pie, one slice', { kind: 'pie', title: 't', unit: '', decimals: 0 }, [row('全部', 5)]],
  ['pie, a zero slice', { kind: 'pie', title: 't', unit: '', decimals: 1 }, rows(INDUSTRIES, [0, 40, 60])],
  ['pie, twelve slices', { kind: 'pie', title: 't', unit: '', decimals: 1 }, rows(MONTHS, [5, 6, 7, 8, 9, 10, 11, 9, 8, 7, 6, 14])],
  ['donut, three industries', { kind: 'donut', title: 't', unit: '%', decimals: 2 }, rows(INDUSTRIES, [8.25, 38.6, 53.15])],
  ['donut, one slice', { kind: 'donut', title: 't', unit: '', decimals: 0 }, [row('全部', 5)]],
];

describe.each(SCENARIOS)('%s', (_, spec, chartRows) => {
  const view = layoutChart(spec, chartRows);
  const elements = listElements(render(view));
  const [width, height] = [Number(view.width), Number(view.height)];

  it('is an svg of its kind whose view box is its size', () => {
    expect(elements[0].tag).toBe('svg');
    expect(elements[0].attributes).toMatchObject({ class: `chart chart-${spec.kind}`, viewBox: `0 0 ${view.width} ${view.height}`, role: 'img', 'aria-label': spec.title });
    expect(view.kind).toBe(spec.kind);
  });

  it('keeps every shape inside the view box', () => {
    const outside = elements
      .slice(1)
      .map((element) => ({ element, box: bounds(element) }))
      .filter(({ box }) => box === undefined || box.left < -0.01 || box.top < -0.01 || box.right > width + 0.01 || box.bottom > height + 0.01);
    expect(outside).toEqual([]);
  });

  it('prints no text over another', () => {
    const texts = elements.filter((e) => e.tag === 'text').map((e) => ({ text: e.text, box: bounds(e)! }));
    const clashes = texts.flatMap((p, i) => texts.slice(i + 1).filter((q) => overlap(p.box, q.box)).map((q) => `${p.text} / ${q.text}`));
    expect(clashes).toEqual([]);
  });

  it('gives every shape all six element keys, exactly one of them set, with string fields', () => {
    for (const shape of view.shapes) {
      const keys = ['rect', 'line', 'path', 'circle', 'text', 'polyline'] as const;
      expect(Object.keys(shape).sort()).toEqual([...keys].sort());
      const set = keys.filter((key) => shape[key] !== false);
      expect(set).toHaveLength(1);
      const fields = Object.values(shape[set[0]] as object);
      expect(fields.every((field) => typeof field === 'string' && field !== '' && !/NaN|Infinity|undefined|-0\.00/.test(field))).toBe(true);
    }
  });

  it('is deterministic and leaves its input alone', () => {
    const frozen = Object.freeze(chartRows.map((r) => Object.freeze({ ...r, ...(r.values ? { values: Object.freeze([...r.values]) } : {}) })));
    expect(layoutChart(Object.freeze({ ...spec }), frozen)).toEqual(view);
    expect(render(layoutChart(spec, chartRows))).toBe(render(view));
  });
});

describe('value labels and scales', () => {
  it('labels every vbar bar with its rounded value and unit when the labels fit', () => {
    const view = layoutChart({ kind: 'vbar', title: 't', unit: '亿元', decimals: 1 }, rows(YEARS, [1021.34, 1105.85, 1203.4, 1287.6, 1302.1]));
    const values = view.shapes.flatMap((s) => (s.text && s.text.class.startsWith('bar-value') ? [s.text.content] : []));
    expect(values).toEqual(['1021.3亿元', '1105.9亿元', '1203.4亿元', '1287.6亿元', '1302.1亿元']);
    const bars = view.shapes.flatMap((s) => (s.rect ? [Number(s.rect.height)] : []));
    // Bars are proportional to the rounded values, from zero.
    expect(bars[4] / bars[0]).toBeCloseTo(1302.1 / 1021.3, 2);
  });

  it('draws grouped bars that cannot all be labelled against a value axis with round ticks', () => {
    const view = layoutChart(SCENARIOS.find(([name]) => name === 'vbar, grouped by industry')![1], SCENARIOS.find(([name]) => name === 'vbar, grouped by industry')![2]);
    const ticks = view.shapes.flatMap((s) => (s.text && s.text.class === 'tick-label' ? [Number(s.text.content)] : []));
    expect(Math.min(...ticks)).toBe(0);
    expect(Math.max(...ticks)).toBe(800);
    expect(new Set(ticks.slice(1).map((t, i) => t - ticks[i]))).toEqual(new Set([200]));
    expect(view.shapes.some((s) => s.text && s.text.class.startsWith('bar-value'))).toBe(false);
    expect(view.shapes.filter((s) => s.text && s.text.class === 'legend').map((s) => s.text && s.text.content)).toEqual(INDUSTRIES);
    expect(view.shapes.filter((s) => s.rect && s.rect.class.startsWith('bar '))).toHaveLength(15);
  });

  it('tells line series apart by dash and marker, not only by gray', () => {
    const [, spec, chartRows] = SCENARIOS.find(([name]) => name === 'line, three series crossing zero')!;
    const view = layoutChart(spec, chartRows);
    const lines = view.shapes.flatMap((s) => (s.polyline ? [s.polyline] : []));
    expect(lines.map((l) => l.class)).toEqual(['line series-1', 'line series-2', 'line series-3']);
    expect(new Set(lines.map((l) => l.dash)).size + new Set(lines.map((l) => l.stroke)).size).toBeGreaterThan(3);
    const markers = (n: number): string[] =>
      view.shapes.filter((s) => Object.values(s).some((v) => v && v.class === `line-point series-${n}`)).map((s) => Object.entries(s).find(([, v]) => v)![0]);
    expect(markers(1)).toEqual(Array(5).fill('circle'));
    expect(new Set([markers(1)[0], markers(2)[0], markers(3)[0]]).size).toBe(3);
  });

  it('labels pie slices with shares that add up to exactly 100 %', () => {
    const view = layoutChart({ kind: 'pie', title: 't', unit: '', decimals: 1 }, rows(['甲', '乙', '丙'], [1, 1, 1]));
    const labels = view.shapes.flatMap((s) => (s.text ? [s.text.content] : []));
    expect(labels.sort()).toEqual(['丙 33.3%', '乙 33.3%', '甲 33.4%']);
    const withZero = layoutChart({ kind: 'pie', title: 't', unit: '', decimals: 1 }, rows(INDUSTRIES, [0, 40, 60])).shapes;
    expect(withZero.flatMap((s) => (s.text ? [s.text.content] : []))).toEqual(expect.arrayContaining(['第一产业 0.0%']));
    expect(withZero.filter((s) => s.path)).toHaveLength(2);
    expect(layoutChart({ kind: 'pie', title: 't', unit: '', decimals: 1 }, rows(INDUSTRIES, [8.2, 38.6, 53.2])).shapes.flatMap((s) => (s.text ? [s.text.content] : []))).toEqual(
      expect.arrayContaining(['第一产业 8.2%', '第二产业 38.6%', '第三产业 53.2%']),
    );
  });

  it.each([
    [[1, 1, 1], 1],
    [[1, 2, 3, 4, 5, 6, 7], 2],
    [[0.001, 1000, 7], 0],
    [[5, 0, 5], 3],
  ])('shares of %p at %p decimals add up to 100', (values, decimals) => {
    const shares = percentShares(values, decimals);
    expect(Math.round(shares.reduce((a, b) => a + b, 0) * 10 ** decimals)).toBe(100 * 10 ** decimals);
    shares.forEach((share, i) => expect(Math.abs(share - (values[i] / values.reduce((a, b) => a + b)) * 100)).toBeLessThan(10 ** -decimals));
  });

  it('escapes labels from the data', () => {
    const markup = render(layoutChart({ kind: 'vbar', title: 'a"b', unit: '', decimals: 0 }, [row('<b>&', 1)]));
    expect(markup).toContain('aria-label="a&quot;b"');
    expect(markup).toContain('>&lt;b&gt;&amp;</text>');
    expect(markup).not.toContain('<b>');
  });

  it('is a partial of escaped tags only, one element a line', () => {
    expect(CHART_PARTIAL).not.toMatch(/\{\{\{|\{\{&/);
    const markup = render(layoutChart(COUNTY, recorded.cases[0].rows));
    expect(markup.split('\n').filter((line) => line !== '')).toHaveLength(1 + 3 * 9 + 1 + 1);
  });
});

describe('unusable input', () => {
  const base: ChartSpec = { kind: 'vbar', title: 't', unit: '', decimals: 1 };
  it.each<[string, ChartSpec, readonly ChartRow[], RegExp]>([
    ['no rows', base, [], /at least one row/],
    ['NaN', base, [row('a', NaN)], /rows\[0\]\.value must be a finite number, got NaN/],
    ['Infinity in values', { ...base, series: ['x', 'y'] }, [{ label: 'a', values: [1, Infinity] }], /rows\[0\]\.values\[1\] must be a finite number/],
    ['a string for a number', base, [{ label: 'a', value: '5' as unknown as number }], /rows\[0\]\.value must be a finite number, got "5"/],
    ['a negative share', { ...base, kind: 'pie' }, rows(['a', 'b'], [3, -1]), /cannot be negative: rows\[1\]\.value is -1/],
    ['all shares zero', { ...base, kind: 'donut' }, rows(['a', 'b'], [0, 0.04]), /positive value/],
    ['value and values mixed', { ...base, series: ['x'] }, [row('a', 1), { label: 'b', values: [1] }], /rows mix value and values/],
    ['both in one row', base, [{ label: 'a', value: 1, values: [1] }], /either value or values, not both/],
    ['neither', base, [{ label: 'a' }], /either value or values, got neither/],
    ['values without series', base, [{ label: 'a', values: [1, 2] }], /must name its series/],
    ['values longer than series', { ...base, series: ['x', 'y'] }, [{ label: 'a', values: [1, 2, 3] }], /has 3 numbers but the chart names 2 series/],
    ['series for single values', { ...base, series: ['x', 'y'] }, [row('a', 1)], /names 2 series but its rows carry a single value/],
    ['several series in a pie', { ...base, kind: 'pie', series: ['x', 'y'] }, [{ label: 'a', values: [1, 2] }], /pie chart draws one value per row/],
    ['seven series', { ...base, series: ['1', '2', '3', '4', '5', '6', '7'] }, [{ label: 'a', values: [1, 2, 3, 4, 5, 6, 7] }], /at most 6 series/],
    ['an unknown kind', { ...base, kind: 'radar' as never }, [row('a', 1)], /unknown chart kind "radar"; expected one of hbar, vbar, line, pie, donut/],
    ['decimals 5', { ...base, decimals: 5 }, [row('a', 1)], /decimals must be an integer from 0 to 4/],
    ['decimals 0.5', { ...base, decimals: 0.5 }, [row('a', 1)], /decimals must be an integer/],
    ['a zero width', { ...base, width: 0 }, [row('a', 1)], /width must be a positive number/],
    ['a label not a string', base, [{ label: 5 as unknown as string, value: 1 }], /rows\[0\]\.label must be a string/],
    ['too many categories', { ...base, kind: 'line' }, rows(Array.from({ length: 40 }, (_, i) => `${2000 + i}年`), Array(40).fill(1)), /40 category labels do not fit/],
    ['hbar labels wider than the chart', COUNTY, [row('一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十', 1)], /no room for the bars/],
    ['hbar rows taller than the height', { ...COUNTY, height: 50 }, rows(COUNTY_LABELS, Array(9).fill(1)), /needs a height of at least 180/],
    ['a pie too small for its labels', { ...base, kind: 'pie', width: 200 }, rows(INDUSTRIES, [1, 2, 3]), /labels are too long/],
  ])('%s', (_, spec, chartRows, message) => {
    expect(() => layoutChart(spec, chartRows)).toThrow(RangeError);
    expect(() => layoutChart(spec, chartRows)).toThrow(message);
  });

  it('knows exactly the five kinds', () => {
    expect(CHART_KINDS).toEqual(['hbar', 'vbar', 'line', 'pie', 'donut']);
  });
});
