/**
 * Items files → batch items, without Chromium: the three formats, CSV cells typed by the schema,
 * one bad record failing alone, whole-file problems refused, ids cleaned for file names.
 */
import { InvalidRequestError } from '../../lambda/src/core/errors';
import { csvRowToData, parseCellNumber } from '../../lambda/src/batch/csvRowToData';
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
    refuse('county.name\n青岚县\n', 'csv', /no "id" column/);
    refuse('id,economy.gpd\n1,2\n', 'csv', /column "economy.gpd" is not a field of this template; check its spelling/);
    refuse('id,county\n1,2\n', 'csv', /column "county" names a group of fields; use one column per field, e.g. county.name/);
    refuse('id,year,year\n1,2,3\n', 'csv', /repeats "year"/);
    refuse('id,year\n"1,2020\n', 'csv', /not valid CSV/);
  });

  it('tells the format from the file name', () => {
    expect(batchFormatOf('a/items.JSON')).toBe('json');
    expect(batchFormatOf('items.jsonl')).toBe('jsonl');
    expect(batchFormatOf('items.ndjson')).toBe('jsonl');
    expect(batchFormatOf('counties.csv')).toBe('csv');
    expect(() => batchFormatOf('items.xlsx')).toThrow(/name the items file \.json, \.jsonl or \.csv/);
  });
});

describe('CSV rows', () => {
  it('turn the sample into exactly the sample: numbers by the schema, lists split, text kept', () => {
    const text = csvOf([{ id: '青岚县', ...flatten(sample) }]);
    const [item] = parseBatchItems(text, 'csv', schema);
    expect(item.problem).toBeUndefined();
    expect(item.where).toBe('row 2');
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

  it('fail a row with the wrong number of cells, naming the spreadsheet row', () => {
    const items = parseBatchItems('id,year\n甲县,2020\n乙县\n丙县,2020,extra\n', 'csv', schema);
    expect(items.map((i) => [i.id, i.where, i.problem?.message])).toEqual([
      ['甲县', 'row 2', undefined],
      ['乙县', 'row 3', 'row 3 has 1 cells but the header has 2 columns; check for a stray comma or a missing cell.'],
      ['丙县', 'row 4', 'row 4 has 3 cells but the header has 2 columns; check for a stray comma or a missing cell.'],
    ]);
  });
});
