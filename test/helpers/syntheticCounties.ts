/**
 * Fictional counties from scripts/gen-reports.mjs (the generator `npm run gen:reports` runs, here
 * for county-annual-report), and the flat CSV form a spreadsheet export or Step Functions' CSV item
 * reader gives them.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { findProjectRoot } from '../../lambda/src/config/projectRoot';
import type { CountyAnnualReportData } from './countyAnnualReportData';

/** scripts/gen-reports.mjs, found from the project root as the service finds it. */
export const GEN_REPORTS_SCRIPT = join(findProjectRoot(), 'scripts', 'gen-reports.mjs');

/** The template the counties are for. */
export const COUNTY_TEMPLATE = 'county-annual-report';

export interface SyntheticCounty<Data = CountyAnnualReportData> {
  id: string;
  data: Data;
}

/**
 * `count` valid counties (id = county.name), the same for the same seed, from the templates the
 * service reads (TEMPLATES_DIR, inherited by the script). The type parameter lets a test loosen
 * `data` to mutate it.
 */
export function generateCounties<Data = CountyAnnualReportData>(count: number, seed: number): SyntheticCounty<Data>[] {
  const out = execFileSync(process.execPath, [GEN_REPORTS_SCRIPT, COUNTY_TEMPLATE, String(count), '--seed', String(seed)], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as SyntheticCounty<Data>);
}

/** `id` plus one text cell per dotted field path, lists joined with 、 (the CSV format in docs/batch.md). */
export function toCsvRow(county: SyntheticCounty<unknown>): Record<string, string> {
  const row: Record<string, string> = { id: county.id };
  const walk = (value: unknown, prefix: string): void => {
    if (Array.isArray(value)) row[prefix] = value.join('、');
    else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) walk(v, prefix ? `${prefix}.${k}` : k);
    else row[prefix] = String(value);
  };
  walk(county.data, '');
  return row;
}

/** The counties as one CSV file with a header row. */
export function toCsv(counties: readonly SyntheticCounty<unknown>[]): string {
  const rows = counties.map(toCsvRow);
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (value: string | undefined): string => (value === undefined ? '' : /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}
