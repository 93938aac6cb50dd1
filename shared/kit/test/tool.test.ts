import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { annotationProblems, defineTool, defineToolset } from '../src/tool.js';

const base = {
  title: 'T',
  description: 'A tool for tests.',
  input: z.object({}),
  output: z.object({}),
  handler: () => ({}),
};

describe('defineTool', () => {
  it('refuses inconsistent metadata at load time', () => {
    expect(() =>
      defineTool({
        ...base,
        name: 'Bad-Name',
        risk: 'read',
        annotations: {
          readOnlyHint: true,
          destructiveHint: false,
          idempotentHint: true,
          openWorldHint: true,
        },
      }),
    ).toThrow(/must match/);
    expect(() =>
      defineTool({
        ...base,
        name: 'x',
        risk: 'read',
        annotations: {
          readOnlyHint: true,
          destructiveHint: true,
          idempotentHint: true,
          openWorldHint: true,
        },
      }),
    ).toThrow(/read-only tool cannot be destructive/);
    expect(() =>
      defineTool({
        ...base,
        name: 'x',
        risk: 'low',
        annotations: {
          readOnlyHint: false,
          destructiveHint: true,
          idempotentHint: true,
          openWorldHint: true,
        },
      }),
    ).toThrow(/must have risk "high"/);
    expect(() =>
      defineTool({
        ...base,
        name: 'x',
        risk: 'read',
        annotations: {
          readOnlyHint: false,
          destructiveHint: false,
          idempotentHint: true,
          openWorldHint: true,
        },
      }),
    ).toThrow(/does not match readOnlyHint/);
  });

  it('adds dryRun to mutating tools only, and refuses a hand-written one', () => {
    const write = defineTool({
      ...base,
      name: 'w',
      risk: 'low',
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: true,
      },
    });
    expect(Object.keys(write.input.shape)).toEqual(['dryRun']);
    expect(write.mutating).toBe(true);
    const read = defineTool({
      ...base,
      name: 'r',
      risk: 'read',
      annotations: {
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: true,
      },
    });
    expect(Object.keys(read.input.shape)).toEqual([]);
    expect(() =>
      defineTool({
        ...base,
        input: z.object({ dryRun: z.boolean() }),
        name: 'w2',
        risk: 'low',
        annotations: {
          readOnlyHint: false,
          destructiveHint: false,
          idempotentHint: true,
          openWorldHint: true,
        },
      }),
    ).toThrow(/dryRun is added by the kit/);
  });

  it('checks annotations that are missing at run time (untyped callers)', () => {
    expect(annotationProblems('x', { readOnlyHint: true } as never, 'read')).toEqual([
      'annotation destructiveHint is missing',
      'annotation idempotentHint is missing',
      'annotation openWorldHint is missing',
    ]);
  });

  it('validates toolset names', () => {
    expect(() => defineToolset({ name: 'Bad Set', description: 'x', tools: [] })).toThrow(
      /must match/,
    );
  });
});
