// Turns the strings of a query, path or header parameter into the typed value its schema describes.
// Why: HTTP carries only strings, while contracts declare integers, booleans and arrays with
// several serialisation styles (Swagger 2.0 `collectionFormat`, OpenAPI 3 `style`/`explode`).
// Coercion is deliberately narrow so a value a strict server would reject stays a string and
// then fails schema validation with a clear message.

export type ValueShape =
  | { kind: 'skip' }
  | { kind: 'scalar'; type: string | undefined }
  | { kind: 'array'; itemType: string | undefined; delimiter: string | undefined };

const INTEGER = /^[+-]?\d+$/;

export function coerceScalar(value: string, type: string | undefined): unknown {
  switch (type) {
    case 'integer':
      return INTEGER.test(value) ? Number(value) : value;
    case 'number': {
      const parsed = Number(value);
      return value.trim() !== '' && Number.isFinite(parsed) ? parsed : value;
    }
    case 'boolean': {
      const lower = value.toLowerCase();
      if (lower === 'true' || lower === '1') return true;
      if (lower === 'false' || lower === '0') return false;
      return value;
    }
    default:
      return value;
  }
}

/** `values` holds every occurrence of the parameter (repeated query keys); it is never empty. */
export function coerceParameter(values: readonly string[], shape: ValueShape): unknown {
  if (shape.kind === 'array') {
    const { delimiter, itemType } = shape;
    const items =
      delimiter === undefined ? values : values.flatMap((value) => value.split(delimiter));
    return items.map((item) => coerceScalar(item, itemType));
  }
  return coerceScalar(values[0] ?? '', shape.kind === 'scalar' ? shape.type : undefined);
}

/** Swagger 2.0 `collectionFormat` to a delimiter; `undefined` means the key repeats (`multi`). */
export function collectionDelimiter(format: unknown): string | undefined {
  switch (format) {
    case 'multi':
      return undefined;
    case 'ssv':
      return ' ';
    case 'tsv':
      return '\t';
    case 'pipes':
      return '|';
    default:
      return ',';
  }
}

/** OpenAPI 3 `style`/`explode` to a delimiter; `null` means the style is not supported (skip the check). */
export function styleDelimiter(
  location: string,
  style: unknown,
  explode: unknown,
): string | undefined | null {
  if (location === 'query') {
    const effectiveStyle = style ?? 'form';
    const exploded = explode ?? effectiveStyle === 'form';
    if (exploded === true) return effectiveStyle === 'deepObject' ? null : undefined;
    if (effectiveStyle === 'form') return ',';
    if (effectiveStyle === 'spaceDelimited') return ' ';
    if (effectiveStyle === 'pipeDelimited') return '|';
    return null;
  }
  if ((style ?? 'simple') === 'simple') return ',';
  return null;
}
