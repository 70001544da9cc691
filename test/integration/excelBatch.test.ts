/**
 * Excel both ways, end to end on real files, real Chromium and a real dev server: `pdf-export
 * sheet` writes the template's workbook, ExcelJS fills it in as a clerk's Excel would (a formula
 * with its saved result, a percentage, a bad cell, an empty last row), `pdf-export batch` renders
 * it and names the bad cell; the playground hands out the same workbook, turns one county into
 * one, reads any items file back for the form, and runs a batch from an uploaded workbook.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { BatchManifest } from '../../lambda/src/batch/BatchManifest';
import { fieldColumns } from '../../lambda/src/batch/fieldColumns';
import { parseBatchItems } from '../../lambda/src/batch/parseBatchItems';
import { XLSX_MEDIA_TYPE } from '../../lambda/src/batch/readWorkbook';
import { runCli } from '../../lambda/src/entrypoints/cli';
import { startDevServer, type DevServer } from '../../lambda/src/entrypoints/devServer';
import { projectTemplates } from '../helpers/app';
import type { CountyAnnualReportData } from '../helpers/countyAnnualReportData';
import { countyView } from '../unit/helpers/countyAnnualReportFiles';
import { compact, pdfText } from '../helpers/pdfTools';
import { generateCounties } from '../helpers/syntheticCounties';

const TEMPLATE = 'county-annual-report';
const template = projectTemplates().get(TEMPLATE);
const { fields } = fieldColumns(template.schema);
const col = (path: string): number => fields.findIndex((f) => f.path === path) + 2;
const LIMITS = { maxBytes: 20 * 1024 * 1024, maxUnzippedBytes: 100 * 1024 * 1024, maxRows: 10_000 };
/** Rows of data validation in the written sheets: ExcelJS, filling them in here, expands them cell by cell. */
const ROWS = '200';

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const previous = process.env.MAX_BATCH_ITEMS;
  process.env.MAX_BATCH_ITEMS = ROWS;
  try {
    const code = await runCli(args, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
    return { code, stdout, stderr };
  } finally {
    if (previous === undefined) delete process.env.MAX_BATCH_ITEMS;
    else process.env.MAX_BATCH_ITEMS = previous;
  }
}

/** The sheet filled in: the sample (row 2), a synthetic county with a formula and a percentage (3), one with a bad cell (4), an empty formatted row (6). */
async function fillIn(sheetBytes: Buffer, county: { id: string; data: Record<string, Record<string, unknown>> }): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(new Uint8Array(sheetBytes).buffer);
  const sheet = workbook.getWorksheet('数据')!;
  const values = (data: Record<string, Record<string, unknown>>): ExcelJS.CellValue[] =>
    fields.map((f) => {
      const value = f.segments.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], data);
      return Array.isArray(value) ? value.join('、') : (value as ExcelJS.CellValue);
    });
  const good = sheet.getRow(3);
  good.values = [county.id, ...values(county.data)];
  const gdp = county.data.economy.gdp as number;
  good.getCell(col('economy.gdp')).value = { formula: `${gdp}*1`, result: gdp };
  good.getCell(col('economy.gdpGrowth')).value = (county.data.economy.gdpGrowth as number) / 100;
  good.getCell(col('economy.gdpGrowth')).numFmt = '0.0%';
  const bad = sheet.getRow(4);
  bad.values = ['乙县', ...values(county.data)];
  bad.getCell(col('county.name')).value = '乙县';
  bad.getCell(col('economy.gdpGrowth')).value = -150;
  sheet.getRow(6).getCell(2).numFmt = '0.00';
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

