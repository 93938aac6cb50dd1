// Reading a Renovate pull request (specs/renovate-pr-body.md): is it one of Renovate's (branch
// prefix `renovate/` or its debug trailer), and which packages does it update, from and to which
// version. Renovate's body is configurable, so the parser looks for the Markdown table with a
// Package column rather than exact prose, and takes whatever columns it finds.

export type UpdateType = 'major' | 'minor' | 'patch';

export interface RenovatePackage {
  package: string;
  from?: string;
  to?: string;
  /** The table's Update column as written (major, minor, patch, digest, pin, ...). */
  update?: string;
  /** major/minor/patch: from the Update column, or inferred from the versions. */
  updateType?: UpdateType;
  /** The table's Type column (dependencies, devDependencies, ...), when present. */
  depType?: string;
}

const DEBUG_MARKER = '<!--renovate-debug:';
const MAX_ROWS = 200;
const MAX_CELL = 500;

/** Renovate recognises its own PRs by branch prefix and debug trailer, not by author. */
export function isRenovatePullRequest(pr: { headRef: string; body: string | null | undefined }) {
  return pr.headRef.startsWith('renovate/') || (pr.body ?? '').includes(DEBUG_MARKER);
}

function cells(line: string): string[] {
  let text = line.trim();
  if (text.startsWith('|')) text = text.slice(1);
  if (text.endsWith('|') && !text.endsWith('\\|')) text = text.slice(0, -1);
  return text.split(/(?<!\\)\|/).map((c) => c.replace(/\\\|/g, '|').trim());
}

const SEPARATOR = /^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?$/;

/** Markdown to plain text: the first link's text, no code ticks, tags, emphasis or trailing "(...)". */
function plain(cell: string): string {
  let text = cell.slice(0, MAX_CELL);
  const link = /^\s*\[([^\]]*)\]\([^)]*\)/.exec(text);
  if (link) text = link[1] ?? '';
  return text
    .replace(/<[^>]*>/g, '')
    .replace(/[`*]/g, '')
    .replace(/\s*\(.*\)\s*$/, '')
    .trim();
}

function version(cell: string | undefined): string | undefined {
  const text = cell
    ?.replace(/<[^>]*>/g, '')
    .replace(/`/g, '')
    .trim();
  return text ? text.slice(0, 200) : undefined;
}

function numbers(v: string | undefined): number[] | undefined {
  const match = /^[\^~>=<\s]*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(v ?? '');
  if (!match) return undefined;
  return [match[1], match[2], match[3]].map((n) => Number(n ?? 0));
}

/** major/minor/patch from two versions, when both read as numbers. */
export function inferUpdateType(
  from: string | undefined,
  to: string | undefined,
): UpdateType | undefined {
  const a = numbers(from);
  const b = numbers(to);
  if (!a || !b) return undefined;
  if (a[0] !== b[0]) return 'major';
  if (a[1] !== b[1]) return 'minor';
  if (a[2] !== b[2]) return 'patch';
  return undefined;
}

/** The packages of the body's update table (empty when there is none). */
export function parseRenovateBody(body: string): RenovatePackage[] {
  const lines = body
    .replace(/\r\n?/g, '\n')
    .replace(/&#8203;|\u200b|\u200c|\u200d|\ufeff/g, '')
    .split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const header = lines[i]?.trim() ?? '';
    if (!header.startsWith('|') || !SEPARATOR.test(lines[i + 1]?.trim() ?? '')) continue;
    const columns = cells(header).map((c) => plain(c).toLowerCase());
    const col = (name: string) => {
      const index = columns.indexOf(name);
      return index >= 0 ? index : undefined;
    };
    const packageCol = col('package');
    if (packageCol === undefined) continue;
    const packages: RenovatePackage[] = [];
    for (let j = i + 2; j < lines.length && packages.length < MAX_ROWS; j++) {
      const line = lines[j]?.trim() ?? '';
      if (!line.startsWith('|')) break;
      const row = cells(line);
      const at = (index: number | undefined) => (index === undefined ? undefined : row[index]);
      const name = plain(at(packageCol) ?? '');
      if (!name) continue;
      const change = at(col('change'))?.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
      const [fromText, toText] = change?.includes('→')
        ? change.split('→')
        : change?.includes('->')
          ? change.split('->')
          : [undefined, change];
      const from = version(fromText) ?? version(at(col('current value')));
      const to = version(toText) ?? version(at(col('new value')));
      const update = version(at(col('update')))?.toLowerCase();
      const depType = version(at(col('type')));
      const stated = (['major', 'minor', 'patch'] as const).find((t) => t === update);
      const updateType = stated ?? inferUpdateType(from, to);
      packages.push({
        package: name,
        ...(from ? { from } : {}),
        ...(to ? { to } : {}),
        ...(update ? { update } : {}),
        ...(updateType ? { updateType } : {}),
        ...(depType ? { depType } : {}),
      });
    }
    return packages;
  }
  return [];
}
