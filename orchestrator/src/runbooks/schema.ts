// The runbook format, as one strict zod schema: the loader validates every YAML file with it and
// runbooks/schema.json (JSON Schema 2020-12, for editors and reviewers) is generated from it, so
// the two can never disagree. Strict objects everywhere: an unknown key is a typo until proven
// otherwise. Checks JSON Schema cannot express (regexes compile, templates name known variables,
// solution ids are unique) are refinements here: editors do not see them, the loader does.
import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from './duration.js';
import { templateProblems, templateVariables } from './render.js';

const ID_RE = /^[a-z0-9][a-z0-9-]*$/;
const SOLUTION_ID_RE = /^[a-z0-9][a-z0-9_-]*$/;
const TOOL_RE = /^[a-z0-9][a-z0-9-]*__[a-z][a-z0-9_]*$/;
const LABEL_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const GROUP_RE = /\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g;
const MAX_DURATION_MS = 30 * 86_400_000;
/** Keys that would reach an object's prototype if a consumer assigned them. */
const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
/** Deepest nesting allowed in a call's arguments. */
const MAX_ARGUMENT_DEPTH = 8;
const MAX_PATTERN_LENGTH = 256;

type Path = Array<string | number>;

/** `~regex` (anchored, JavaScript syntax with the u flag) or an exact value. */
export function compileMatcher(value: string): RegExp | undefined {
  return value.startsWith('~') ? new RegExp(`^(?:${value.slice(1)})$`, 'u') : undefined;
}

/** Named groups `(?<name>...)` a `~regex` matcher captures (none for an exact value). */
export function matcherGroups(value: string): string[] {
  return value.startsWith('~') ? [...value.matchAll(GROUP_RE)].map((m) => m[1] ?? '') : [];
}

const duration = z
  .string()
  .regex(new RegExp(DURATION_PATTERN), {
    error: 'expected a duration like 90s, 30m, 1h or 1h30m',
    abort: true,
  })
  .refine((text) => {
    const ms = parseDuration(text);
    return ms !== undefined && ms > 0 && ms <= MAX_DURATION_MS;
  }, 'expected a duration above 0 and at most 30d');

const templated = (max: number, min = 1) =>
  z
    .string()
    .min(min)
    .max(max)
    .superRefine((text, ctx) => {
      for (const message of templateProblems(text)) ctx.addIssue({ code: 'custom', message });
    });

function regexProblem(value: string, ctx: z.RefinementCtx): void {
  try {
    compileMatcher(value);
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `invalid regular expression: ${(error as Error).message}`,
    });
  }
}

const matcher = z
  .string()
  .min(1)
  .max(MAX_PATTERN_LENGTH)
  .superRefine(regexProblem)
  .describe('An exact value, or ~regex (anchored: the whole value must match)');

/** Walks a call's arguments: templates, reserved keys and depth, each reported at its path. */
function checkArguments(value: unknown, path: Path, depth: number, ctx: z.RefinementCtx): void {
  if (typeof value === 'string') {
    for (const message of templateProblems(value)) ctx.addIssue({ code: 'custom', message, path });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (depth > MAX_ARGUMENT_DEPTH) {
    ctx.addIssue({
      code: 'custom',
      message: `nested deeper than ${MAX_ARGUMENT_DEPTH} levels`,
      path,
    });
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (RESERVED_KEYS.has(key))
      ctx.addIssue({ code: 'custom', message: `reserved key ${key}`, path: [...path, key] });
    checkArguments(item, [...path, key], depth + 1, ctx);
  }
}

const toolArguments = z
  .record(z.string().min(1).max(100), z.json())
  .superRefine((args, ctx) => checkArguments(args, [], 1, ctx))
  .describe('Arguments as the tool inputSchema expects; strings may hold {{templates}}');

const call = z
  .strictObject({
    tool: z
      .string()
      .regex(TOOL_RE, 'expected a namespaced tool name like infrastructure__restart_deployment')
      .describe('Namespaced tool: <server>__<tool>'),
    arguments: toolArguments.default({}),
  })
  .superRefine((value, ctx) => {
    if (Object.hasOwn(value.arguments, 'dryRun'))
      ctx.addIssue({
        code: 'custom',
        message: 'dryRun is set by the orchestrator (for previews), not by a runbook',
        path: ['arguments', 'dryRun'],
      });
  });

const expectation = z
  .strictObject({
    path: z
      .string()
      .regex(
        /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/,
        'expected a dotted path like replicas.ready or conditions.0.status',
      )
      .describe("Dotted path into the tool's structuredContent; numbers index arrays"),
    equals: z
      .union([templated(500, 0), z.number(), z.boolean(), z.null()])
      .optional()
      .describe('The value must equal this'),
    at_least: z.number().optional().describe('The value must be a number >= this'),
    at_most: z.number().optional().describe('The value must be a number <= this'),
    matches: z
      .string()
      .min(1)
      .max(MAX_PATTERN_LENGTH)
      .superRefine((value, ctx) => {
        try {
          new RegExp(value);
        } catch (error) {
          ctx.addIssue({
            code: 'custom',
            message: `invalid regular expression: ${(error as Error).message}`,
          });
        }
      })
      .optional()
      .describe('A regex found in the value (unanchored: write ^...$ for all of it)'),
  })
  .superRefine((value, ctx) => {
    const operators = (['equals', 'at_least', 'at_most', 'matches'] as const).filter((key) =>
      Object.hasOwn(value, key),
    );
    if (operators.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: `expected exactly one of equals, at_least, at_most, matches (got ${
          operators.length === 0 ? 'none' : operators.join(', ')
        })`,
      });
  })
  .meta({
    oneOf: ['equals', 'at_least', 'at_most', 'matches'].map((key) => ({ required: [key] })),
  });

