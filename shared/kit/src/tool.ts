// Tools as data. A tool is its name, descriptions, zod input/output, the four MCP annotations
// (required by the type, so nobody forgets one), a risk level the orchestrator's approval gate
// reads, and a handler that receives validated input and an explicit context (no globals).
import { z } from 'zod';
import type { Logger } from './log.js';

export type Risk = 'read' | 'low' | 'high';

export interface ToolAnnotations {
  /** True when the tool changes nothing anywhere. */
  readOnlyHint: boolean;
  /** True when the change may destroy or be hard to undo (delete, unlock, prune). */
  destructiveHint: boolean;
  /** True when calling twice with the same input has no further effect. */
  idempotentHint: boolean;
  /** True when the tool talks to the outside world (every upstream-backed tool). */
  openWorldHint: boolean;
}

/** The common annotation sets of upstream-backed tools: a read, a reversible change, a destructive change. */
export const READ_ANNOTATIONS = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: true,
} as const;
export const CHANGE_ANNOTATIONS = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: true,
} as const;
export const DESTRUCTIVE_ANNOTATIONS = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: true,
  openWorldHint: true,
} as const;

export interface ToolContext<Clients = unknown, Config = unknown> {
  clients: Clients;
  config: Config;
  log: Logger;
  /** Aborted when the call times out or the client cancels; pass it to every request. */
  signal: AbortSignal;
}

type AnyObject = z.ZodObject<z.ZodRawShape>;

/** The field every mutating tool gets: preview the exact change instead of making it. */
export const dryRunField = z
  .boolean()
  .default(false)
  .describe('Preview only: return the exact change this call would make, and change nothing.');

export interface ToolSpec<I extends AnyObject, O extends AnyObject, Clients, Config> {
  /** snake_case, unique across every server of the suite. */
  name: string;
  title: string;
  /** What it does, when to use it, what it returns. Written for a model. */
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  risk: Risk;
  /** Off unless listed in MCP_ENABLE_TOOLS (e.g. a generic service call). */
  enabledByDefault?: boolean;
  /** Short text for the `content` block; defaults to compact JSON of the output. */
  text?: (output: z.output<O>) => string;
  handler: (
    input: z.output<I>,
    ctx: ToolContext<Clients, Config>,
  ) => Promise<z.input<O>> | z.input<O>;
}

export interface ToolDefinition<Clients = unknown, Config = unknown> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly input: AnyObject;
  readonly output: AnyObject;
  readonly annotations: ToolAnnotations;
  readonly risk: Risk;
  readonly enabledByDefault: boolean;
  readonly mutating: boolean;
  readonly text: ((output: unknown) => string) | undefined;
  readonly handler: (
    input: unknown,
    ctx: ToolContext<Clients, Config>,
  ) => Promise<unknown> | unknown;
}

export interface ToolsetDefinition<Clients = unknown, Config = unknown> {
  readonly name: string;
  readonly description: string;
  readonly tools: ReadonlyArray<ToolDefinition<Clients, Config>>;
}

export const TOOL_NAME = /^[a-z][a-z0-9_]*$/;

/** Problems with a tool's metadata; empty when consistent. Shared by defineTool and the contract suite. */
export function annotationProblems(
  name: string,
  annotations: ToolAnnotations,
  risk: Risk,
): string[] {
  const problems: string[] = [];
  if (!TOOL_NAME.test(name)) problems.push(`name "${name}" must match ${TOOL_NAME}`);
  for (const key of [
    'readOnlyHint',
    'destructiveHint',
    'idempotentHint',
    'openWorldHint',
  ] as const) {
    if (typeof annotations[key] !== 'boolean') problems.push(`annotation ${key} is missing`);
  }
  if (annotations.readOnlyHint && annotations.destructiveHint)
    problems.push('a read-only tool cannot be destructive');
  if (annotations.readOnlyHint !== (risk === 'read'))
    problems.push(`risk "${risk}" does not match readOnlyHint=${annotations.readOnlyHint}`);
  if (annotations.destructiveHint && risk !== 'high')
    problems.push('a destructive tool must have risk "high"');
  return problems;
}

/**
 * Defines one tool. Mutating tools (readOnlyHint false) get the `dryRun` input field added,
 * so every write can be previewed the same way. Inconsistent metadata throws at load time.
 */
export function defineTool<
  I extends AnyObject,
  O extends AnyObject,
  Clients = unknown,
  Config = unknown,
>(spec: ToolSpec<I, O, Clients, Config>): ToolDefinition<Clients, Config> {
  const problems = annotationProblems(spec.name, spec.annotations, spec.risk);
  if (problems.length > 0) throw new Error(`Tool ${spec.name}: ${problems.join('; ')}`);
  const mutating = !spec.annotations.readOnlyHint;
  if (mutating && 'dryRun' in spec.input.shape)
    throw new Error(`Tool ${spec.name}: dryRun is added by the kit; do not declare it`);
  const input = mutating ? spec.input.extend({ dryRun: dryRunField }) : spec.input;
  return Object.freeze({
    name: spec.name,
    title: spec.title,
    description: spec.description,
    input,
    output: spec.output,
    annotations: Object.freeze({ ...spec.annotations }),
    risk: spec.risk,
    enabledByDefault: spec.enabledByDefault ?? true,
    mutating,
    text: spec.text as ((output: unknown) => string) | undefined,
    handler: spec.handler as ToolDefinition<Clients, Config>['handler'],
  });
}

export function defineToolset<Clients, Config>(toolset: {
  name: string;
  description: string;
  tools: ReadonlyArray<ToolDefinition<Clients, Config>>;
}): ToolsetDefinition<Clients, Config> {
  if (!TOOL_NAME.test(toolset.name))
    throw new Error(`Toolset name "${toolset.name}" must match ${TOOL_NAME}`);
  return Object.freeze({ ...toolset, tools: Object.freeze([...toolset.tools]) });
}

/**
 * Binds the context types once per server, so each tool file writes
 * `const tool = toolFactory<Clients, Config>()` and gets typed `ctx.clients` and `ctx.config`;
 * `tool.write` also types the `dryRun` field the kit adds to every mutating tool.
 */
export function toolFactory<Clients, Config>() {
  return {
    read<I extends AnyObject, O extends AnyObject>(
      spec: ToolSpec<I, O, Clients, Config> & { annotations: { readOnlyHint: true } },
    ): ToolDefinition<Clients, Config> {
      return defineTool(spec);
    },
    write<I extends AnyObject, O extends AnyObject>(
      spec: Omit<ToolSpec<I, O, Clients, Config>, 'handler'> & {
        annotations: { readOnlyHint: false };
        handler: (
          input: z.output<I> & { dryRun: boolean },
          ctx: ToolContext<Clients, Config>,
        ) => Promise<z.input<O>> | z.input<O>;
      },
    ): ToolDefinition<Clients, Config> {
      return defineTool(spec as ToolSpec<I, O, Clients, Config>);
    },
    toolset(toolset: {
      name: string;
      description: string;
      tools: ReadonlyArray<ToolDefinition<Clients, Config>>;
    }) {
      return defineToolset<Clients, Config>(toolset);
    },
  };
}
