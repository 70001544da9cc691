/**
 * view.json, the declarative half of a template: checked against the schema at load (problems
 * with lines), evaluated on data at render (absent values drop out, formatters word the figures).
 */
import { compileView, type CompiledView, type ViewProblem } from '../../lambda/src/core/view/compileView';
import { DataValidationError } from '../../lambda/src/core/errors';
import { FORMATTERS } from '../../lambda/src/core/view/formatters';

const SCHEMA = {
  type: 'object',
  required: ['year', 'name', 'gdp', 'rate', 'rows', 'tags', 'count'],
  properties: {
    year: { type: 'integer', minimum: 2000, maximum: 2100 },
    name: { type: 'string' },
    date: { type: 'string', format: 'date' },
    gdp: { type: 'number', minimum: 0, maximum: 100000 },
    rate: { type: 'number', minimum: -100, maximum: 100 },
    unbounded: { type: 'integer' },
    count: { type: 'integer', minimum: 0, maximum: 100 },
    rows: {
      type: 'array',
      minItems: 1,
      maxItems: 10,
      items: { type: 'object', required: ['label', 'value'], properties: { label: { type: 'string' }, value: { type: 'number' } } },
    },
    tags: { type: 'array', maxItems: 5, items: { type: 'string' } },
    extra: { type: 'object', required: ['x'], properties: { x: { type: 'number', minimum: -10, maximum: 10 }, note: { type: 'string' } } },
    loose: {},
  },
};

const DATA = {
  year: 2023,
  name: '青岚县',
  gdp: 123.4,
  rate: -3.14,
  count: 5,
  rows: [
    { label: '甲', value: 1.25 },
    { label: '乙', value: -2 },
  ],
  tags: ['稻谷', '小麦', '玉米'],
};

/** A view.json text from its `view` part (and optionally other parts), one member per line. */
function file(view: unknown, rest: Record<string, unknown> = {}): string {
  return JSON.stringify({ pages: { min: 1, max: 2 }, meta: { title: '${name}${year(year)}公报' }, view, ...rest }, null, 2);
}

function compiled(view: unknown, rest?: Record<string, unknown>): CompiledView {
  const result = compileView(file(view, rest), SCHEMA);
  if (!result.view) throw new Error(`unexpected problems: ${JSON.stringify(result.problems)}`);
  return result.view;
}

function problemsOf(view: unknown, rest?: Record<string, unknown>): ViewProblem[] {
  const result = compileView(file(view, rest), SCHEMA);
  if (!result.problems) throw new Error('expected problems');
  return [...result.problems];
}

const render = (view: unknown, data: unknown = DATA): Record<string, unknown> => compiled(view).render(data).view;

