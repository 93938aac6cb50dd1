// Reads runbooks/*.yaml into validated runbooks. Every file is untrusted input: one bad file (bad
// YAML, an unknown key, a wrong value, a duplicate id) becomes a problem naming the file and the
// field, and every other file still loads. Nothing here throws on file content.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { runbookSchema, type Runbook } from './schema.js';

export interface RunbookProblem {
  /** File name inside the runbook folder (the folder itself when it cannot be read). */
  file: string;
  /** Dotted path of the field, e.g. solutions.0.risk ('' for the whole file). */
  path: string;
  message: string;
}

export interface LoadedRunbooks {
  runbooks: Runbook[];
  problems: RunbookProblem[];
  /** The file each loaded runbook came from, by runbook id. */
  files: ReadonlyMap<string, string>;
}

const MAX_FILE_BYTES = 256 * 1024;
const MAX_DEPTH = 32;
const MAX_YAML_ALIASES = 100;
const FILE_RE = /\.ya?ml$/i;

type Path = ReadonlyArray<PropertyKey>;
type Issue = z.core.$ZodIssue;

/** `radarr.yaml: solutions.0.risk: expected one of read|low|high` */
export function formatProblem(problem: RunbookProblem): string {
  return [problem.file, problem.path, problem.message].filter(Boolean).join(': ');
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function joinPath(path: Path): string {
  return path.map(String).join('.');
}

/** Picks the branch of a failed union that best explains the input; undefined when none does. */
function bestBranch(branches: Issue[][]): Issue[] | undefined {
  const unknownKeys = (branch: Issue[]) =>
    branch.reduce(
      (n, i) => n + (i.code === 'unrecognized_keys' && i.path.length === 0 ? i.keys.length : 0),
      0,
    );
  const onlyUnknown = (branch: Issue[]) =>
    branch.every((i) => i.code === 'unrecognized_keys' && i.path.length === 0);
  if (branches.every(onlyUnknown)) return undefined;
  return [...branches].sort((a, b) => unknownKeys(a) - unknownKeys(b) || a.length - b.length)[0];
}

function bound(issue: { origin: string; inclusive?: boolean }, limit: unknown, low: boolean) {
  const unit = issue.origin === 'string' ? ' character' : issue.origin === 'array' ? ' item' : '';
  const what = unit && limit !== 1 ? `${unit}s` : unit;
  if (issue.origin === 'string' && low && limit === 1) return 'must not be empty';
  const word = low
    ? issue.inclusive
      ? 'at least'
      : 'more than'
    : issue.inclusive
      ? 'at most'
      : 'less than';
  return `expected ${word} ${String(limit)}${what}`;
}

/** zod issues as problems with plain messages ("expected one of read|low|high", "unknown key"). */
function describeIssues(
  issues: readonly Issue[],
  prefix: Path = [],
): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys)
          out.push({ path: joinPath([...path, key]), message: 'unknown key' });
        break;
      case 'invalid_value':
        out.push({
          path: joinPath(path),
          message:
            issue.values.length === 1
              ? `expected ${String(issue.values[0])}`
              : `expected one of ${issue.values.map(String).join('|')}`,
        });
        break;
      case 'invalid_type':
        out.push({
          path: joinPath(path),
          message:
            issue.input === undefined
              ? 'required'
              : `expected ${issue.expected === 'int' ? 'an integer' : issue.expected}, got ${kind(issue.input)}`,
        });
        break;
      case 'too_small':
        out.push({ path: joinPath(path), message: bound(issue, issue.minimum, true) });
        break;
      case 'too_big':
        out.push({ path: joinPath(path), message: bound(issue, issue.maximum, false) });
        break;
      case 'invalid_key':
        out.push(
          ...describeIssues(issue.issues, []).map((d) => ({
            path: joinPath(path),
            message: `invalid key: ${d.message}`,
          })),
        );
        break;
      case 'invalid_union': {
        const types = issue.errors.map((branch) =>
          branch.length === 1 && branch[0]?.code === 'invalid_type' && branch[0].path.length === 0
            ? branch[0]
            : undefined,
        );
        if (types.every((t) => t !== undefined) && issue.input !== undefined) {
          const expected = [...new Set(types.map((t) => t.expected))];
          out.push({
            path: joinPath(path),
            message: `expected ${expected.join(' or ')}, got ${kind(issue.input)}`,
          });
          break;
        }
        const branch = bestBranch(issue.errors);
        if (branch) out.push(...describeIssues(branch, path));
        else out.push({ path: joinPath(path), message: issue.message });
        break;
      }
      default:
        out.push({ path: joinPath(path), message: issue.message });
    }
  }
  return out;
}

