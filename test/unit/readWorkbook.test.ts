/**
 * Reading a filled-in workbook back: the template's own sheet (writeWorkbook), edited with ExcelJS
 * the way a clerk's Excel leaves it (formulas with saved results, percentages, numbers typed as
 * text, dates, rich text, empty rows), then read by parseBatchItems. Bad cells fail their row with
 * row, column letter and field named; a header that does not fit refuses the file.
 */
import ExcelJS from 'exceljs';
import { ZipFile } from 'yazl';
import { batchItemFromRecord, recordOfBatchItem } from '../../lambda/src/batch/BatchItem';
import { columnLetter, fieldColumns } from '../../lambda/src/batch/fieldColumns';
import { parseBatchItems } from '../../lambda/src/batch/parseBatchItems';
import { defaultRowId, writeWorkbook } from '../../lambda/src/batch/writeWorkbook';
import { InvalidRequestError } from '../../lambda/src/core/errors';
import { projectTemplates } from '../helpers/app';

const template = projectTemplates().get('county-annual-report');
const schema = template.schema;
const sample = structuredClone(template.sampleData[template.samples[0]]) as Record<string, Record<string, unknown>>;
const LIMITS = { maxBytes: 20 * 1024 * 1024, maxUnzippedBytes: 100 * 1024 * 1024, maxRows: 10_000 };
const { fields } = fieldColumns(schema);
/** The 1-based column of a field in the written sheet (A is 编号). */
const col = (path: string): number => fields.findIndex((f) => f.path === path) + 2;
const letter = (path: string): string => columnLetter(col(path) - 1);

let templateBytes: Buffer;
beforeAll(async () => {
  // Validation for 50 rows, not 10,000: ExcelJS, which edits the sheet here, expands it cell by cell.
  templateBytes = await writeWorkbook(template, [{ id: defaultRowId(schema, sample), data: sample }], { maxRows: 50 });
});

/** The template's workbook, edited: `edit` gets the sheet and the sample row's values to copy. */
async function workbookWith(edit: (sheet: ExcelJS.Worksheet, copy: (row: number, id: string) => ExcelJS.Row, workbook: ExcelJS.Workbook) => void): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(new Uint8Array(templateBytes).buffer);
  const sheet = workbook.getWorksheet('数据')!;
  const values = (sheet.getRow(2).values as unknown[]).slice(1);
  const copy = (row: number, id: string): ExcelJS.Row => {
    const r = sheet.getRow(row);
    r.values = values as ExcelJS.CellValue[];
    r.getCell(1).value = id;
    return r;
  };
  edit(sheet, copy, workbook);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

const read = (bytes: Buffer) => parseBatchItems(bytes, 'xlsx', schema, { workbook: LIMITS });
const messages = (bytes: Buffer) => read(bytes).map((item) => [item.where, item.id, item.problem ? item.problem.details.map((d) => d.message) : item.problem]);

