// Rewrites the OpenAPI schema dialects into plain JSON Schema that ajv understands, in place.
// Why: Swagger 2.0 and OpenAPI 3.0 schemas are not JSON Schema (`x-nullable`, `nullable`, boolean
// `exclusiveMinimum`, `type: file`), and real specs carry formats (int32, int-or-string, ...) and
// Go/.NET regex patterns that ajv would reject or warn about. Doing it once per loaded document
// keeps each lazily compiled validator simple.

export type SchemaDraft = 'draft-07' | '2020-12';

export interface DialectReport {
  /** Every `format` value seen, so unknown ones can be registered as "anything goes". */
  readonly formats: Set<string>;
  /** Patterns JavaScript cannot compile; they were removed so the rest of the schema still validates. */
  readonly droppedPatterns: string[];
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function makeNullable(node: JsonObject): void {
  delete node.nullable;
  delete node['x-nullable'];
  const type = node.type;
  if (typeof type === 'string') {
    node.type = [type, 'null'];
  } else if (Array.isArray(type)) {
    if (!type.includes('null')) type.push('null');
  } else {
    const inner: JsonObject = { ...node };
    for (const key of Object.keys(node)) delete node[key];
    node.anyOf = [{ type: 'null' }, inner];
    return;
  }
  if (Array.isArray(node.enum) && !node.enum.includes(null)) node.enum.push(null);
}

function convertBooleanExclusive(node: JsonObject, exclusiveKey: string, limitKey: string): void {
  const exclusive = node[exclusiveKey];
  if (typeof exclusive !== 'boolean') return;
  const limit = node[limitKey];
  if (exclusive && typeof limit === 'number') {
    node[exclusiveKey] = limit;
    delete node[limitKey];
  } else {
    delete node[exclusiveKey];
  }
}

function patternCompiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

function normalizeNode(node: JsonObject, draft: SchemaDraft, report: DialectReport): void {
  if (typeof node.format === 'string') report.formats.add(node.format);
  if (typeof node.pattern === 'string' && !patternCompiles(node.pattern)) {
    report.droppedPatterns.push(node.pattern);
    delete node.pattern;
  }
  if (node.type === 'file') delete node.type;
  if (draft === 'draft-07') {
    convertBooleanExclusive(node, 'exclusiveMinimum', 'minimum');
    convertBooleanExclusive(node, 'exclusiveMaximum', 'maximum');
  }
  if (node.nullable === true || node['x-nullable'] === true) makeNullable(node);
  else if (node.nullable === false || node['x-nullable'] === false) {
    delete node.nullable;
    delete node['x-nullable'];
  }
}

/**
 * Walks the whole document (children before parents) and rewrites every schema-like object.
 * Non-schema objects are left alone in practice: the rewritten keys only occur in schemas.
 */
export function normalizeSchemaDialect(document: unknown, draft: SchemaDraft): DialectReport {
  const report: DialectReport = { formats: new Set(), droppedPatterns: [] };
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (isObject(value)) {
      for (const child of Object.values(value)) visit(child);
      normalizeNode(value, draft, report);
    }
  };
  visit(document);
  return report;
}
