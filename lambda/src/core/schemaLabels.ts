/**
 * Field labels from a template's JSON Schema: the Chinese `title` a clerk knows a field by, found
 * by the JSON pointer an error is located at. Used for validation messages (TemplateStore) and
 * for the reasons a bound volume's cover gives (batch/finishBatch.ts); kept apart from
 * TemplateStore so the latter does not load Ajv where only a label is wanted.
 */

export type SchemaNode = { title?: unknown; properties?: Record<string, SchemaNode>; items?: SchemaNode };

/**
 * The Chinese label of the field at a JSON pointer, looked up in the template's own schema.
 * Ajv reports the schema that failed, which for a shared `$defs` type (money, rate, name) has no
 * title: the label sits on the property that refers to it.
 */
export function labelAt(root: SchemaNode, pointer: string): string | undefined {
  let node: SchemaNode | undefined = root;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = /^\d+$/.test(segment) && node?.items ? node.items : node?.properties?.[segment];
  }
  return typeof node?.title === 'string' ? node.title : undefined;
}
