// Dry-run support: the before/after diff every mutating tool returns, so an approval shows the
// exact change, and the common output shape of mutating tools.
import { z } from 'zod';

export interface Change {
  /** Dotted path of the changed value, e.g. "spec.replicas". */
  path: string;
  before: unknown;
  after: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Leaf-level differences between two JSON values; arrays compare element by element. */
export function diffValues(before: unknown, after: unknown, path = ''): Change[] {
  if (Object.is(before, after)) return [];
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys]
      .sort()
      .flatMap((key) => diffValues(before[key], after[key], path ? `${path}.${key}` : key));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    const changes: Change[] = [];
    for (let i = 0; i < length; i++)
      changes.push(...diffValues(before[i], after[i], `${path}[${i}]`));
    return changes;
  }
  return [{ path: path || '(value)', before, after }];
}

export const changeSchema = z.object({
  path: z.string().describe('What changes, as a dotted path'),
  before: z.unknown().describe('Value before the change (absent when created)'),
  after: z.unknown().describe('Value after the change (absent when removed)'),
});

/** Output of every mutating tool: whether it applied, a one-line summary and the diff, plus tool fields. */
export function mutationOutput<S extends z.ZodRawShape>(extra: S) {
  return z.object({
    dryRun: z.boolean().describe('True when nothing was changed: this is a preview'),
    applied: z.boolean().describe('True when the change was made'),
    summary: z.string().describe('One line describing the change'),
    changes: z.array(changeSchema).describe('Exact before/after values'),
    ...extra,
  });
}
