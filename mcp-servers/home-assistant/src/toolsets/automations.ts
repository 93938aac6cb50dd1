// Automations, scenes and scripts: list automations with state and last trigger, run one (the
// seed's run_automation), enable or disable it, read its traces (why it ran or did not), activate
// a scene, run a script.
import { mutationOutput, type ToolContext } from '@homelab/kit';
import type { HomeAssistantConfig } from '../config.js';
import { z } from 'zod';
import {
  byName,
  CHANGE,
  READ,
  READ_BACK_MS,
  stateChanges,
  tool,
  type HomeAssistantClients,
} from './common.js';

export const listAutomations = tool.read({
  name: 'list_automations',
  title: 'List automations',
  description:
    'Automations with whether they are enabled, when they last triggered and their id (needed for traces).',
  input: z.object({ onlyEnabled: z.boolean().default(false).describe('Only enabled automations') }),
  output: z.object({
    automations: z
      .array(
        z.object({
          entity_id: z.string().describe('Automation entity id'),
          name: z.string().describe('Name'),
          enabled: z.boolean().describe('Whether it is on'),
          lastTriggered: z.string().nullable().describe('Last trigger time, or null when never'),
          id: z.string().optional().describe('Automation config id'),
          running: z.number().optional().describe('Runs in progress'),
        }),
      )
      .describe('Automations, by name'),
  }),
  annotations: READ,
  risk: 'read',
  handler: async (input, ctx) => {
    await ctx.clients.ha.ready(ctx.signal);
    const automations = ctx.clients.ha
      .entities()
      .filter((e) => e.domain === 'automation')
      .filter((e) => !input.onlyEnabled || e.state === 'on')
      .sort(byName)
      .map((e) => ({
        entity_id: e.entity_id,
        name: e.name,
        enabled: e.state === 'on',
        lastTriggered:
          typeof e.attributes.last_triggered === 'string' ? e.attributes.last_triggered : null,
        id: typeof e.attributes.id === 'string' ? e.attributes.id : undefined,
        running: typeof e.attributes.current === 'number' ? e.attributes.current : undefined,
      }));
    return { automations };
  },
});

const runResult = mutationOutput({});

/** Runs an automation or script now; a dry run names what would run and changes nothing. */
async function runNow(
  ctx: ToolContext<HomeAssistantClients, HomeAssistantConfig>,
  entityId: string,
  dryRun: boolean,
  action: {
    domain: 'automation' | 'script';
    service: string;
    data: Record<string, unknown>;
    done: string;
  },
) {
  const ha = ctx.clients.ha;
  await ha.ready(ctx.signal);
  const entity = ha.requireEntity(entityId, [action.domain]);
  const changes = [
    {
      path: `${entity.entity_id}.last_triggered`,
      before: entity.attributes.last_triggered ?? null,
      after: '(now)',
    },
  ];
  if (dryRun) return { dryRun: true, applied: false, summary: `Would run ${entity.name}`, changes };
  await ha.callService(
    action.domain,
    action.service,
    { entity_id: entity.entity_id },
    action.data,
    ctx.signal,
  );
  return { dryRun: false, applied: true, summary: `${action.done} ${entity.name}`, changes };
}

export const runAutomation = tool.write({
  name: 'run_automation',
  title: 'Run an automation',
  description:
    "Run an automation's actions now. By default its conditions are skipped, as in the Home Assistant UI; set skipCondition false to respect them.",
  input: z.object({
    entityId: z
      .string()
      .min(3)
      .max(255)
      .describe('Automation entity id, e.g. automation.evening_lights'),
    skipCondition: z
      .boolean()
      .default(true)
      .describe('Run the actions even if the conditions do not hold'),
  }),
  output: runResult,
  annotations: { ...CHANGE, idempotentHint: false },
  risk: 'low',
  handler: (input, ctx) =>
    runNow(ctx, input.entityId, input.dryRun, {
      domain: 'automation',
      service: 'trigger',
      data: { skip_condition: input.skipCondition },
      done: 'Ran',
    }),
});

export const setAutomationEnabled = tool.write({
  name: 'set_automation_enabled',
  title: 'Enable or disable an automation',
  description: 'Turn an automation on (enabled: true) or off so it no longer triggers.',
  input: z.object({
    entityId: z.string().min(3).max(255).describe('Automation entity id'),
    enabled: z.boolean().describe('true to enable, false to disable'),
  }),
  output: runResult,
  annotations: CHANGE,
  risk: 'low',
  handler: async (input, ctx) => {
    const ha = ctx.clients.ha;
    await ha.ready(ctx.signal);
    const automation = ha.requireEntity(input.entityId, ['automation']);
    const target = input.enabled ? 'on' : 'off';
    const changes = stateChanges(automation.entity_id, automation, { state: target });
    const verb = input.enabled ? 'enable' : 'disable';
    if (input.dryRun)
      return { dryRun: true, applied: false, summary: `Would ${verb} ${automation.name}`, changes };
    await ha.callService(
      'automation',
      input.enabled ? 'turn_on' : 'turn_off',
      { entity_id: automation.entity_id },
      {},
      ctx.signal,
    );
    await ha.waitForState(automation.entity_id, (s) => s.state === target, READ_BACK_MS);
    return {
      dryRun: false,
      applied: true,
      summary: `${input.enabled ? 'Enabled' : 'Disabled'} ${automation.name}`,
      changes,
    };
  },
});

