/**
 * The Excel data sheet a template gets (writeWorkbook), opened again with ExcelJS to see what Excel
 * will show, and read back by our reader: the same data comes out as went in, for the sample, for
 * twenty synthetic counties, for a schema with the same title twice, and through a CSV that ExcelJS
 * itself writes from the workbook. Real files written by the libraries, no fixtures.
 */
import ExcelJS from 'exceljs';
import { fieldColumns, ID_HEADER, normalizeHeader } from '../../lambda/src/batch/fieldColumns';
import { parseBatchItems } from '../../lambda/src/batch/parseBatchItems';
import { defaultRowId, writeWorkbook } from '../../lambda/src/batch/writeWorkbook';
import { ZipArchive } from '../../lambda/src/batch/ZipArchive';
import { projectTemplates } from '../helpers/app';
import { generateCounties } from '../helpers/syntheticCounties';

const template = projectTemplates().get('county-annual-report');
const sample = template.sampleData[template.samples[0]];
const LIMITS = { maxBytes: 20 * 1024 * 1024, maxUnzippedBytes: 100 * 1024 * 1024, maxRows: 10_000 };
const { fields } = fieldColumns(template.schema);

async function open(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(new Uint8Array(bytes).buffer);
  return workbook;
}

describe('writeWorkbook', () => {
  let bytes: Buffer;
  let workbook: ExcelJS.Workbook;
  let sheet: ExcelJS.Worksheet;

  beforeAll(async () => {
    bytes = await writeWorkbook(template, [{ id: defaultRowId(template.schema, sample), data: sample }], { maxRows: 10_000 });
    workbook = await open(bytes);
    sheet = workbook.getWorksheet('数据')!;
  });

  it('writes sheet 数据 with the id and one Chinese header per field, and sheet 填写说明', () => {
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['数据', '填写说明']);
    const header = (sheet.getRow(1).values as string[]).slice(1);
    // A long header shows its unit on a line of its own; read back, the line break does not count.
    expect(header.map(normalizeHeader)).toEqual([ID_HEADER, ...fields.map((f) => normalizeHeader(f.header))]);
    expect(header.slice(0, 8)).toEqual(['编号', '县名', '所属省份', '发展定位口号', '报告年度（年）', '地区生产总值\n（亿元）', '地区生产总值增速\n（%）', '规上工业增加值\n（亿元）']);
    const guide = workbook.getWorksheet('填写说明')!;
    const guideRows = guide.getSheetValues().map((row) => (Array.isArray(row) ? row.slice(1).join('|') : ''));
    expect(guideRows.join('\n')).toContain('G|地区生产总值增速（%）|economy.gdpGrowth|是|%|数字，-100 至 100|');
  });

  it('fills one sample row, lists joined with 、, numbers as numbers', () => {
    const row = sheet.getRow(2);
    expect(row.getCell(1).value).toBe('澄湾县');
    expect(row.getCell(2).value).toBe('澄湾县');
    expect(row.getCell(6).value).toBe((sample as { economy: { gdp: number } }).economy.gdp);
    const enterprises = fields.findIndex((f) => f.path === 'investment.centralEnterprises') + 2;
    expect(row.getCell(enterprises).value).toBe((sample as { investment: { centralEnterprises: string[] } }).investment.centralEnterprises.join('、'));
    expect(sheet.rowCount).toBe(2);
  });

  it('puts the description, range and whether it is required in each header note', () => {
    const note = (cell: ExcelJS.Cell): string => ((cell.note as ExcelJS.Comment).texts ?? []).map((t) => t.text).join('');
    expect(note(sheet.getCell('A1'))).toContain('不重复的编号');
    expect(note(sheet.getCell('G1'))).toBe(
      '地区生产总值增速（%）\n地区生产总值比上年增减的百分比；正数为增长，负数为下降，0为持平；下降幅度不能超过100%。\n范围：数字，-100 至 100\n必填。\n字段：economy.gdpGrowth',
    );
    const reporter = fields.findIndex((f) => f.path === 'reporter.name') + 1;
    expect(note(sheet.getRow(1).getCell(reporter + 1))).toContain('可不填。');
  });

  it('validates numbers, ranges, lengths and required cells for 10,000 rows, with an input message per column', () => {
    // As Excel reads it: one <dataValidation> per column in the sheet's XML.
    const xml = ZipArchive.open(bytes, { maxUnzippedBytes: 1 << 26, maxEntries: 100 }).read('xl/worksheets/sheet1.xml')!.toString('utf8');
    const rules = new Map(
      [...xml.matchAll(/<dataValidation ([^>]*?)(?:\/>|>(.*?)<\/dataValidation>)/g)].map(([, attributes, formulae = '']) => {
        const attrs: Record<string, string> = Object.fromEntries([...attributes.matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v]));
        const rule: Record<string, string | string[]> = { ...attrs, formulae: [...formulae.matchAll(/<formula\d>([^<]*)<\/formula\d>/g)].map((m) => m[1]) };
        return [attrs.sqref, rule];
      }),
    );
    expect(rules.size).toBe(fields.length + 1);
    expect(rules.get('A2:A10001')).toMatchObject({ type: 'textLength', formulae: ['1', '80'], showInputMessage: '1' });
    expect(rules.get('A2:A10001')).not.toHaveProperty('allowBlank');
    expect(rules.get('E2:E10001')).toMatchObject({ type: 'whole', formulae: ['2000', '2100'] });
    expect(rules.get('G2:G10001')).toMatchObject({
      type: 'decimal',
      formulae: ['-100', '100'],
      showInputMessage: '1',
      promptTitle: '地区生产总值增速（%）',
      showErrorMessage: '1',
      error: '请填写：数字，-100 至 100。',
    });
    expect(rules.get('G2:G10001')?.prompt).toContain('范围：数字，-100 至 100');
    expect(rules.get('B2:B10001')).toMatchObject({ type: 'textLength', formulae: ['1', '30'] });
    // A list of names has no Excel rule, only its input message.
    const enterprises = sheet.getColumn(fields.findIndex((f) => f.path === 'investment.centralEnterprises') + 2).letter;
    expect(rules.get(`${enterprises}2:${enterprises}10001`)).toMatchObject({ showInputMessage: '1', promptTitle: '签约央企' });
    expect(rules.get(`${enterprises}2:${enterprises}10001`)).not.toHaveProperty('type');
    const reporter = sheet.getColumn(fields.findIndex((f) => f.path === 'reporter.name') + 2).letter;
    // Optional: blanks allowed.
    expect(rules.get(`${reporter}2:${reporter}10001`)).toMatchObject({ type: 'textLength', allowBlank: '1' });
  });

  it('freezes the header row and the id column, and keeps text columns as text', () => {
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', xSplit: 1, ySplit: 1 });
    expect(sheet.getColumn(1).numFmt).toBe('@');
    expect(sheet.getColumn(2).numFmt).toBe('@');
    expect(sheet.getColumn(6).numFmt).toBeUndefined();
    expect(sheet.getCell('G1').fill).toMatchObject({ fgColor: { argb: 'FFFCE4D6' } });
  });

  it('reads back as exactly the data it was written from', () => {
    const items = parseBatchItems(bytes, 'xlsx', template.schema, { workbook: LIMITS });
    expect(items.map((i) => [i.where, i.row, i.id, i.problem])).toEqual([['第 2 行', 2, '澄湾县', undefined]]);
    expect(items[0].data).toEqual(sample);
  });

  it('round-trips twenty synthetic counties, the optional reporter included where given', async () => {
    const counties = generateCounties(20, 11);
    const written = await writeWorkbook(template, counties, { maxRows: 10_000 });
    const items = parseBatchItems(written, 'xlsx', template.schema, { workbook: LIMITS });
    expect(items.map((i) => i.id)).toEqual(counties.map((c) => c.id));
    expect(items.filter((i) => i.problem)).toEqual([]);
    items.forEach((item, i) => expect(item.data).toEqual(counties[i].data));
  });

  it('round-trips through a CSV that ExcelJS writes from the workbook: Chinese headers read as well', async () => {
    const counties = generateCounties(5, 12);
    const source = await open(await writeWorkbook(template, counties, { maxRows: 10_000 }));
    const csv = Buffer.from(await source.csv.writeBuffer({ sheetName: '数据' }));
    expect(csv.toString('utf8')).toMatch(/^编号,县名,所属省份,发展定位口号,报告年度（年）,"地区生产总值\n（亿元）",/);
    const items = parseBatchItems(csv, 'csv', template.schema);
    expect(items.filter((i) => i.problem)).toEqual([]);
    items.forEach((item, i) => expect(item.data).toEqual(counties[i].data));
  });

  it('writes headers that read back when two fields share a title', async () => {
    const schema = {
      type: 'object',
      required: ['county', 'office'],
      properties: {
        county: { type: 'object', title: '县情', required: ['name', 'area'], properties: { name: { type: 'string', title: '名称', minLength: 1 }, area: { type: 'number', title: '面积', 'x-unit': '平方公里', minimum: 0 } } },
        office: { type: 'object', title: '单位', required: ['name'], properties: { name: { type: 'string', title: '名称' }, area: { type: 'number', title: '面积', 'x-unit': '平方公里' } } },
        tags: { type: 'array', title: '标签', items: { type: 'string' } },
      },
    };
    const rows = [
      { id: '甲', data: { county: { name: '甲县', area: 1234.5 }, office: { name: '甲县政府', area: 0.8 }, tags: ['山', '水'] } },
      { id: '乙', data: { county: { name: '乙县', area: 88 }, office: { name: '乙县政府' } } },
    ];
    const written = await open(await writeWorkbook({ id: 'twice', title: '同名字段', schema }, rows, { maxRows: 100 }));
    expect((written.getWorksheet('数据')!.getRow(1).values as unknown[]).slice(1)).toEqual(['编号', '县情·名称', '县情·面积\n（平方公里）', '单位·名称', '单位·面积\n（平方公里）', '标签']);
    const items = parseBatchItems(Buffer.from(await written.xlsx.writeBuffer()), 'xlsx', schema, { workbook: LIMITS });
    expect(items.map((i) => [i.id, i.problem, i.data])).toEqual(rows.map((r) => [r.id, undefined, r.data]));
  });
});
