// Runbook templates: `{{labels.namespace}}` and friends in a runbook's titles and tool arguments,
// filled from the incident. Why its own module: the loader checks every template when a file is
// read (a typo is a load problem, not a surprise at 3 a.m.) and the matcher renders with the same
// grammar. A variable that is missing or empty is an error, never an empty or literal argument.

/** `{{ name }}` with optional spaces inside the braces. */
const TEMPLATE_RE = /\{\{\s*([^{}]*?)\s*\}\}/g;
const VARIABLE_RE = /^(?:alertname|severity|(?:labels|annotations|match)\.[A-Za-z_][A-Za-z0-9_]*)$/;

/** What a template can name, taken from the incident (and the trigger's named regex groups). */
export interface TemplateVariables {
  alertname?: string;
  severity?: string;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  /** Named groups captured by the trigger's regex conditions, e.g. `(?<workload>...)`. */
  match: Readonly<Record<string, string>>;
}

/** The variables a string's templates name, in order (e.g. ["labels.namespace", "alertname"]). */
export function templateVariables(text: string): string[] {
  return [...text.matchAll(TEMPLATE_RE)].map((m) => m[1] ?? '');
}

/** What is wrong with a string's templates: unknown variables and unpaired braces. */
export function templateProblems(text: string): string[] {
  const problems = templateVariables(text)
    .filter((name) => !VARIABLE_RE.test(name))
    .map(
      (name) =>
        `unknown template variable {{${name}}} (use alertname, severity, labels.<name>, annotations.<name> or match.<group>)`,
    );
  const rest = text.replace(TEMPLATE_RE, '');
  if (rest.includes('{{') || rest.includes('}}'))
    problems.push('unpaired {{ or }} (a template is written {{labels.name}})');
  return problems;
}

/** Thrown by the render functions; `path` names the field whose template could not be filled. */
export class TemplateError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(path ? `${path}: ${reason}` : reason);
    this.name = 'TemplateError';
  }
}

function lookup(name: string, vars: TemplateVariables): string | undefined {
  if (name === 'alertname') return vars.alertname;
  if (name === 'severity') return vars.severity;
  const dot = name.indexOf('.');
  const scope = name.slice(0, dot);
  const key = name.slice(dot + 1);
  const table =
    scope === 'labels' ? vars.labels : scope === 'annotations' ? vars.annotations : vars.match;
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Fills one string's templates; throws TemplateError when a variable is missing or empty. */
export function renderString(text: string, vars: TemplateVariables, path = ''): string {
  return text.replace(TEMPLATE_RE, (_whole, name: string) => {
    if (!VARIABLE_RE.test(name)) throw new TemplateError(path, `unknown variable {{${name}}}`);
    const value = lookup(name, vars);
    if (value === undefined)
      throw new TemplateError(path, `{{${name}}} is not set on this incident`);
    if (value === '') throw new TemplateError(path, `{{${name}}} is empty on this incident`);
    if (value.includes('{{') || value.includes('}}'))
      throw new TemplateError(path, `the value of {{${name}}} contains template braces`);
    return value;
  });
}

/** Fills the templates of every string at any depth of a JSON value (keys are left as written). */
export function renderDeep<T>(value: T, vars: TemplateVariables, path = ''): T {
  const at = (key: string | number) => (path ? `${path}.${key}` : String(key));
  if (typeof value === 'string') return renderString(value, vars, path) as T;
  if (Array.isArray(value)) return value.map((item, i) => renderDeep(item, vars, at(i))) as T;
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, renderDeep(item, vars, at(key))]),
    ) as T;
  return value;
}
