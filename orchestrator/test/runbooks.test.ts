// The runbooks shipped in runbooks/: they load without problems, runbooks/schema.json is the one
// generated from the zod schema (and accepts every file), every tool they name exists in the
// servers' tool snapshots, and every call, rendered for a sample alert, is valid input for its
// tool. Nothing ships promoted: every runbook asks a person.
import { readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { demoAlerts } from '@homelab/simulator';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { ToolCall } from '../src/execute/executor.js';
import type { IncidentContext } from '../src/incidents/context.js';
import {
  formatProblem,
  loadRunbooks,
  matchRunbooks,
  runbookJsonSchema,
  type RenderedSolution,
} from '../src/runbooks/index.js';
import { incident } from './support/incident.js';

const RUNBOOKS = fileURLToPath(new URL('../../runbooks', import.meta.url));
const SCHEMA_FILE = `${RUNBOOKS}/schema.json`;
const SNAPSHOTS: Record<string, string> = {
  infrastructure: '../../mcp-servers/infrastructure/test/__snapshots__/tools.json',
  'home-assistant': '../../mcp-servers/home-assistant/test/__snapshots__/tools.json',
  alertmanager: '../../shared/example-server/test/__snapshots__/tools.json',
};

interface SnapshotTool {
  name: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: { readOnlyHint?: boolean };
}

const tools = new Map<string, SnapshotTool>();
for (const [server, file] of Object.entries(SNAPSHOTS)) {
  const snapshot = JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as {
    tools: SnapshotTool[];
  };
  for (const tool of snapshot.tools) tools.set(`${server}__${tool.name}`, tool);
}

/** One incident per runbook that its trigger is written for: the labels the test supplies. */

const radarrDemo = demoAlerts.find((a) => a.labels.alertname === 'KubePodMemoryHigh');
const samples: Record<string, IncidentContext> = {
  'radarr-memory-pressure-001': incident(radarrDemo?.labels ?? {}, radarrDemo?.annotations),
  'media-memory-pressure-001': incident({
    alertname: 'KubePodOOMKilled',
    severity: 'warning',
    namespace: 'media',
    pod: 'sonarr-5f7c9d8b6c-q2w8e',
  }),
  'deployment-crash-looping-001': incident({
    alertname: 'KubePodCrashLooping',
    severity: 'warning',
    namespace: 'media',
    pod: 'prowlarr-6c8d7f9b5d-k7m2p',
    container: 'prowlarr',
    reason: 'CrashLoopBackOff',
  }),
  'argocd-app-out-of-sync-001': incident({
    alertname: 'ArgoCdAppOutOfSync',
    severity: 'warning',
    name: 'media-stack',
    project: 'default',
    sync_status: 'OutOfSync',
  }),
  'home-assistant-integration-error-001': incident({
    alertname: 'HomeAssistantIntegrationError',
    severity: 'warning',
    integration: 'ring',
  }),
};

/**
 * The tool's inputSchema made strict: objects that list their properties take no others (so a
 * misspelt argument fails), and `dryRun` is allowed at the top, as the orchestrator adds it.
 */
function strictInput(schema: Record<string, unknown>): Record<string, unknown> {
  const tighten = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(tighten);
    if (node === null || typeof node !== 'object') return node;
    const out = Object.fromEntries(
      Object.entries(node).map(([key, value]) => [key, tighten(value)]),
    ) as Record<string, unknown>;
    if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
    return out;
  };
  const strict = tighten(schema) as { properties?: Record<string, unknown> };
  strict.properties = { dryRun: { type: 'boolean' }, ...strict.properties };
  return strict;
}

const ajv = new Ajv({ allErrors: true, strict: true });
const validators = new Map<string, ValidateFunction>();
function inputProblems(call: ToolCall): string[] {
  const tool = tools.get(call.tool);
  if (!tool) return [`${call.tool}: no such tool in the snapshots`];
  let validate = validators.get(call.tool);
  if (!validate) {
    validate = ajv.compile(strictInput(tool.inputSchema));
    validators.set(call.tool, validate);
  }
  return validate(call.arguments)
    ? []
    : (validate.errors ?? []).map((e) => `${call.tool}${e.instancePath}: ${e.message ?? ''}`);
}

/** The sub-schema of an outputSchema at a dotted path (numbers step into array items). */
function outputAt(schema: unknown, path: string): unknown {
  let node = schema as
    { properties?: Record<string, unknown>; items?: unknown; type?: string } | undefined;
  for (const segment of path.split('.')) {
    if (!node) return undefined;
    node = (
      /^[0-9]+$/.test(segment) && node.type === 'array' ? node.items : node.properties?.[segment]
    ) as typeof node;
  }
  return node;
}

function allCalls(solution: RenderedSolution): ToolCall[] {
  return [
    ...solution.calls,
    ...(solution.rollback ?? []),
    ...(solution.verify && 'tool' in solution.verify
      ? [{ tool: solution.verify.tool, arguments: solution.verify.arguments }]
      : []),
  ];
}

const loaded = loadRunbooks(RUNBOOKS);

