/**
 * The configuration tables in README.md and docs/, generated from CONFIG_TABLE so they cannot
 * drift from the code. A table sits between two markers naming the sections it shows:
 *
 *   <!-- config-table: service storage http -->
 *   | Variable | Default | Meaning |
 *   …
 *   <!-- /config-table -->
 *
 * `npm run docs:config` rewrites them; test/unit/configTable.test.ts fails when one is stale.
 */
import { configMarkdownTable, type ConfigSection } from './configTable';

const BLOCK = /(<!-- config-table:([a-zA-Z ]*)-->\n)[\s\S]*?(\n<!-- \/config-table -->)/g;

/** `text` with every marked table regenerated; throws on a section name the table does not know. */
export function withConfigTables(text: string): string {
  return text.replace(BLOCK, (_block, open: string, names: string, close: string) => {
    const sections = names.trim().split(/\s+/).filter(Boolean) as ConfigSection[];
    return `${open}${configMarkdownTable(sections.length > 0 ? sections : undefined)}${close}`;
  });
}

/** The sections each marked table in `text` shows, in order (`[]` for a table of every variable). */
export function configTableMarkers(text: string): string[][] {
  return [...text.matchAll(BLOCK)].map((m) => m[2].trim().split(/\s+/).filter(Boolean));
}