describe('reading a filled-in workbook', () => {
  it('takes cells as a clerk means them: saved formula results, percentages, numbers as text, rich text, links', async () => {
    const bytes = await workbookWith((sheet, copy) => {
      const row = copy(3, '丁县');
      row.getCell(col('year')).value = '２０２０年';
      row.getCell(col('economy.gdp')).value = { formula: 'F2+1', result: 387.42 };
      row.getCell(col('economy.gdpGrowth')).value = 0.063;
      row.getCell(col('economy.gdpGrowth')).numFmt = '0.0%';
      row.getCell(col('economy.industrialValueAdded')).value = '1,234.5亿元';
      row.getCell(col('economy.retailSales')).value = 0.1 + 0.2;
      row.getCell(col('county.name')).value = { richText: [{ text: '丁' }, { text: '县', font: { bold: true } }] };
      row.getCell(col('county.province')).value = { text: '北溟省', hyperlink: 'https://example.org/' };
      row.getCell(col('reporter.name')).value = 12345;
      row.getCell(col('investment.centralEnterprises')).value = '北辰重工集团；华夏海洋能源集团';
      sheet.getRow(3).commit();
    });
    const [, item] = read(bytes);
    expect(item).toMatchObject({ where: '第 3 行', row: 3, id: '丁县', problem: undefined });
    const data = item.data as Record<string, Record<string, unknown>>;
    expect(data.year).toBe(2020);
    expect(data.economy).toMatchObject({ gdp: 387.42, gdpGrowth: 6.3, industrialValueAdded: 1234.5, retailSales: 0.3 });
    expect(data.county).toMatchObject({ name: '丁县', province: '北溟省' });
    expect(data.reporter).toMatchObject({ name: '12345' });
    expect(data.investment.centralEnterprises).toEqual(['北辰重工集团', '华夏海洋能源集团']);
  });

  it('fails a row with bad cells, naming row, column letter and field', async () => {
    const bytes = await workbookWith((_sheet, copy) => {
      copy(3, '乙县').getCell(col('economy.gdpGrowth')).value = -150;
      const bad = copy(4, '丙县');
      bad.getCell(col('economy.gdp')).value = { formula: 'F2*2' } as ExcelJS.CellFormulaValue;
      bad.getCell(col('economy.industrialValueAdded')).value = { formula: '1/0', result: { error: '#DIV/0!' } } as ExcelJS.CellFormulaValue;
      bad.getCell(col('economy.retailSales')).value = new Date(Date.UTC(2020, 5, 1));
      bad.getCell(col('county.name')).value = null;
      bad.getCell(col('investment.centralEnterprises')).value = '甲集团、乙集团、丙集团、丁集团';
      bad.getCell(col('investment.negotiatedProjects')).value = 12.5;
      bad.getCell(col('economy.publicBudgetRevenue')).value = '约300';
      bad.getCell(col('county.slogan')).value = '滨海强县、实力澄湾、创新澄湾、开放澄湾、生态澄湾、幸福澄湾之乡';
      bad.getCell(col('ecology.wetland')).value = '白鹭湾\n湿地';
      bad.getCell(col('integrity.specialActions')).value = '入企帮扶、入企帮扶';
    });
    const G = letter('economy.gdpGrowth');
    expect(G).toBe('G');
    expect(messages(bytes)).toEqual([
      ['第 2 行', '澄湾县', undefined],
      ['第 3 行', '乙县', ['第 3 行 G 列（地区生产总值增速（%））：不能小于 -100']],
      [
        '第 4 行',
        '丙县',
        [
          `第 4 行 F 列（地区生产总值（亿元））：是公式（=F2*2），但文件中没有保存计算结果；请在 Excel 中打开并保存后再上传，或把公式“粘贴为数值”`,
          `第 4 行 H 列（规上工业增加值（亿元））：是错误值 #DIV/0!，请改正公式或直接填入数值`,
          `第 4 行 ${letter('economy.retailSales')} 列（社会消费品零售总额（亿元））：是日期（2020-06-01），应填数字；请把这一列的单元格格式设为“常规”或“数值”后重新填写`,
          '第 4 行 B 列（县名）：必填，不能为空',
          '第 4 行 D 列（发展定位口号）：不能超过 30 个字（现有 31 个）',
          `第 4 行 ${letter('economy.publicBudgetRevenue')} 列（公共财政预算收入（亿元））：应为数字，填的是“约300”`,
          `第 4 行 ${letter('investment.negotiatedProjects')} 列（新增招商洽谈项目（个））：应为整数，不能是 12.5`,
          `第 4 行 ${letter('investment.centralEnterprises')} 列（签约央企）：最多填 3 项，现有 4 项`,
          `第 4 行 ${letter('ecology.wetland')} 列（签订保护合作备忘录的湿地）：含有换行，请写成一行`,
          `第 4 行 ${letter('integrity.specialActions')} 列（优化发展环境专项行动）：第 1 项和第 2 项重复（“入企帮扶”）`,
        ],
      ],
    ]);
    const [, , failed] = read(bytes);
    expect(failed.problem).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(failed.problem?.details[0].path).toBe('/economy/gdp');
  });

  it('names every required cell of a group left empty, and a row without an id', async () => {
    const bytes = await workbookWith((_sheet, copy) => {
      const row = copy(3, '戊县');
      for (const path of ['county.name', 'county.province', 'county.slogan']) row.getCell(col(path)).value = null;
      copy(4, '').getCell(1).value = null;
    });
    expect(messages(bytes).slice(1)).toEqual([
      ['第 3 行', '戊县', ['第 3 行 B 列（县名）：必填，不能为空', '第 3 行 C 列（所属省份）：必填，不能为空', '第 3 行 D 列（发展定位口号）：必填，不能为空']],
      ['第 4 行', '第 4 行', []],
    ]);
    const [, , unnamed] = read(bytes);
    expect(unnamed.problem?.message).toBe('第 4 行 A 列（编号）：不能为空；每行填一个不重复的编号（如县名），它是 PDF 的文件名。');
    expect(unnamed.problem?.code).toBe('INVALID_REQUEST');
  });

  it('skips empty rows wherever they are, keeping Excel’s row numbers', async () => {
    const bytes = await workbookWith((sheet, copy) => {
      copy(4, '己县');
      // Formatted but empty, and a cell holding only spaces: nothing in them.
      sheet.getRow(6).getCell(2).numFmt = '0.00';
      sheet.getRow(7).getCell(3).value = '   ';
      sheet.getRow(9).getCell(1).value = '';
    });
    expect(read(bytes).map((i) => [i.where, i.id])).toEqual([
      ['第 2 行', '澄湾县'],
      ['第 4 行', '己县'],
    ]);
  });

  it('reads dates of the 1904 system, and a date where text belongs as YYYY-MM-DD', async () => {
    const bytes = await workbookWith((sheet, _copy, workbook) => {
      (workbook.properties as { date1904?: boolean }).date1904 = true;
      const cell = sheet.getRow(2).getCell(col('reporter.office'));
      cell.value = new Date(Date.UTC(2024, 2, 5));
      cell.numFmt = 'yyyy"年"m"月"d"日"';
    });
    expect((read(bytes)[0].data as { reporter: { office: string } }).reporter.office).toBe('2024-03-05');
  });

  it('reads the first visible sheet', async () => {
    const source = new ExcelJS.Workbook();
    await source.xlsx.load(new Uint8Array(templateBytes).buffer);
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('备注', { state: 'hidden' }).getCell('A1').value = '这不是数据';
    const sheet = workbook.addWorksheet('县');
    for (const n of [1, 2]) sheet.getRow(n).values = (source.getWorksheet('数据')!.getRow(n).values as ExcelJS.CellValue[]).slice(1);
    const items = read(Buffer.from(await workbook.xlsx.writeBuffer()));
    expect(items.map((i) => [i.where, i.id, i.problem])).toEqual([['第 2 行', '澄湾县', undefined]]);
    expect(items[0].data).toEqual(sample);
  });
});