const traceSummary = z
  .object({
    run_id: z.string(),
    state: z.string().optional(),
    script_execution: z.string().nullish(),
    timestamp: z.object({ start: z.string(), finish: z.string().nullish() }).loose(),
    trigger: z.string().nullish(),
    error: z.string().nullish(),
    last_step: z.string().nullish(),
  })
  .loose();

export const getAutomationTraces = tool.read({
  name: 'get_automation_traces',
  title: 'Automation traces',
  description:
    'The last runs of an automation: when, what triggered it, how it ended (finished, failed conditions, error...) and the last step. Use it to answer "why did (or didn\'t) it run?".',
  input: z.object({
    entityId: z.string().min(3).max(255).describe('Automation entity id'),
    limit: z
      .number()
      .int()
      .min(1)
      .max(20)
      .default(5)
      .describe('At most this many runs, newest first'),
  }),
  output: z.object({
    automation: z.string().describe('Automation entity id'),
    runs: z
      .array(
        z.object({
          runId: z.string().describe('Run id'),
          started: z.string().describe('Start time'),
          finished: z.string().optional().describe('End time'),
          trigger: z.string().optional().describe('What triggered the run'),
          result: z.string().describe('How the run ended, e.g. finished, failed_conditions, error'),
          error: z.string().optional().describe('Error, if any'),
          lastStep: z.string().optional().describe('Last step reached'),
        }),
      )
      .describe('Runs, newest first'),
  }),
  annotations: READ,
  risk: 'read',
  handler: async (input, ctx) => {
    const ha = ctx.clients.ha;
    await ha.ready(ctx.signal);
    const automation = ha.requireEntity(input.entityId, ['automation']);
    const itemId =
      typeof automation.attributes.id === 'string'
        ? automation.attributes.id
        : automation.entity_id.split('.')[1];
    const traces = await ha.command(
      { type: 'trace/list', domain: 'automation', item_id: itemId },
      z.array(traceSummary),
      ctx.signal,
    );
    const runs = traces
      .sort((a, b) => b.timestamp.start.localeCompare(a.timestamp.start))
      .slice(0, input.limit)
      .map((t) => ({
        runId: t.run_id,
        started: t.timestamp.start,
        finished: t.timestamp.finish ?? undefined,
        trigger: t.trigger ?? undefined,
        result: t.script_execution ?? t.state ?? 'unknown',
        error: t.error ?? undefined,
        lastStep: t.last_step ?? undefined,
      }));
    return { automation: automation.entity_id, runs };
  },
});

export const activateScene = tool.write({
  name: 'activate_scene',
  title: 'Activate a scene',
  description: 'Apply a scene (set every entity in it to the stored state).',
  input: z.object({
    entityId: z.string().min(3).max(255).describe('Scene entity id, e.g. scene.movie_night'),
  }),
  output: runResult,
  annotations: CHANGE,
  risk: 'low',
  handler: async (input, ctx) => {
    const ha = ctx.clients.ha;
    await ha.ready(ctx.signal);
    const scene = ha.requireEntity(input.entityId, ['scene']);
    const members = Array.isArray(scene.attributes.entity_id)
      ? (scene.attributes.entity_id as string[])
      : [];
    const changes = members.map((id) => ({
      path: `${id}`,
      before: ha.entities().find((e) => e.entity_id === id)?.state,
      after: '(as stored in the scene)',
    }));
    if (input.dryRun)
      return {
        dryRun: true,
        applied: false,
        summary: `Would activate ${scene.name} (${members.length} entities)`,
        changes,
      };
    await ha.callService('scene', 'turn_on', { entity_id: scene.entity_id }, {}, ctx.signal);
    return { dryRun: false, applied: true, summary: `Activated ${scene.name}`, changes };
  },
});

export const runScript = tool.write({
  name: 'run_script',
  title: 'Run a script',
  description: 'Run a Home Assistant script, optionally with variables.',
  input: z.object({
    entityId: z.string().min(3).max(255).describe('Script entity id, e.g. script.goodnight'),
    variables: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .default({})
      .describe('Variables passed to the script'),
  }),
  output: runResult,
  annotations: { ...CHANGE, idempotentHint: false },
  risk: 'low',
  handler: (input, ctx) =>
    runNow(ctx, input.entityId, input.dryRun, {
      domain: 'script',
      service: 'turn_on',
      data: { variables: input.variables },
      done: 'Started',
    }),
});

export const automationsToolset = tool.toolset({
  name: 'automations',
  description: 'Automations, traces, scenes and scripts',
  tools: [
    listAutomations,
    runAutomation,
    setAutomationEnabled,
    getAutomationTraces,
    activateScene,
    runScript,
  ],
});
