// The owner's YAML files (scheduled queries, maintenance windows) read one way: size-capped,
// parsed strictly (duplicate keys, alias bombs), validated by zod, and refused with one message
// that names the file, the item (its index and id) and the field, so a typo is fixed in one go.
// Also the field types both files share (a time zone name).
import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from '@homelab/kit';
import { parseDocument } from 'yaml';
import { z } from 'zod';

const MAX_FILE_BYTES = 1024 * 1024;

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone name (Europe/Berlin, UTC), checked against the runtime's zone database. */
export const timeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine(isTimeZone, { error: (issue) => `unknown time zone ${JSON.stringify(issue.input)}` });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `queries[1] (id "security-review").schedule`: where an issue is, in the words of the file. */
export function describeYamlPath(data: unknown, path: readonly PropertyKey[]): string {
  let text = '';
  let node: unknown = data;
  for (const key of path) {
    if (typeof key === 'number') {
      text += `[${key}]`;
      node = Array.isArray(node) ? node[key] : undefined;
      for (const field of ['id', 'name']) {
        const label = isRecord(node) ? node[field] : undefined;
        if (typeof label === 'string' && label.length > 0 && label.length <= 80) {
          text += ` (${field} ${JSON.stringify(label)})`;
          break;
        }
      }
    } else {
      text += `${text ? '.' : ''}${String(key)}`;
      node = isRecord(node) ? node[String(key)] : undefined;
    }
  }
  return text || '(top level)';
}

/** Parses YAML text named `file`; throws a ConfigError naming every problem (at most 10). */
export function parseYamlConfig<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
): z.output<S> {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors
      .slice(0, 3)
      .map((e) => (e.message.split('\n')[0] ?? '').replace(/:$/, ''));
    throw new ConfigError(`${file}: not valid YAML: ${problems.join('; ')}`);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError(`${file}: not usable YAML: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 10)
      .map((issue) => `${describeYamlPath(data, issue.path)}: ${issue.message}`);
    throw new ConfigError(`${file}: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** Reads and parses a YAML file; a missing, unreadable or oversized file is a ConfigError. */
export function loadYamlConfig<S extends z.ZodType>(path: string, schema: S): z.output<S> {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_FILE_BYTES)
      throw new ConfigError(`${path}: ${size} bytes, more than the ${MAX_FILE_BYTES} accepted`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(`${path}: cannot read the file (${code})`, {
      hint: 'Check the path and that the orchestrator may read it.',
    });
  }
  return parseYamlConfig(text, path, schema);
}