describe('what other writers write', () => {
  /** An honest ZIP of the given parts, written by yazl (the ZIP library the service itself uses). */
  function zipOf(parts: Record<string, string>): Promise<Buffer> {
    const zip = new ZipFile();
    for (const [name, text] of Object.entries(parts)) zip.addBuffer(Buffer.from(text), name);
    zip.end();
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
    });
  }

  it('reads prefixed elements, inline and phonetic strings, shared formulas, ISO and serial dates, escapes, rows without positions', async () => {
    const small = {
      type: 'object',
      required: ['name', 'amount'],
      properties: {
        name: { type: 'string', title: '名称' },
        amount: { type: 'number', title: '金额', 'x-unit': '万元' },
        share: { type: 'number', title: '占比', 'x-unit': '%' },
        ok: { type: 'boolean', title: '达标' },
        day: { type: 'string', format: 'date', title: '日期' },
        note: { type: 'string', title: '备注' },
      },
    };
    const main = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
    const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
    const inline = (text: string): string => `<x:c t="inlineStr"><x:is><x:t>${text}</x:t></x:is></x:c>`;
    const bytes = await zipOf({
      '_rels/.rels': `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="${rel}/officeDocument" Target="/xl/workbook.xml"/></Relationships>`,
      'xl/workbook.xml': `<x:workbook xmlns:x="${main}" xmlns:r="${rel}"><x:workbookPr date1904="false"/><x:sheets><x:sheet name="各县" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>`,
      'xl/_rels/workbook.xml.rels': `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/worksheet" Target="/xl/worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${rel}/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="${rel}/styles" Target="styles.xml"/></Relationships>`,
      'xl/sharedStrings.xml': `<sst xmlns="${main}"><si><r><t>乙</t></r><r><t xml:space="preserve">方 </t></r><rPh sb="0" eb="1"><t>イ</t></rPh></si></sst>`,
      'xl/styles.xml': `<styleSheet xmlns="${main}"><numFmts><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="10"/></cellXfs></styleSheet>`,
      'xl/worksheets/sheet1.xml':
        `<x:worksheet xmlns:x="${main}"><x:sheetData>` +
        `<x:row>${['编号', '名称', '金额（万元）', '占比（%）', '达标', '日期', '备注'].map(inline).join('')}</x:row>` +
        `<x:row r="3"><x:c r="A3" t="inlineStr"><x:is><x:r><x:t>甲</x:t></x:r><x:r><x:t>县</x:t></x:r></x:is></x:c><x:c r="B3" t="s"><x:v>0</x:v></x:c>` +
        `<x:c r="C3"><x:f t="shared" ref="C3:C4" si="0">1+1</x:f><x:v>2</x:v></x:c><x:c r="D3" s="2"><x:v>0.5</x:v></x:c><x:c r="E3" t="b"><x:v>1</x:v></x:c>` +
        `<x:c r="F3" t="d"><x:v>2024-03-05T00:00:00</x:v></x:c><x:c r="G3" t="str"><x:f>"备注"&amp;"_x0041_"</x:f><x:v>备注_x0041_</x:v></x:c></x:row>` +
        `<x:row r="4">${inline('丙县')}${inline('丙')}<x:c><x:f t="shared" si="0"/><x:v>3</x:v></x:c><x:c t="e"><x:v>#N/A</x:v></x:c><x:c t="b"><x:v>0</x:v></x:c><x:c s="1"><x:v>45356</x:v></x:c></x:row>` +
        `</x:sheetData></x:worksheet>`,
    });
    const items = parseBatchItems(bytes, 'xlsx', small, { workbook: LIMITS });
    expect(items.map((i) => [i.where, i.id, i.data, i.problem?.details.map((d) => d.message)])).toEqual([
      ['第 3 行', '甲县', { name: '乙方', amount: 2, share: 50, ok: true, day: '2024-03-05', note: '备注A' }, undefined],
      ['第 4 行', '丙县', { name: '丙', amount: 3, ok: false, day: '2024-03-05' }, ['第 4 行 D 列（占比（%））：是错误值 #N/A，请改正公式或直接填入数值']],
    ]);
  });
});