const verify = z
  .xor(
    [
      z
        .strictObject({
          alert_resolved: duration.describe('The triggering alert must resolve within this'),
        })
        .describe('Passed when the incident resolves within the duration'),
      z
        .strictObject({
          tool: call.shape.tool.describe('A read-only tool to read the result back with'),
          arguments: toolArguments.default({}),
          expect: expectation,
          within: duration
            .optional()
            .describe('Read back until the expectation holds, at most this long (default 15m)'),
        })
        .describe("Passed when the tool's answer meets `expect`"),
    ],
    {
      error:
        'expected either alert_resolved, or tool, arguments, expect (and within), not a mix of both',
    },
  )
  .describe('How to tell the fix worked');

const riskSchema = z.enum(['read', 'low', 'high']);
const blastRadiusSchema = z.enum(['single_pod', 'single_workload', 'namespace', 'cluster']);

const solution = z
  .strictObject({
    id: z
      .string()
      .max(64)
      .regex(SOLUTION_ID_RE, 'expected lower case letters, digits, _ and -')
      .describe('Unique within the runbook, e.g. increase_memory'),
    title: templated(200).describe('One line an approver reads, e.g. Raise the memory limit'),
    action: z.string().max(100).optional().describe("The seed's action name (documentation)"),
    impact: templated(500).describe('What the owner should expect: downtime, side effects'),
    risk: riskSchema.describe('read (changes nothing), low, or high'),
    reversible: z.boolean().describe('Whether the change can be undone'),
    calls: z.array(call).min(1).max(20).describe('Tool calls made in order once approved'),
    rollback: z.array(call).min(1).max(20).optional().describe('Calls that undo this solution'),
    verify: verify.optional(),
    human_selected: z
      .int()
      .min(0)
      .max(1_000_000)
      .default(0)
      .describe('Times a person chose this (kept by the learn stage)'),
    success_rate: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('Share of executions that passed verification (kept by the learn stage)'),
  })
  .superRefine((value, ctx) => {
    if (value.rollback && !value.reversible)
      ctx.addIssue({
        code: 'custom',
        message: 'rollback calls are given but reversible is false',
        path: ['rollback'],
      });
  });

const trigger = z
  .strictObject({
    source: z.enum(['alertmanager', 'coroot']).optional().describe('Where the incident came from'),
    alertname: matcher.optional().describe('The alertname, exact or ~regex'),
    labels: z
      .record(
        z.string().regex(LABEL_NAME_RE, 'expected a label name like namespace or pod'),
        matcher,
      )
      .optional()
      .describe("Labels the incident's alerts share, each exact or ~regex"),
    metric: z.string().max(500).optional().describe("The seed's metric (documentation only)"),
    condition: z.string().max(200).optional().describe("The seed's condition (documentation only)"),
    duration: z.string().max(50).optional().describe("The seed's duration (documentation only)"),
  })
  .superRefine((value, ctx) => {
    if (value.alertname === undefined && Object.keys(value.labels ?? {}).length === 0)
      ctx.addIssue({
        code: 'custom',
        message: 'expected alertname or at least one label: a trigger must not match everything',
      });
  })
  .meta({ anyOf: [{ required: ['alertname'] }, { required: ['labels'] }] })
  .describe('All the conditions given must hold');