describe('Excel with pdf-export', () => {
  let work: string;
  let sheetBytes: Buffer;
  const [county] = generateCounties<Record<string, Record<string, unknown>>>(1, 21);

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'excel-batch-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('`sheet` writes the template’s workbook with its first sample', async () => {
    const file = join(work, '数据模板.xlsx');
    const r = await cli('sheet', TEMPLATE, '-o', file);
    expect(r).toEqual({ code: 0, stdout: expect.stringMatching(/数据模板\.xlsx: 117 columns \(115 required\), 1 sample row \(chengwan\), \d+ KB\n$/), stderr: '' });
    sheetBytes = readFileSync(file);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(new Uint8Array(sheetBytes).buffer);
    expect((workbook.getWorksheet('数据')!.getRow(1).values as unknown[]).slice(1, 8)).toEqual(['编号', '县名', '所属省份', '发展定位口号', '报告年度（年）', '地区生产总值\n（亿元）', '地区生产总值增速\n（%）']);
    const items = parseBatchItems(sheetBytes, 'xlsx', template.schema, { workbook: LIMITS });
    expect(items.map((i) => [i.id, i.problem])).toEqual([['澄湾县', undefined]]);
    expect(items[0].data).toEqual(template.sampleData.chengwan);
  });

  it('`sheet --items` turns an items file into a workbook that reads back the same', async () => {
    const counties = generateCounties(3, 22);
    const jsonl = join(work, 'three.jsonl');
    writeFileSync(jsonl, counties.map((c) => JSON.stringify(c)).join('\n') + '\n');
    const file = join(work, 'three.xlsx');
    const r = await cli('sheet', TEMPLATE, '-o', file, '--items', jsonl);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/3 rows from three\.jsonl/);
    const items = parseBatchItems(readFileSync(file), 'xlsx', template.schema, { workbook: LIMITS });
    expect(items.map((i) => [i.where, i.id, i.data])).toEqual(counties.map((c, i) => [`第 ${i + 2} 行`, c.id, c.data]));
    expect((await cli('sheet', TEMPLATE, '-o', join(work, 'x.csv'))).stderr).toMatch(/name the workbook \.xlsx/);
  });

  it('`batch` renders a filled-in workbook, naming the bad cell by row, column and field', async () => {
    const filled = join(work, 'counties.xlsx');
    writeFileSync(filled, await fillIn(sheetBytes, county));
    const out = join(work, 'out');
    const r = await cli('batch', TEMPLATE, filled, '-o', out, '-c', '1');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('3 items: 2 rendered, 0 already current, 1 failed');
    expect(r.stdout).toContain('failed:\n  乙县: 第 4 行 G 列（地区生产总值增速（%））：不能小于 -100\n');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as BatchManifest;
    expect(manifest.items.map((i) => [i.id, i.status])).toEqual([
      ['澄湾县', 'ok'],
      [county.id, 'ok'],
      ['乙县', 'failed'],
    ]);
    expect(manifest.items[2].error).toEqual({
      code: 'VALIDATION_FAILED',
      message: '第 4 行 G 列（地区生产总值增速（%））：不能小于 -100。',
      details: [{ path: '/economy/gdpGrowth', message: '第 4 行 G 列（地区生产总值增速（%））：不能小于 -100' }],
    });
    // The formula's saved result and the percentage reached the report as the clerk meant them.
    const text = compact(pdfText(readFileSync(join(out, `${county.id}.pdf`))));
    const view = countyView(county.data as unknown as CountyAnnualReportData);
    for (const phrase of [String(county.data.county.name), view.economy.gdp, view.economy.gdpChange]) expect(text).toContain(compact(phrase));
  }, 120_000);
});

