// Path templates: the one syntax used by simulator routes, contract paths and fault matches.
// Why its own module: OpenAPI writes parameters as `{name}` (also inside a segment, e.g. Plex's
// `/{transcodeType}/:/transcode/universal/start.{extension}`), and Plex has literal colons in its
// paths (`/:/prefs`), so express-style `:id` cannot be used. Routes therefore use `{name}` too.

export interface PathTemplate {
  /** The template as written, e.g. `/api/v2/silence/{silenceID}`. */
  readonly template: string;
  /** The template with every parameter name blanked (`/api/v2/silence/{}`): equal shapes match the same paths. */
  readonly shape: string;
  readonly paramNames: readonly string[];
  /** Characters outside parameters; more literal text means a more specific template. */
  readonly literalLength: number;
  readonly regex: RegExp;
}

const PARAMETER = /\{([^{}/]+)\}/g;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function compilePathTemplate(template: string): PathTemplate {
  const paramNames: string[] = [];
  let pattern = '';
  let literalLength = 0;
  let last = 0;
  for (const found of template.matchAll(PARAMETER)) {
    const literal = template.slice(last, found.index);
    pattern += escapeRegex(literal) + '([^/]+)';
    literalLength += literal.length;
    paramNames.push(found[1] ?? '');
    last = found.index + found[0].length;
  }
  const tail = template.slice(last);
  pattern += escapeRegex(tail);
  literalLength += tail.length;
  return {
    template,
    shape: template.replace(PARAMETER, '{}'),
    paramNames,
    literalLength,
    regex: new RegExp(`^${pattern}$`),
  };
}

function decodeSegment(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The decoded path parameters when `path` (raw, percent-encoded) fits the template, else undefined. */
export function matchPathTemplate(
  template: PathTemplate,
  path: string,
): Record<string, string> | undefined {
  const found = template.regex.exec(path);
  if (!found) return undefined;
  const params: Record<string, string> = {};
  template.paramNames.forEach((name, index) => {
    params[name] = decodeSegment(found[index + 1] ?? '');
  });
  return params;
}

/** Sort order that tries concrete templates first (`/users/me` before `/users/{id}`), as OpenAPI requires. */
export function moreSpecificFirst(a: PathTemplate, b: PathTemplate): number {
  return a.paramNames.length - b.paramNames.length || b.literalLength - a.literalLength;
}
