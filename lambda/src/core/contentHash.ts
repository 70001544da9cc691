/**
 * Content addressing: the same template (same files) and the same data always give the same key,
 * whatever the order of the JSON keys. Used for idempotent storage and for batch --resume.
 */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal data has one spelling. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v as Record<string, unknown>).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The hash identifying one report: template id, template version and data. */
export function reportInputHash(templateId: string, templateFingerprint: string, data: unknown): string {
  return sha256Hex(`${templateId}\0${templateFingerprint}\0${canonicalJson(data)}`);
}