describe('a header row that does not fit the template', () => {
  const refusal = async (edit: (sheet: ExcelJS.Worksheet) => void): Promise<string> => {
    const bytes = await workbookWith((sheet) => edit(sheet));
    try {
      read(bytes);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidRequestError);
      return (error as Error).message;
    }
    throw new Error('not refused');
  };

  it('refuses an unknown column, naming it and what it may have meant', async () => {
    const message = await refusal((sheet) => (sheet.getCell('F1').value = '地区生产总值(亿)'));
    expect(message).toContain('工作表“数据”的标题行（第 1 行）与模板不符：F 列“地区生产总值(亿)”不是本模板的列；是不是“地区生产总值（亿元）”？');
    // Without it, the required 地区生产总值 is missing too.
    expect(message).toContain('缺少必填列 “地区生产总值（亿元）”（economy.gdp）');
  });

  it('refuses a missing required column and a missing id column', async () => {
    const message = await refusal((sheet) => {
      sheet.spliceColumns(1, 1);
      sheet.spliceColumns(col('year') - 1, 1);
    });
    expect(message).toMatch(/^工作表“数据”的标题行（第 1 行）与模板不符：缺少“编号”列：.*；缺少必填列 “报告年度（年）”（year）。/);
  });

  it('refuses a field given twice, by header and by path', async () => {
    const message = await refusal((sheet) => (sheet.getCell(1, fields.length + 2).value = 'economy.gdp'));
    expect(message).toContain(`“地区生产总值（亿元）”有 2 列（F 列、${columnLetter(fields.length + 1)} 列）；每个字段只能有一列`);
  });

  it('refuses cells under no header, naming column and row', async () => {
    const message = await refusal((sheet) => (sheet.getCell(2, fields.length + 3).value = '备注：数据待核实'));
    expect(message).toContain(`${columnLetter(fields.length + 2)} 列没有标题，但第 2 行在这一列有内容`);
  });
});

describe('spreadsheet rows as JSON Lines records', () => {
  it('keep their row and their cells’ problem, so they fail later with the same words', async () => {
    const bytes = await workbookWith((_sheet, copy) => void (copy(3, '乙县').getCell(col('economy.gdpGrowth')).value = -150));
    const items = read(bytes);
    const lines = items.map((item) => JSON.stringify(recordOfBatchItem(item))).join('\n');
    expect(JSON.parse(lines.split('\n')[1])).toMatchObject({ id: '乙县', sheet: { row: 3, error: { code: 'VALIDATION_FAILED' } } });
    const again = parseBatchItems(lines, 'jsonl', schema);
    expect(again.map((i) => [i.where, i.row, i.id, i.problem?.code ?? null, i.problem?.details ?? null])).toEqual(
      items.map((i) => [i.where, i.row, i.id, i.problem?.code ?? null, i.problem?.details ?? null]),
    );
    expect(again[1].data).toEqual(items[1].data);
    // A record's sheet must be well formed.
    expect(batchItemFromRecord({ id: 'x', data: {}, sheet: { row: 'seven' } }, 'line 1', { rows: false }).problem?.message).toMatch(/"sheet" must be/);
  });
});