/** Every string of a runbook that may hold templates, with its path. */
function templatedStrings(runbook: {
  title: string;
  solutions: Array<z.output<typeof solution>>;
}): Array<{ path: Path; text: string }> {
  const found: Array<{ path: Path; text: string }> = [];
  const walk = (value: unknown, path: Path) => {
    if (typeof value === 'string') found.push({ path, text: value });
    else if (value !== null && typeof value === 'object')
      for (const [key, item] of Object.entries(value)) walk(item, [...path, key]);
  };
  found.push({ path: ['title'], text: runbook.title });
  runbook.solutions.forEach((s, i) => {
    const at: Path = ['solutions', i];
    found.push({ path: [...at, 'title'], text: s.title });
    found.push({ path: [...at, 'impact'], text: s.impact });
    s.calls.forEach((c, j) => walk(c.arguments, [...at, 'calls', j, 'arguments']));
    s.rollback?.forEach((c, j) => walk(c.arguments, [...at, 'rollback', j, 'arguments']));
    if (s.verify && 'tool' in s.verify) {
      walk(s.verify.arguments, [...at, 'verify', 'arguments']);
      walk(s.verify.expect.equals, [...at, 'verify', 'expect', 'equals']);
    }
  });
  return found;
}

export const runbookSchema = z
  .strictObject({
    id: z
      .string()
      .max(100)
      .regex(ID_RE, 'expected lower case letters, digits and -')
      .describe('Unique across all runbook files, e.g. radarr-memory-pressure-001'),
    title: templated(200).describe('What the problem is, in one line'),
    description: z.string().max(4000).optional().describe('Free-text notes for people'),
    created: z.iso.date({ error: 'expected a date like 2025-12-21' }).describe('YYYY-MM-DD'),
    trigger,
    solutions: z
      .array(solution)
      .min(1)
      .max(9)
      .describe('Numbered 1..9 in this order when proposed'),
    automation_level: z
      .enum(['ask_human', 'auto'])
      .default('ask_human')
      .describe('auto: promoted, runs without asking; ask_human: every run needs an approval'),
    approval_ttl: duration
      .default('1h')
      .describe(
        'How long a proposal from this runbook waits for an answer; then it expires and nothing is done',
      ),
    promotion_criteria: z
      .strictObject({
        min_approvals: z.int().min(1).max(1000).default(5),
        min_success_rate: z.number().min(0).max(1).default(0.95),
        blast_radius: blastRadiusSchema.describe('What a wrong action could affect at most'),
      })
      .describe('When the learn stage may promote this runbook to auto'),
  })
  .superRefine((runbook, ctx) => {
    const seen = new Map<string, number>();
    runbook.solutions.forEach((s, i) => {
      const first = seen.get(s.id);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          message: `duplicate solution id ${s.id} (also solutions.${first})`,
          path: ['solutions', i, 'id'],
        });
      else seen.set(s.id, i);
    });

    const groups = new Map<string, string>();
    const conditions: Array<[Path, string]> = [
      ...(runbook.trigger.alertname !== undefined
        ? [[['trigger', 'alertname'], runbook.trigger.alertname] as [Path, string]]
        : []),
      ...Object.entries(runbook.trigger.labels ?? {}).map(
        ([name, value]) => [['trigger', 'labels', name], value] as [Path, string],
      ),
    ];
    for (const [path, value] of conditions)
      for (const group of matcherGroups(value)) {
        const other = groups.get(group);
        if (other !== undefined)
          ctx.addIssue({
            code: 'custom',
            message: `regex group ${group} is also captured by ${other}`,
            path,
          });
        else groups.set(group, path.join('.'));
      }

    for (const { path, text } of templatedStrings(runbook))
      for (const name of templateVariables(text))
        if (name.startsWith('match.') && !groups.has(name.slice('match.'.length)))
          ctx.addIssue({
            code: 'custom',
            message: `{{${name}}} names no (?<${name.slice('match.'.length)}>...) group of the trigger`,
            path,
          });
  })
  .meta({
    title: 'Homelab agent runbook',
    description:
      'A known problem (trigger) and its fixes (solutions of tool calls), matched without a model.',
  });

export type Runbook = z.output<typeof runbookSchema>;
export type RunbookSolution = Runbook['solutions'][number];
export type RunbookTrigger = Runbook['trigger'];
export type RunbookCall = RunbookSolution['calls'][number];
export type RunbookVerify = NonNullable<RunbookSolution['verify']>;
export type RunbookExpectation = Extract<RunbookVerify, { tool: string }>['expect'];
export type Risk = z.output<typeof riskSchema>;
export type BlastRadius = z.output<typeof blastRadiusSchema>;

/** runbooks/schema.json: the JSON Schema (draft 2020-12) of a runbook file as written. */
export function runbookJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(runbookSchema, { target: 'draft-2020-12', io: 'input' }) as Record<
    string,
    unknown
  >;
}
