/**
 * Items files → batch items, without Chromium: JSON, JSON Lines and CSV (workbooks: readWorkbook
 * and writeWorkbook tests), CSV cells typed by the schema, headers in Chinese or as dotted paths,
 * one bad record failing alone, whole-file problems refused, ids cleaned for file names.
 */
import { InvalidRequestError } from '../../lambda/src/core/errors';
import { batchItemFromRecord } from '../../lambda/src/batch/BatchItem';
import { csvRowToData, parseCellNumber } from '../../lambda/src/batch/csvRowToData';
import { fieldColumns } from '../../lambda/src/batch/fieldColumns';
import { itemFileStem } from '../../lambda/src/batch/itemFileStem';
import { batchFormatOf, parseBatchItems } from '../../lambda/src/batch/parseBatchItems';
import { projectTemplates } from '../helpers/app';

const template = projectTemplates().get('county-annual-report');
const schema = template.schema;
const sample = template.sampleData.qinglan as Record<string, Record<string, unknown>>;

/** The sample as CSV columns: every leaf field under its dotted path, lists joined with 、. */
function flatten(value: unknown, prefix = ''): Record<string, string> {
  if (Array.isArray(value)) return { [prefix]: value.join('、') };
  if (typeof value === 'object' && value !== null) {
    return Object.assign({}, ...Object.entries(value).map(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k)));
  }
  return { [prefix]: String(value) };
}

const csvCell = (text: string): string => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

function csvOf(rows: Record<string, string>[]): string {
  const columns = Object.keys(rows[0]);
  return [columns.join(','), ...rows.map((row) => columns.map((c) => csvCell(row[c] ?? '')).join(','))].join('\r\n') + '\r\n';
}

describe('itemFileStem', () => {
  it('keeps letters and digits of any script and refuses paths, controls and device names', () => {
    expect(itemFileStem('澄湾县')).toBe('澄湾县');
    expect(itemFileStem('  130102 ')).toBe('130102');
    expect(itemFileStem('../../etc/passwd')).toBe('etc_passwd');
    expect(itemFileStem('a/b\\c:d*e?f"g<h>i|j')).toBe('a_b_c_d_e_f_g_h_i_j');
    expect(itemFileStem('.hidden')).toBe('hidden');
    expect(itemFileStem('-rf')).toBe('rf');
    expect(itemFileStem('name.')).toBe('name');
    expect(itemFileStem('x\u202Efdp.exe')).toBe('x_fdp.exe');
    expect(itemFileStem('CON')).toBe('_CON');
    expect(itemFileStem('../')).toBeUndefined();
    expect(itemFileStem('   ')).toBeUndefined();
    expect([...(itemFileStem('县'.repeat(200)) ?? '')]).toHaveLength(80);
    // NFC: the decomposed and the composed spelling name one file.
    expect(itemFileStem('e\u0301')).toBe(itemFileStem('\u00e9'));
  });
});

