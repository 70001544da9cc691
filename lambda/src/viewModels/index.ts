/**
 * View models by template id. The core calls the entry for a template after the data has passed
 * that template's schema; templates without an entry are rendered from the raw data.
 */
import { buildCountyAnnualReportView, type CountyAnnualReportData } from './countyAnnualReport';

export type ViewModel = (data: unknown) => Record<string, unknown>;

export const viewModels: Readonly<Record<string, ViewModel>> = Object.freeze({
  // The cast is sound because the core validates against schema.json, which this type mirrors.
  'county-annual-report': (data: unknown) => buildCountyAnnualReportView(data as CountyAnnualReportData),
});
