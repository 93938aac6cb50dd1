// The contract suite every server runs (DESIGN.md §7): tool names, annotations and risk
// consistent, every input field described for the model, mutating tools previewable with
// dryRun, read-only mode and disable-destructive hiding what they must.
import {
  annotationProblems,
  TOOL_NAME,
  type HomelabServer,
  type KitSettings,
  type Risk,
} from '@homelab/kit';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';

type JsonSchema = {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema | JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  additionalProperties?: JsonSchema | boolean;
};

/** Paths of input properties (at any depth) that have no description. */
export function undescribedFields(schema: JsonSchema, path = ''): string[] {
  const missing: string[] = [];
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const here = path ? `${path}.${key}` : key;
    if (!property.description || property.description.trim().length < 3) missing.push(here);
    missing.push(...nestedUndescribed(property, here));
  }
  return missing;
}

function nestedUndescribed(schema: JsonSchema, path: string): string[] {
  const out: string[] = [];
  if (schema.properties) out.push(...undescribedFields(schema, path));
  const items = Array.isArray(schema.items) ? schema.items : schema.items ? [schema.items] : [];
  for (const item of items) out.push(...nestedUndescribed(item, `${path}[]`));
  for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])])
    out.push(...nestedUndescribed(branch, path));
  return out;
}

function riskOf(tool: Tool): Risk {
  return (tool._meta?.['homelab/risk'] as Risk | undefined) ?? ('missing' as Risk);
}

/** Problems with one listed tool; empty when it follows the contract. */
export function toolContractProblems(tool: Tool): string[] {
  const problems: string[] = [];
  const annotations = tool.annotations ?? {};
  problems.push(
    ...annotationProblems(
      tool.name,
      {
        readOnlyHint: annotations.readOnlyHint as boolean,
        destructiveHint: annotations.destructiveHint as boolean,
        idempotentHint: annotations.idempotentHint as boolean,
        openWorldHint: annotations.openWorldHint as boolean,
      },
      riskOf(tool),
    ),
  );
  if (!['read', 'low', 'high'].includes(riskOf(tool)))
    problems.push('_meta homelab/risk is missing');
  if (!tool.title) problems.push('title is missing');
  if (!tool.description || tool.description.length < 20)
    problems.push('description is missing or too short');
  const undescribed = undescribedFields(tool.inputSchema as JsonSchema);
  if (undescribed.length > 0)
    problems.push(`input fields without description: ${undescribed.join(', ')}`);
  if (tool.outputSchema?.type !== 'object') problems.push('outputSchema must be an object schema');
  const mutating = annotations.readOnlyHint === false;
  const dryRun = (tool.inputSchema.properties as Record<string, JsonSchema> | undefined)?.dryRun;
  if (mutating && dryRun?.type !== 'boolean')
    problems.push('a mutating tool must accept dryRun: boolean');
  return problems;
}

export interface ContractSuiteOptions<Clients, Config> {
  /** Builds the server under test with the given kit switches (clients may point nowhere). */
  build: (kit: Partial<KitSettings>) => HomelabServer<Clients, Config>;
}

/** Registers the contract tests for one server in the calling test file. */
export function contractSuite<Clients, Config>(
  serverName: string,
  options: ContractSuiteOptions<Clients, Config>,
): void {
  describe(`${serverName}: MCP contract`, () => {
    const all = options.build({}).listTools();

    it('exposes at least one tool', () => {
      expect(all.length).toBeGreaterThan(0);
    });

    it('names every tool in snake_case, once', () => {
      const names = all.map((t) => t.name);
      expect(names.filter((n) => !TOOL_NAME.test(n))).toEqual([]);
      expect(new Set(names).size).toBe(names.length);
    });

    it('gives every tool consistent annotations, a risk, descriptions and an object output schema', () => {
      const problems = all.flatMap((t) => toolContractProblems(t).map((p) => `${t.name}: ${p}`));
      expect(problems).toEqual([]);
    });

    it('hides every write in read-only mode', () => {
      const readOnly = options.build({ readOnly: true }).listTools();
      expect(
        readOnly.filter((t) => t.annotations?.readOnlyHint !== true).map((t) => t.name),
      ).toEqual([]);
      const reads = all.filter((t) => t.annotations?.readOnlyHint === true).map((t) => t.name);
      expect(readOnly.map((t) => t.name)).toEqual(reads);
    });

    it('hides every destructive tool when destructive tools are disabled', () => {
      const safe = options.build({ disableDestructive: true }).listTools();
      expect(
        safe.filter((t) => t.annotations?.destructiveHint === true).map((t) => t.name),
      ).toEqual([]);
      expect(safe.length).toBe(all.filter((t) => t.annotations?.destructiveHint !== true).length);
    });

    it('honours the tool deny-list and the toolset allow-list', () => {
      const first = all[0];
      if (!first) throw new Error('no tools');
      const denied = options.build({ denyTools: [first.name] }).listTools();
      expect(denied.map((t) => t.name)).not.toContain(first.name);
      const toolset = first._meta?.['homelab/toolset'] as string;
      const only = options.build({ toolsets: [toolset] }).listTools();
      expect(only.every((t) => t._meta?.['homelab/toolset'] === toolset)).toBe(true);
      expect(only.map((t) => t.name)).toContain(first.name);
    });
  });
}
