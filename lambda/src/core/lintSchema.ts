/**
 * What a template's schema.json owes the people who fill it in, beyond being a valid JSON Schema:
 * the playground's form, the Excel sheet's headers and notes, and every validation message are
 * made from the schema's `title`, `description` and bounds (core/schemaLabels.ts, batch/fieldColumns.ts).
 * A field without them reaches a county clerk as an English JSON path and an unbounded figure as
 * a page-breaking number. `pdf-export check` reports these; loading a template does not require
 * them, so a quick experiment still renders.
 */
import type { LintProblem } from './lintTemplate';
import { JsonSyntaxError, parseJsonWithLines } from './view/parseJsonWithLines';
import { escapePointerSegment } from './jsonPointer';

type Node = Readonly<Record<string, unknown>>;

const isObject = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);
const MAX_DEPTH = 32;

/** The node a local `$ref` points at, merged under the referring node's own keywords. */
function resolved(node: Node, root: Node): Node {
  const ref = node.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return node;
  let target: unknown = root;
  for (const part of ref.slice(2).split('/')) target = isObject(target) ? target[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  return isObject(target) ? { ...resolved(target, root), ...node } : node;
}

const typeOf = (node: Node): string | undefined => {
  if (typeof node.type === 'string') return node.type;
  if (Array.isArray(node.type)) return node.type.find((t) => t !== 'null') as string | undefined;
  return isObject(node.properties) ? 'object' : undefined;
};

export function lintSchema(text: string): LintProblem[] {
  let parsed;
  try {
    parsed = parseJsonWithLines(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) return [{ file: 'schema.json', line: error.line, message: `not valid JSON: ${error.reason}` }];
    throw error;
  }
  const root = parsed.value;
  const problems: LintProblem[] = [];
  if (!isObject(root)) return [{ file: 'schema.json', line: 1, message: 'the schema must be an object' }];
  const report = (pointer: string, message: string): void => {
    problems.push({ file: 'schema.json', line: parsed.lines.get(pointer) ?? 1, message });
  };

  /** `labelled`: false for a list's items, which the list's own title and description name. */
  const visit = (raw: Node, pointer: string, field: string, depth: number, labelled = true): void => {
    if (depth > MAX_DEPTH) return;
    const node = resolved(raw, root);
    const named = field === '' ? 'the document' : field;
    if (!labelled) {
      // Only the bounds of an item matter; its fields (if any) are labelled as usual below.
    } else if (typeof node.title !== 'string' || node.title.trim() === '') report(pointer, `${named} has no "title": forms, Excel headers and messages name it by its title (in Chinese)`);
    if (labelled && (typeof node.description !== 'string' || node.description.trim() === '')) report(pointer, `${named} has no "description": say what it is, its unit and an example`);
    const type = typeOf(node);
    if ((type === 'number' || type === 'integer') && (typeof node.minimum !== 'number' && typeof node.exclusiveMinimum !== 'number')) {
      report(pointer, `${named} has no "minimum": bound every figure, so a typo cannot print as a page-wide number`);
    }
    if ((type === 'number' || type === 'integer') && typeof node.maximum !== 'number' && typeof node.exclusiveMaximum !== 'number') {
      report(pointer, `${named} has no "maximum": bound every figure, so a typo cannot print as a page-wide number`);
    }
    if (type === 'string' && node.enum === undefined && node.const === undefined && node.format === undefined && typeof node.maxLength !== 'number') {
      report(pointer, `${named} has no "maxLength": a text without one can push the page out of shape`);
    }
    if (type === 'array') {
      if (typeof node.maxItems !== 'number') report(pointer, `${named} has no "maxItems": a list without one can run the document past its page range`);
      if (isObject(node.items)) visit(node.items, `${pointer}/items`, `${field}[]`, depth + 1, false);
    }
    if (type === 'object' && isObject(node.properties)) {
      for (const [key, child] of Object.entries(node.properties)) {
        if (isObject(child)) visit(child, `${pointer}/properties/${escapePointerSegment(key)}`, field ? `${field}.${key}` : key, depth + 1);
      }
    }
  };
  visit(root, '', '', 0);
  return problems;
}