describe('the runbooks in runbooks/', () => {
  it('all load without problems, with unique ids, and none is promoted out of the box', () => {
    expect(loaded.problems.map(formatProblem)).toEqual([]);
    const files = readdirSync(RUNBOOKS).filter((f) => /\.ya?ml$/.test(f));
    expect(loaded.runbooks).toHaveLength(files.length);
    expect(loaded.runbooks.length).toBeGreaterThanOrEqual(4);
    for (const runbook of loaded.runbooks) expect(runbook.automation_level).toBe('ask_human');
  });

  it('cover memory pressure, crash loops, Argo CD drift and Home Assistant integrations', () => {
    const named = loaded.runbooks.flatMap((r) =>
      r.solutions.flatMap((s) => s.calls.map((c) => c.tool)),
    );
    expect(named).toEqual(
      expect.arrayContaining([
        'infrastructure__set_container_resources',
        'infrastructure__restart_deployment',
        'infrastructure__rollout_undo',
        'infrastructure__argocd_sync',
        'home-assistant__check_configuration',
      ]),
    );
  });

  it('name only tools that exist; read-only solutions and read-backs use read-only tools', () => {
    for (const runbook of loaded.runbooks)
      for (const solution of runbook.solutions) {
        const named = [
          ...solution.calls,
          ...(solution.rollback ?? []),
          ...(solution.verify && 'tool' in solution.verify ? [solution.verify] : []),
        ].map((c) => c.tool);
        for (const tool of named)
          expect(tools.has(tool), `${runbook.id}/${solution.id}: ${tool}`).toBe(true);
        if (solution.risk === 'read')
          for (const call of solution.calls)
            expect(tools.get(call.tool)?.annotations?.readOnlyHint, call.tool).toBe(true);
        if (solution.verify && 'tool' in solution.verify)
          expect(tools.get(solution.verify.tool)?.annotations?.readOnlyHint).toBe(true);
      }
  });

  it('match their sample alert and render calls that are valid input for each tool', () => {
    expect(Object.keys(samples).sort()).toEqual(loaded.runbooks.map((r) => r.id).sort());
    for (const runbook of loaded.runbooks) {
      const sample = samples[runbook.id];
      if (!sample) throw new Error(`add sample labels for ${runbook.id} to this test`);
      const result = matchRunbooks([runbook], sample);
      expect(result.skipped, runbook.id).toEqual([]);
      const [match] = result.matches;
      expect(match?.runbook.id, `${runbook.id} matches its sample`).toBe(runbook.id);
      for (const solution of match?.solutions ?? []) {
        expect(JSON.stringify(solution)).not.toContain('{{');
        for (const call of allCalls(solution))
          expect(inputProblems(call), `${runbook.id}/${solution.id}`).toEqual([]);
      }
    }
  });

  it('read back paths that exist in the tool output, with a value of the right type', () => {
    const ajv2020 = new Ajv2020({ strict: false });
    for (const runbook of loaded.runbooks)
      for (const solution of runbook.solutions) {
        const verify = solution.verify;
        if (!verify || !('tool' in verify)) continue;
        const at = outputAt(tools.get(verify.tool)?.outputSchema, verify.expect.path);
        expect(at, `${runbook.id}/${solution.id}: ${verify.expect.path}`).toBeDefined();
        if (verify.expect.equals !== undefined)
          expect(ajv2020.validate(at as object, verify.expect.equals)).toBe(true);
      }
  });

  it('the radarr alert of the simulated homelab matches the radarr runbook first', () => {
    const { matches, skipped } = matchRunbooks(
      loaded.runbooks,
      samples['radarr-memory-pressure-001'] as IncidentContext,
    );
    expect(skipped).toEqual([]);
    expect(matches.map((m) => m.runbook.id)).toEqual(['radarr-memory-pressure-001']);
    expect(matches[0]?.title).toBe(
      'Radarr is running out of memory (media/radarr-7d9f8b6c5d-x2k4q)',
    );
    expect(matches[0]?.solutions[0]).toMatchObject({
      id: 'increase_memory',
      risk: 'low',
      calls: [
        {
          tool: 'infrastructure__set_container_resources',
          arguments: { namespace: 'media', name: 'radarr', limits: { memory: '2Gi' } },
        },
      ],
      rollback: [
        {
          tool: 'infrastructure__rollout_undo',
          arguments: { namespace: 'media', name: 'radarr' },
        },
      ],
      verify: { alert_resolved: '15m' },
    });
    expect(matches[0]?.approvalTtlMs).toBe(1_800_000);
  });
});

describe('runbooks/schema.json', () => {
  it('is the JSON Schema generated from the zod schema (UPDATE_SNAPSHOTS=1 rewrites it)', () => {
    const generated = runbookJsonSchema();
    const ci = process.env.CI === 'true' || process.env.CI === '1';
    if (!existsSync(SCHEMA_FILE) && ci)
      throw new Error(`${SCHEMA_FILE} is missing; run the tests locally and commit it`);
    if (!existsSync(SCHEMA_FILE) || (process.env.UPDATE_SNAPSHOTS === '1' && !ci))
      writeFileSync(SCHEMA_FILE, `${JSON.stringify(generated, null, 2)}\n`);
    expect(
      generated,
      `${SCHEMA_FILE} differs from the zod schema; if intended, rerun with UPDATE_SNAPSHOTS=1`,
    ).toEqual(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));
  });

  it('accepts every runbook file and refuses an unknown key', () => {
    const validate = new Ajv2020({ allErrors: true, validateFormats: false }).compile(
      JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object,
    );
    for (const file of readdirSync(RUNBOOKS).filter((f) => f.endsWith('.yaml'))) {
      const data = parse(readFileSync(`${RUNBOOKS}/${file}`, 'utf8')) as Record<string, unknown>;
      expect(validate(data), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(validate({ ...data, automaton_level: 'auto' })).toBe(false);
    }
  });
});
