/**
 * Where a report lives, derived only from the template id and the input hash, never from text the
 * client typed: `reports/<template>/<32 hex>.pdf` (core/storageLayout.ts), public id `<template>.<32 hex>`.
 *
 * The id carries everything needed to find the object again, so `GET /reports/{id}` needs no
 * database. 32 hex digits (128 bits) of a SHA-256 keep ids short and collisions out of reach.
 * Template ids never contain a dot, so the id splits unambiguously.
 */
import { REPORT_HASH_HEX_DIGITS, REPORTS_PREFIX, TEMPLATE_ID_SOURCE } from './storageLayout';

const REPORT_ID = new RegExp(`^(${TEMPLATE_ID_SOURCE})\\.([0-9a-f]{${REPORT_HASH_HEX_DIGITS}})$`);

export interface ReportAddress {
  /** Public id, e.g. `county-annual-report.0123456789abcdef0123456789abcdef`. */
  readonly id: string;
  /** Object key in the reports bucket. */
  readonly key: string;
  readonly templateId: string;
}

function addressOf(templateId: string, hash: string): ReportAddress {
  return { id: `${templateId}.${hash}`, key: `${REPORTS_PREFIX}${templateId}/${hash}.pdf`, templateId };
}

/** The address of a prepared report; `inputHash` is the full SHA-256 hex of template + data. */
export function reportAddress(templateId: string, inputHash: string): ReportAddress {
  const hash = inputHash.slice(0, REPORT_HASH_HEX_DIGITS).toLowerCase();
  const address = parseReportId(`${templateId}.${hash}`);
  if (!address) throw new RangeError(`cannot address template "${templateId}" with hash "${inputHash}"`);
  return address;
}

/** The address for a public id, or undefined when the id is not exactly of our format. */
export function parseReportId(id: string): ReportAddress | undefined {
  const match = REPORT_ID.exec(id);
  return match ? addressOf(match[1], match[2]) : undefined;
}