/** Structural checks zod cannot see: keys that would be dropped silently, absurd nesting. */
function shapeProblems(
  value: unknown,
  path: Path,
  depth: number,
): Array<{ path: string; message: string }> {
  if (value === null || typeof value !== 'object') return [];
  if (depth > MAX_DEPTH)
    return [{ path: joinPath(path), message: `nested deeper than ${MAX_DEPTH} levels` }];
  const problems: Array<{ path: string; message: string }> = [];
  for (const [key, item] of Object.entries(value)) {
    if (key === '__proto__')
      problems.push({ path: joinPath([...path, key]), message: 'reserved key __proto__' });
    problems.push(...shapeProblems(item, [...path, key], depth + 1));
  }
  return problems;
}

/** Parses and validates one runbook file's text; `file` only names it in problems. */
export function parseRunbook(
  text: string,
  file: string,
): { runbook?: Runbook; problems: RunbookProblem[] } {
  const fail = (found: Array<{ path: string; message: string }>) => ({
    problems: found.map((p) => ({ file, ...p })),
  });
  let data: unknown;
  try {
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, schema: 'core' });
    if (doc.errors.length > 0)
      return fail(
        doc.errors.slice(0, 5).map((e) => ({
          path: '',
          message: `invalid YAML: ${e.message.split('\n')[0] ?? e.code}`,
        })),
      );
    data = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    return fail([{ path: '', message: `invalid YAML: ${(error as Error).message}` }]);
  }
  if (data === null || data === undefined)
    return fail([{ path: '', message: 'the file is empty' }]);
  const shape = shapeProblems(data, [], 0);
  if (shape.length > 0) return fail(shape);
  try {
    const result = runbookSchema.safeParse(data, { reportInput: true });
    if (!result.success) return fail(describeIssues(result.error.issues));
    return { runbook: result.data, problems: [] };
  } catch (error) {
    return fail([{ path: '', message: `could not be validated: ${(error as Error).message}` }]);
  }
}

/**
 * Loads every *.yaml / *.yml file of a folder (not its subfolders), in file name order. A runbook
 * whose id an earlier file already used is dropped with a problem.
 */
export function loadRunbooks(dir: string): LoadedRunbooks {
  const runbooks: Runbook[] = [];
  const problems: RunbookProblem[] = [];
  const files = new Map<string, string>();
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => FILE_RE.test(entry.name) && (entry.isFile() || entry.isSymbolicLink()))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    problems.push({
      file: dir,
      path: '',
      message: `cannot read the runbook folder: ${(error as Error).message}`,
    });
    return { runbooks, problems, files };
  }
  for (const name of names) {
    let text: string;
    try {
      const stat = statSync(join(dir, name));
      if (!stat.isFile()) continue;
      if (stat.size > MAX_FILE_BYTES) {
        problems.push({ file: name, path: '', message: `larger than ${MAX_FILE_BYTES} bytes` });
        continue;
      }
      text = readFileSync(join(dir, name), 'utf8');
    } catch (error) {
      problems.push({ file: name, path: '', message: `cannot read: ${(error as Error).message}` });
      continue;
    }
    const parsed = parseRunbook(text, name);
    problems.push(...parsed.problems);
    if (!parsed.runbook) continue;
    const first = files.get(parsed.runbook.id);
    if (first !== undefined) {
      problems.push({
        file: name,
        path: 'id',
        message: `duplicate id ${parsed.runbook.id} (already used by ${first}); this file is ignored`,
      });
      continue;
    }
    files.set(parsed.runbook.id, name);
    runbooks.push(parsed.runbook);
  }
  return { runbooks, problems, files };
}