describe('compileView: evaluating', () => {
  it('formats figures, words changes and passes texts and whole objects through', () => {
    const view = render({
      title: '${name}${year(year)}统计公报',
      gdp: "${amount(gdp, '亿元')}",
      change: "全年${change(rate, compare: '比上年')}",
      cn: '${chineseYear(year)}',
      rows: '${rows}',
      joined: '${joinAnd(tags)}',
      count: '共${numeral(length(tags))}种',
      dollar: '$$${count}',
    });
    expect(view).toEqual({
      meta: { title: '青岚县2023年公报', author: undefined, subject: undefined, keywords: undefined },
      title: '青岚县2023年统计公报',
      gdp: '123.40',
      change: '全年比上年下降3.1%',
      cn: '二〇二三年',
      rows: DATA.rows,
      joined: '稻谷、小麦和玉米',
      count: '共三种',
      dollar: '$5',
    });
  });

  it('builds lists with each, binding the element and its 1-based position', () => {
    const view = render({
      table: { each: '${rows}', as: 'row', index: 'i', item: { n: '${i}', nth: '第${i}行', label: '${row.label}', value: '${fixed(row.value, 1)}' } },
    });
    expect(view.table).toEqual([
      { n: 1, nth: '第1行', label: '甲', value: '1.3' },
      { n: 2, nth: '第2行', label: '乙', value: '-2.0' },
    ]);
  });

  it('drops what depends on absent data, so {{#…}} sections vanish, and default() fills in', () => {
    const view = compiled({
      extra: { x: '${fixed(extra.x, 1)}', sentence: '增长${fixed(extra.x, 1)}%', note: '${extra.note}' },
      note: "${default(extra.note, '无')}",
      list: ["${fixed(extra.x, 1)}", '${name}'],
      emptyJoin: '${join(tags)}',
    });
    // An object whose every member is absent is absent too: {{#extra}} drops its heading as well.
    expect(view.render({ ...DATA, tags: [] }).view).toEqual(expect.objectContaining({ note: '无', list: ['青岚县'] }));
    expect(view.render({ ...DATA, tags: [] }).view).not.toHaveProperty('extra');
    expect(view.render({ ...DATA, tags: [] }).view).not.toHaveProperty('emptyJoin');
    expect(view.render({ ...DATA, extra: { x: 1 } }).view.extra).toEqual({ x: '1.0', sentence: '增长1.0%' });
    expect(view.render({ ...DATA, extra: { x: 2, note: '注' } }).view).toEqual(
      expect.objectContaining({ extra: { x: '2.0', sentence: '增长2.0%', note: '注' }, note: '注', list: ['2.0', '青岚县'], emptyJoin: '稻谷、小麦、玉米' }),
    );
  });

  it('evaluates charts with the chart library, absent when their rows are', () => {
    const view = render({
      chart: { chart: 'hbar', title: '增速（%）', unit: '%', rows: { each: '${rows}', as: 'r', item: { label: '${r.label}', value: '${r.value}' } } },
    });
    const chart = view.chart as { kind: string; title: string; shapes: { text: false | { content: string } }[] };
    expect(chart.kind).toBe('hbar');
    expect(chart.title).toBe('增速（%）');
    expect(chart.shapes.flatMap((s) => (s.text ? [s.text.content] : []))).toEqual(['甲', '1.3%', '乙', '-2.0%']);
  });

  it('evaluates the PDF metadata, and lets template.html print it as meta', () => {
    const view = compiled({ a: '${name}' }, { meta: { title: '${name}公报', author: '${name}统计局', subject: '统计公报', keywords: ['${name}', '${year(year)}'] } });
    expect(view.pages).toEqual({ min: 1, max: 2 });
    const built = view.render(DATA);
    expect(built.meta).toEqual({ title: '青岚县公报', author: '青岚县统计局', subject: '统计公报', keywords: ['青岚县', '2023年'] });
    expect(built.view.meta).toEqual(built.meta);
  });

  it('refuses, naming the field, a value the schema left untyped that a formatter cannot take', () => {
    const view = compiled({ a: "${amount(loose, '亿元')}" });
    expect(view.render({ ...DATA, loose: 12 }).view.a).toBe('12.00');
    let error: unknown;
    try {
      view.render({ ...DATA, loose: 'twelve' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataValidationError);
    expect((error as DataValidationError).details).toEqual([{ path: '/loose', message: expect.stringContaining('amount()') }]);
  });

  it('checks options the schema left untyped when they arrive, naming their own field', () => {
    const view = compiled({ a: '${join(tags, separator: default(loose, \'、\'))}' });
    expect(view.render({ ...DATA, loose: '；' }).view.a).toBe('稻谷；小麦；玉米');
    expect(view.render(DATA).view.a).toBe('稻谷、小麦、玉米');
    expect(() => view.render({ ...DATA, loose: 5 })).toThrow(DataValidationError);
    try {
      view.render({ ...DATA, loose: 5 });
    } catch (error) {
      expect((error as DataValidationError).details).toEqual([{ path: '', message: expect.stringContaining('separator: must be a text, got 5') }]);
    }
  });

  it('never reads inherited properties of the data', () => {
    expect(render({ a: '${default(loose, 0)}' }, { ...DATA, loose: {} }).a).toEqual({});
    expect(render({ a: "${default(name, 'x')}" }, Object.assign(Object.create({ name: 'inherited' }), { ...DATA, name: undefined })).a).toBe('x');
  });
});

describe('compileView: refusing a template at load, with the line to look at', () => {
  const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

  it.each([
    [{ a: '${chnage(rate)}' }, 'chnage', /unknown formatter chnage\(\)\. Did you mean change\?/],
    [{ a: '${count(gdp)}' }, 'count(gdp)', /count\(\): value must be an integer, but gdp is a number from 0 to 100000 that may have decimals/],
    [{ a: "${amount(gdp, '千元')}" }, '千元', /amount\(\): unit must be one of '亿元', '万元', '万美元', '元', not '千元'/],
    [{ a: '${amount(gdp, name)}' }, 'amount(gdp, name)', /written as a literal/],
    [{ a: '${numeral(unbounded)}' }, 'numeral', /numeral\(\): value takes 0 to 9999, but unbounded can be anything from -Infinity to Infinity \(bound it in schema.json/],
    [{ a: '${fixed(rate)}' }, 'fixed(rate)', /fixed\(\): takes 2 argument\(s\)/],
    [{ a: "${change(rate, versus: '同比')}" }, 'versus', /has no option versus: \(its options: compare:, rising:, decimals:, flat:\)/],
    [{ a: "${change(rate, compare: '环比')}" }, '环比', /compare must be one of '', '同比', '比上年'/],
    [{ a: "${changes(rate, rate, joint: '城乡', first: '城镇')}" }, 'changes(rate, rate', /needs the option second/],
    [{ a: '${join(rows)}' }, 'join(rows)', /items must be a list of texts/],
    [{ a: '${nmae}' }, 'nmae', /nmae is not a field of the data.*Did you mean name\?/],
    [{ a: '${rows.label}' }, 'rows.label', /rows is a list of objects.*it has no field label/],
    [{ a: '${extra.y}' }, 'extra.y', /extra has no field y; its fields are x, note/],
    [{ a: '增长${rate}%' }, '增长', /rate is a number from -100 to 100; format it for print, e\.g\. \$\{fixed\(rate, 1\)\}/],
    [{ a: '共${tags}' }, '共', /tags is a list of strings, which cannot be printed inside a text; join it/],
    [{ a: '${name' }, '"a"', /\$\{ is not closed with \}/],
    [{ a: '${rows[0]}' }, 'rows[0]', /data paths have no \[index\]/],
    [{ t: { each: '${rows}', item: '${r}' } }, '"t"', /an each node needs "as"/],
    [{ t: { each: '${name}', as: 'r', item: '${r}' } }, '"each"', /each must be given a list, but it is a string/],
    [{ t: { each: '${rows}', as: 'name', item: '${name}' } }, '"t"', /"name" is also a field of the data/],
    [{ c: { chart: 'bars', title: 't', rows: '${rows}' } }, '"bars"', /chart must be one of "hbar", "vbar", "line", "pie", "donut"/],
    [{ c: { chart: 'pie', rows: '${rows}' } }, '"c"', /a chart needs a "title"/],
    [{ c: { chart: 'pie', title: 't', rows: '${tags}' } }, '"rows"', /rows must be a list of \{ "label": …, "value": … \}, but it is a list of strings/],
    [{ c: { chart: 'pie', title: 't', rows: '${rows}', colour: 'red' } }, '"colour"', /"colour" is not a member of a chart/],
    [{ meta: '${name}' }, '"meta": "${name}"', /"meta" is taken/],
    [{ a: "${change(rate, compare: default(loose, ''))}" }, 'compare: default', /compare must be one of '', '同比', '比上年', written as a literal/],
    [{ a: '${rank(default(extra.x, 0))}' }, 'rank(default', /rank\(\): place must be an integer, but default\(…\) is a number from -10 to 10 that may have decimals/],
    [{ a: '${numeral(default(count, -1))}' }, 'numeral(default', /numeral\(\): value takes 0 to 9999, but default\(…\) can be anything from -1 to 100/],
    [{ c: { chart: 'hbar', title: '${count}', rows: '${rows}' } }, '"title": "${count}"', /a chart's title must be a text, but it is an integer from 0 to 100/],
  ])('%j', (view, needle, message) => {
    const text = file(view);
    const problems = problemsOf(view);
    expect(problems).toEqual([{ line: lineOf(text, needle), message: expect.stringMatching(message) }]);
  });

  it('reports every problem at once, in file order', () => {
    const problems = problemsOf({ a: '${nope}', b: '${count(gdp)}', c: '${fixed(rate, 1)}' });
    expect(problems.map((p) => p.line)).toEqual([10, 11]);
  });

  it('checks the file itself: JSON, top-level members, pages, meta', () => {
    expect(compileView('{\n  "pages": {"min": 1, "max": 2},\n  "pages": 1\n}', SCHEMA).problems).toEqual([
      { line: 3, message: 'not valid JSON: the key "pages" is given twice in this object' },
    ]);
    expect(compileView('{\n "view": {}\n ,}', SCHEMA).problems).toEqual([{ line: 3, message: expect.stringContaining('not valid JSON') }]);
    expect(problemsOf({}, { pages: { min: 3, max: 2 } })).toEqual([{ line: 2, message: expect.stringContaining('"pages" must be { "min": n, "max": m }') }]);
    expect(problemsOf({}, { views: {} })).toEqual([{ line: expect.any(Number), message: expect.stringContaining('"views" is not a member of view.json; it has pages, meta, view. Did you mean view?') }]);
    expect(problemsOf({}, { meta: { titel: 'x' } })).toEqual([
      { line: 6, message: expect.stringContaining('meta needs a "title"') },
      { line: 7, message: expect.stringContaining('"titel" is not PDF metadata') },
    ]);
  });

  it('takes $comment members anywhere as notes', () => {
    expect(render({ $comment: 'why', a: { $comment: 'why not', b: '${name}' } })).toEqual(expect.objectContaining({ a: { b: '青岚县' } }));
  });
});

describe('the formatter library', () => {
  const call = (name: string, args: unknown[], options: Record<string, unknown> = {}): unknown => {
    const formatter = FORMATTERS[name];
    const named = Object.fromEntries(formatter.options.map((o) => [o.name, options[o.name] ?? o.fallback]));
    return formatter.run(args, named);
  };

  it('words figures the way statistical communiqués print them', () => {
    expect(call('fixed', [5.25, 1])).toBe('5.3');
    expect(call('grouped', [1234567.891], { decimals: 2 })).toBe('1,234,567.89');
    expect(call('grouped', [-0.4], { decimals: 1 })).toBe('-0.4');
    expect(call('grouped', [9999])).toBe('9999');
    expect(call('amount', [12345.67, '万元'])).toBe('12,345.7');
    expect(call('amount', [3, '亿元'])).toBe('3.00');
    expect(call('amount', [52031, '元'])).toBe('52,031');
    expect(call('count', [12345])).toBe('12,345');
    expect(call('quantity', [12.04])).toBe('12');
    expect(call('percent', [33.9])).toBe('33.9%');
    expect(call('change', [5.2])).toBe('增长5.2%');
    expect(call('change', [-3.14], { compare: '同比' })).toBe('同比下降3.1%');
    expect(call('change', [0.04], { compare: '比上年' })).toBe('与上年持平');
    expect(call('change', [2], { rising: '上升', decimals: 0 })).toBe('上升2%');
    expect(call('change', [0], { compare: '同比', flat: '与上年同期持平' })).toBe('与上年同期持平');
    expect(call('text', [2020])).toBe('2020');
  });

  it('words two changes in one clause by their signs', () => {
    const wording = { joint: '城乡居民收入', first: '城镇居民收入', second: '农村居民收入' };
    expect(call('changes', [5, 6.1], wording)).toBe('城乡居民收入分别增长5.0%、6.1%');
    expect(call('changes', [5, 5.04], wording)).toBe('城乡居民收入均增长5.0%');
    expect(call('changes', [0, 0.01], wording)).toBe('城乡居民收入均与上年持平');
    expect(call('changes', [0, 1], { ...wording, compare: '同比', flat: '与上年同期持平' })).toBe('城镇居民收入与上年同期持平、农村居民收入同比增长1.0%');
    expect(call('changes', [5, -1], { ...wording, compare: '同比' })).toBe('城镇居民收入同比增长5.0%、农村居民收入同比下降1.0%');
    expect(call('changes', [-2, -3], { ...wording, compare: '比上年', separator: '和' })).toBe('城乡居民收入比上年分别下降2.0%和3.0%');
  });

  it('joins, counts and dates in Chinese', () => {
    expect(call('join', [['甲', '乙']])).toBe('甲、乙');
    expect(call('join', [['甲', '乙']], { separator: '，' })).toBe('甲，乙');
    expect(call('joinAnd', [['甲', '乙', '丙']])).toBe('甲、乙和丙');
    expect(call('joinAnd', [['甲', '乙']], { conjunction: '及' })).toBe('甲及乙');
    expect(call('joinAnd', [['甲']])).toBe('甲');
    expect(call('numeral', [5])).toBe('五');
    expect(call('numeral', [105])).toBe('一百零五');
    expect(call('numeral', [2020])).toBe('二千零二十');
    expect(call('chineseYear', [2020])).toBe('二〇二〇年');
    expect(call('year', [2020])).toBe('2020年');
    expect(call('rank', [3])).toBe('第3位');
    expect(call('rank', [3], { unit: '名', numerals: 'chinese' })).toBe('第三名');
    expect(call('date', ['2024-03-05'])).toBe('2024年3月5日');
    expect(call('date', ['2024-03-05'], { style: 'month' })).toBe('2024年3月');
    expect(call('date', ['2024-03-15'], { style: 'chinese' })).toBe('二〇二四年三月十五日');
    expect(() => call('date', ['2024-02-30'])).toThrow(RangeError);
    expect(call('length', [[1, 2, 3]])).toBe(3);
    expect(call('default', [undefined, '—'])).toBe('—');
  });

  it('documents every formatter with its usage', () => {
    for (const [name, formatter] of Object.entries(FORMATTERS)) expect(formatter.usage.startsWith(`${name}(`)).toBe(true);
  });
});