describe('parseBatchItems', () => {
  const good = { id: '青岚县', data: sample };

  it('reads a JSON array, and one bad record fails alone', () => {
    const text = JSON.stringify([good, { id: '苇塘县' }, { data: sample }, 'nonsense', { id: '07', data: [] }]);
    const items = parseBatchItems(text, 'json', schema);
    expect(items.map((i) => [i.id, i.stem, i.problem?.code])).toEqual([
      ['青岚县', '青岚县', undefined],
      ['苇塘县', undefined, 'INVALID_REQUEST'],
      ['item 3', undefined, 'INVALID_REQUEST'],
      ['item 4', undefined, 'INVALID_REQUEST'],
      ['07', undefined, 'INVALID_REQUEST'],
    ]);
    expect(items[0].data).toEqual(sample);
    expect(items[1].problem?.message).toMatch(/item 2 has no "data"/);
    expect(items[2].problem?.message).toMatch(/item 3 has no "id"; give every item a unique id/);
  });

  it('reads JSON lines, skipping blank lines, and a broken line fails alone', () => {
    const text = `\uFEFF${JSON.stringify(good)}\n\n{"id": "broken", "data": {\n${JSON.stringify({ id: 42, data: sample })}\n`;
    const items = parseBatchItems(text, 'jsonl', schema);
    expect(items.map((i) => [i.where, i.id, i.problem === undefined])).toEqual([
      ['line 1', '青岚县', true],
      ['line 3', 'line 3', false],
      ['line 4', '42', true],
    ]);
    expect(items[1].problem?.message).toMatch(/^line 3 is not valid JSON .*one \{"id", "data"\} object per line/);
  });

  it('refuses files that are unusable as a whole', () => {
    const refuse = (text: string, format: 'json' | 'jsonl' | 'csv', pattern: RegExp): void => {
      expect(() => parseBatchItems(text, format, schema)).toThrow(InvalidRequestError);
      expect(() => parseBatchItems(text, format, schema)).toThrow(pattern);
    };
    refuse('{"id": "x"}', 'json', /must hold an array/);
    refuse('[1, 2', 'json', /not valid JSON/);
    refuse('[]', 'json', /holds no items/);
    refuse('\n\n', 'jsonl', /holds no items/);
    refuse(JSON.stringify([good, good]), 'json', /ids must be unique: id "青岚县" appears more than once \(item 1, item 2\)/);
    refuse(JSON.stringify([{ id: 'Ab', data: {} }, { id: 'aB', data: {} }]), 'json', /"Ab" and "aB" name the same file Ab\.pdf/);
    refuse(JSON.stringify([{ id: 'a/b', data: {} }, { id: 'a:b', data: {} }]), 'json', /name the same file a_b\.pdf/);
    expect(() => parseBatchItems(JSON.stringify([{ id: 'Volume', data: {} }]), 'json', schema, { reservedStems: ['volume'] })).toThrow(
      /id "Volume" \(item 1\) would overwrite the volume\.pdf/,
    );
    // Spreadsheets are a clerk's: refused in Chinese, naming the columns.
    refuse('county.name\n青岚县\n', 'csv', /^CSV 文件的标题行（第 1 行）与模板不符：缺少“编号”列/);
    refuse('id,economy.gpd\n1,2\n', 'csv', /B 列“economy.gpd”不是本模板的列；是不是“economy.gdp”？/);
    refuse('id,county\n1,2\n', 'csv', /B 列“county”是一组字段，请每个字段一列，如“县名”（county.name）/);
    refuse('id,year,year\n1,2,3\n', 'csv', /“报告年度（年）”有 2 列（B 列、C 列）；每个字段只能有一列/);
    refuse('id,year\n"1,2020\n', 'csv', /^CSV 文件格式有误/);
    refuse('\n\n', 'csv', /^CSV 文件是空的/);
    refuse('编号,县名\n甲县,甲县\n', 'csv', /缺少必填列 “所属省份”（county.province）、“发展定位口号”（county.slogan）、“报告年度（年）”（year）.* 等 113 列/);
    const twice = csvOf([{ id: '青岚县', ...flatten(sample) }, { id: '青岚县', ...flatten(sample) }]);
    refuse(twice, 'csv', /^编号必须唯一：编号“青岚县”出现在第 2、3 行。/);
  });

  it('tells the format from the file name', () => {
    expect(batchFormatOf('a/items.JSON')).toBe('json');
    expect(batchFormatOf('items.jsonl')).toBe('jsonl');
    expect(batchFormatOf('items.ndjson')).toBe('jsonl');
    expect(batchFormatOf('counties.csv')).toBe('csv');
    expect(batchFormatOf('数据模板.XLSX')).toBe('xlsx');
    expect(() => batchFormatOf('items.txt')).toThrow(/name the items file \.json, \.jsonl, \.csv or \.xlsx/);
    expect(() => batchFormatOf('counties.xls')).toThrow('counties.xls 是Excel 97-2003 工作簿（.xls）；请另存为“Excel 工作簿（*.xlsx）”或 CSV UTF-8 后再用。');
  });
});

