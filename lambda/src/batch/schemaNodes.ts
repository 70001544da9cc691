/**
 * Walking a template's JSON Schema the way a spreadsheet needs it: follow local `$ref`s, tell what
 * type a node wants, find the node a dotted column names. Shared by the CSV row reader
 * (csvRowToData) and the column mapping (fieldColumns).
 */

export type SchemaNode = Readonly<Record<string, unknown>>;

const MAX_REF_DEPTH = 32;

/** List indexes in dotted columns: `investment.centralEnterprises.0`. */
export const INDEX = /^(0|[1-9]\d{0,5})$/;

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Follows local `$ref`s (`#/$defs/…`), merging the referring node's own keywords over the target. */
export function resolveRefs(node: unknown, root: SchemaNode, depth = 0): SchemaNode | undefined {
  if (!isObject(node)) return undefined;
  const ref = node.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#') || depth > MAX_REF_DEPTH) return node;
  let target: unknown = root;
  for (const part of ref.slice(1).split('/').filter(Boolean)) {
    const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
    target = isObject(target) ? target[key] : undefined;
  }
  const resolved = resolveRefs(target, root, depth + 1) ?? {};
  const { $ref: _ref, ...own } = node;
  return { ...resolved, ...own };
}

export function typesOf(node: SchemaNode): string[] {
  const type = node.type;
  if (typeof type === 'string') return [type];
  return Array.isArray(type) ? type.filter((t): t is string => typeof t === 'string') : [];
}

export function isListNode(node: SchemaNode): boolean {
  return typesOf(node).includes('array') || node.items !== undefined;
}

export function isGroupNode(node: SchemaNode): boolean {
  const types = typesOf(node);
  return types.includes('object') || (types.length === 0 && isObject(node.properties));
}

/** The schema of the field a path names (`['economy', 'gdp']`), or undefined when the schema has no such field. */
export function schemaAt(schema: SchemaNode, segments: readonly string[]): SchemaNode | undefined {
  let node = resolveRefs(schema, schema);
  for (const segment of segments) {
    if (!node) return undefined;
    if (isListNode(node)) {
      if (!INDEX.test(segment)) return undefined;
      const prefix = Array.isArray(node.prefixItems) ? node.prefixItems : [];
      node = resolveRefs(prefix[Number(segment)] ?? node.items, schema);
    } else {
      const properties = isObject(node.properties) ? node.properties : {};
      const child = Object.prototype.hasOwnProperty.call(properties, segment) ? properties[segment] : undefined;
      node = resolveRefs(child ?? (isObject(node.additionalProperties) ? node.additionalProperties : undefined), schema);
    }
  }
  return node;
}