describe('Excel in the playground', () => {
  let dir: string;
  let server: DevServer;
  const [county] = generateCounties<Record<string, Record<string, unknown>>>(1, 23);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'excel-playground-'));
    const env: Record<string, string | undefined> = {
      ...process.env,
      LOCAL_S3_DIR: join(dir, 's3'),
      LOCAL_S3_PORT: '0',
      PLAYGROUND_DIR: join(dir, 'playground'),
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      MAX_BATCH_ITEMS: ROWS,
    };
    for (const name of ['REPORTS_BUCKET', 'S3_ENDPOINT', 'PORT']) delete env[name];
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    server = await startDevServer({ env, port: 0, logger: quiet });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const post = (path: string, body: Buffer | string, type: string, origin = server.url): Promise<Response> =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': type, origin }, body });

  it('hands out the template’s workbook, and one made of a county from the form', async () => {
    const got = await fetch(`${server.url}/playground/templates/${TEMPLATE}/sheet.xlsx`);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe(XLSX_MEDIA_TYPE);
    expect(got.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent(`${template.title}-数据模板.xlsx`)}`);
    const sample = parseBatchItems(Buffer.from(await got.arrayBuffer()), 'xlsx', template.schema, { workbook: LIMITS });
    expect(sample.map((i) => [i.id, i.data])).toEqual([['澄湾县', template.sampleData.chengwan]]);

    const made = await post(`/playground/templates/${TEMPLATE}/sheet.xlsx`, JSON.stringify({ data: county.data }), 'application/json');
    expect(made.status).toBe(200);
    expect(made.headers.get('content-disposition')).toContain(encodeURIComponent(`${template.title}-${county.data.county.name}.xlsx`));
    const one = parseBatchItems(Buffer.from(await made.arrayBuffer()), 'xlsx', template.schema, { workbook: LIMITS });
    expect(one.map((i) => [i.id, i.data])).toEqual([[county.data.county.name, county.data]]);

    expect((await post(`/playground/templates/${TEMPLATE}/sheet.xlsx`, JSON.stringify({ data: [1] }), 'application/json')).status).toBe(400);
    expect((await post(`/playground/templates/${TEMPLATE}/sheet.xlsx`, 'data=1', 'application/x-www-form-urlencoded')).status).toBe(415);
    expect((await post(`/playground/templates/${TEMPLATE}/sheet.xlsx`, JSON.stringify({ data: {} }), 'application/json', 'http://evil.example')).status).toBe(403);
  });

  it('reads any items file back for the form: workbook rows with their problems by cell, JSON Lines as they are', async () => {
    const sheet = Buffer.from(await (await fetch(`${server.url}/playground/templates/${TEMPLATE}/sheet.xlsx`)).arrayBuffer());
    const filled = await fillIn(sheet, county);
    const rows = await post(`/playground/templates/${TEMPLATE}/rows?name=${encodeURIComponent('各县.xlsx')}`, filled, 'application/octet-stream');
    expect(rows.status).toBe(200);
    const { items } = (await rows.json()) as { items: { id: string; where: string; data: unknown; problem: { code: string; details: { message: string }[] } | null }[] };
    expect(items.map((i) => [i.id, i.where, i.problem?.details.map((d) => d.message) ?? null])).toEqual([
      ['澄湾县', '第 2 行', null],
      [county.id, '第 3 行', null],
      ['乙县', '第 4 行', ['第 4 行 G 列（地区生产总值增速（%））：不能小于 -100']],
    ]);
    expect(items[1].data).toEqual(county.data);

    const jsonl = await post(`/playground/templates/${TEMPLATE}/rows?name=a.jsonl`, `${JSON.stringify(county)}\n{"id": 1}\n`, 'application/octet-stream');
    expect(((await jsonl.json()) as { items: unknown[] }).items).toEqual([
      { id: county.id, where: 'line 1', data: county.data, problem: null },
      { id: '1', where: 'line 2', data: null, problem: { code: 'INVALID_REQUEST', message: 'line 2 has no "data"; write {"id": "...", "data": {...}}.', details: [] } },
    ]);
    const refused = await post(`/playground/templates/${TEMPLATE}/rows?name=a.xlsx`, 'id,year\n', 'application/octet-stream');
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/^文件不是 Excel 工作簿（\.xlsx），而是文本/);
    expect((await post(`/playground/templates/${TEMPLATE}/rows?name=a.jsonl`, '{}', 'text/plain')).status).toBe(415);
  });

  it('runs a batch from an uploaded workbook', async () => {
    const sheet = Buffer.from(await (await fetch(`${server.url}/playground/templates/${TEMPLATE}/sheet.xlsx`)).arrayBuffer());
    const started = await post(`/playground/batches?template=${TEMPLATE}&name=${encodeURIComponent('各县.xlsx')}`, await fillIn(sheet, county), 'application/octet-stream');
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    let view: { phase: string; manifest: BatchManifest; items: { id: string; where: string; status: string; error: { details: { message: string }[] } | null }[] };
    const deadline = Date.now() + 90_000;
    do {
      await new Promise((r) => setTimeout(r, 250));
      view = (await (await fetch(`${server.url}/playground/batches/${id}`)).json()) as typeof view;
    } while (!['done', 'failed', 'cancelled'].includes(view.phase) && Date.now() < deadline);
    expect(view.phase).toBe('done');
    expect(view.manifest).toMatchObject({ total: 3, succeeded: 2, failed: 1 });
    expect(view.items.map((i) => [i.id, i.where, i.status])).toEqual([
      ['澄湾县', '第 2 行', 'ok'],
      [county.id, '第 3 行', 'ok'],
      ['乙县', '第 4 行', 'failed'],
    ]);
    expect(view.items[2].error?.details.map((d) => d.message)).toEqual(['第 4 行 G 列（地区生产总值增速（%））：不能小于 -100']);
    expect(existsSync(join(dir, 'playground'))).toBe(true);
  }, 120_000);
});