describe('CSV rows', () => {
  it('turn the sample into exactly the sample: numbers by the schema, lists split, text kept', () => {
    const text = csvOf([{ id: '青岚县', ...flatten(sample) }]);
    const [item] = parseBatchItems(text, 'csv', schema);
    expect(item.problem).toBeUndefined();
    expect(item.where).toBe('第 2 行');
    expect(item.row).toBe(2);
    expect(item.data).toEqual(sample);
    expect(template.check(item.data)).toEqual([]);
  });

  it('read spreadsheet spellings of numbers, and leave non-numbers for the schema to name', () => {
    expect(parseCellNumber('1,234.5')).toBe(1234.5);
    expect(parseCellNumber('１２３')).toBe(123);
    expect(parseCellNumber('－2.4')).toBe(-2.4);
    expect(parseCellNumber('\u22123')).toBe(-3);
    expect(parseCellNumber(' +7 ')).toBe(7);
    expect(parseCellNumber('.5')).toBe(0.5);
    expect(parseCellNumber('12,34')).toBeUndefined();
    expect(parseCellNumber('1e3')).toBeUndefined();
    expect(parseCellNumber('约300')).toBeUndefined();

    const row = { ...flatten(sample), 'economy.gdp': '约300', 'economy.gdpGrowth': '－2.4', 'investment.foreignCapital': '1,234.5', 'county.slogan': '' };
    const { data, unknownColumns } = csvRowToData(row, schema);
    expect(unknownColumns).toEqual([]);
    const economy = data.economy as Record<string, unknown>;
    expect(economy.gdp).toBe('约300');
    expect(economy.gdpGrowth).toBe(-2.4);
    expect((data.investment as Record<string, unknown>).foreignCapital).toBe(1234.5);
    // An empty cell leaves the field out, so the schema reports it as missing.
    expect(data.county).not.toHaveProperty('slogan');
    expect(template.check(data).map((d) => d.path).sort()).toEqual(['/county/slogan', '/economy/gdp']);
  });

  it('accept one column per list entry, and keep text fields as text', () => {
    const row = {
      ...flatten(sample),
      'investment.centralEnterprises': '',
      'investment.centralEnterprises.0': '北辰重工集团',
      'investment.centralEnterprises.2': '中岳建设集团',
      'county.name': '007县',
    };
    const { data } = csvRowToData(row, schema);
    expect((data.investment as Record<string, unknown>).centralEnterprises).toEqual(['北辰重工集团', '中岳建设集团']);
    expect((data.county as Record<string, unknown>).name).toBe('007县');
  });

  it('fail a row with a stray or missing comma, naming the spreadsheet row; optional cells left off the end are fine', () => {
    const row = { id: '甲县', ...flatten(sample), 'reporter.name': '王明', 'reporter.office': '青岚县人民政府' };
    const lines = csvOf([row]).split('\r\n');
    const width = Object.keys(row).length;
    const text = [
      lines[0],
      lines[1],
      // The two optional reporter cells at the end left off, as ExcelJS writes empty ones.
      lines[1].replace(/^甲县/, '乙县').split(',').slice(0, width - 2).join(','),
      `丙县${',x'.repeat(width)}`,
      '丁县,2020',
      '',
    ].join('\r\n');
    const items = parseBatchItems(text, 'csv', schema);
    expect(items.map((i) => [i.id, i.where, i.problem?.message])).toEqual([
      ['甲县', '第 2 行', undefined],
      ['乙县', '第 3 行', undefined],
      ['丙县', '第 4 行', `第 4 行有 ${width + 1} 个单元格，但标题行有 ${width} 列；请检查是否多了逗号或少了单元格。`],
      ['丁县', '第 5 行', `第 5 行有 2 个单元格，但标题行有 ${width} 列；请检查是否多了逗号或少了单元格。`],
    ]);
    expect(items[1].data).toEqual(sample);
  });

  it('read Chinese headers, name bad cells by row and column, and keep Excel’s row numbers across blank lines', () => {
    const { fields } = fieldColumns(schema);
    const header = ['编号', ...fields.map((f) => f.header)];
    const cells = (data: Record<string, string>) => [data.id, ...fields.map((f) => data[f.path] ?? '')];
    const good = { id: '青岚县', ...flatten(sample) };
    const bad = { ...good, id: '苇塘县', 'economy.gdpGrowth': '-150', 'economy.gdp': '约300', 'county.name': '' };
    const text = `\uFEFF${[header, cells(good), [], cells(bad), []].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
    const items = parseBatchItems(text, 'csv', schema);
    expect(items.map((i) => [i.where, i.id])).toEqual([
      ['第 2 行', '青岚县'],
      ['第 4 行', '苇塘县'],
    ]);
    expect(items[0].data).toEqual(sample);
    expect(items[1].problem?.details).toEqual([
      { path: '/county/name', message: '第 4 行 B 列（县名）：必填，不能为空' },
      { path: '/economy/gdp', message: '第 4 行 F 列（地区生产总值（亿元））：应为数字，填的是“约300”' },
      { path: '/economy/gdpGrowth', message: '第 4 行 G 列（地区生产总值增速（%））：不能小于 -100' },
    ]);
    expect(items[1].problem?.message).toBe(
      '第 4 行 B 列（县名）：必填，不能为空；第 4 行 F 列（地区生产总值（亿元））：应为数字，填的是“约300”；第 4 行 G 列（地区生产总值增速（%））：不能小于 -100。',
    );
  });

  it('read a CSV that a Chinese Excel saved as GB18030 (“CSV（逗号分隔）”)', () => {
    // GB18030's bytes for each character, found by decoding every two-byte code.
    const gb = new Map<string, number[]>();
    const decoder = new TextDecoder('gb18030');
    for (let lead = 0x81; lead <= 0xfe; lead++) {
      for (let trail = 0x40; trail <= 0xfe; trail++) {
        if (trail === 0x7f) continue;
        const ch = decoder.decode(Uint8Array.of(lead, trail));
        if (!gb.has(ch)) gb.set(ch, [lead, trail]);
      }
    }
    const encode = (text: string): Buffer => Buffer.from([...text].flatMap((ch) => (ch.charCodeAt(0) < 0x80 ? [ch.charCodeAt(0)] : (gb.get(ch) ?? []))));
    const { fields } = fieldColumns(schema);
    const data = flatten(sample);
    const text = [['编号', ...fields.map((f) => f.header)], ['青岚县', ...fields.map((f) => data[f.path] ?? '')]].map((r) => r.map(csvCell).join(',')).join('\r\n');
    const bytes = encode(text);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    const [item] = parseBatchItems(bytes, 'csv', schema);
    expect(item.problem).toBeUndefined();
    expect(item.data).toEqual(sample);
  });

  it('from Step Functions’ CSV reader: rows keyed by Chinese headers are typed the same', () => {
    const { fields } = fieldColumns(schema);
    const data = flatten(sample);
    const row = Object.fromEntries([['编号', '青岚县'], ...fields.map((f) => [f.header, data[f.path] ?? ''])]);
    const item = batchItemFromRecord(row, 'item 1', { rows: true, schema });
    expect(item).toMatchObject({ id: '青岚县', problem: undefined });
    expect(item.data).toEqual(sample);
  });
});
