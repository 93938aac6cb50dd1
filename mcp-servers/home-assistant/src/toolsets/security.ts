// Covers, locks, alarm panels and garage doors: physical security, so every tool here is
// destructive and high risk (an approval gate always asks), and each previews with dryRun.
import { mutationOutput } from '@homelab/kit';
import { z } from 'zod';
import { DESTRUCTIVE, READ_BACK_MS, stateChanges, tool } from './common.js';
import type { HomeAssistantClients } from './common.js';
import type { ToolContext } from '@homelab/kit';
import type { HomeAssistantConfig } from '../config.js';

const securityResult = mutationOutput({
  state: z.string().optional().describe('State read back after the change'),
});

interface Action {
  name: string;
  title: string;
  description: string;
  domain: string;
  service: string;
  target: string;
  settled: readonly string[];
  withCode?: boolean;
}

async function perform(
  action: Action,
  input: { entityId: string; dryRun: boolean; code?: string },
  ctx: ToolContext<HomeAssistantClients, HomeAssistantConfig>,
) {
  const ha = ctx.clients.ha;
  await ha.ready(ctx.signal);
  const entity = ha.requireEntity(input.entityId, [action.domain]);
  const changes = stateChanges(entity.entity_id, entity, { state: action.target });
  const what = `${entity.name} (${entity.entity_id})`;
  if (input.dryRun)
    return {
      dryRun: true,
      applied: false,
      summary: `Would ${action.title.toLowerCase()}: ${what}`,
      changes,
    };
  await ha.callService(
    action.domain,
    action.service,
    { entity_id: entity.entity_id },
    input.code ? { code: input.code } : {},
    ctx.signal,
  );
  const after = await ha.waitForState(
    entity.entity_id,
    (s) => action.settled.includes(s.state),
    READ_BACK_MS,
  );
  return {
    dryRun: false,
    applied: true,
    summary: `${action.title}: ${what}`,
    changes,
    state: after?.state,
  };
}

function securityTool(action: Action) {
  const entityField = z.string().min(3).max(255).describe(`${action.domain} entity id`);
  const codeField = z
    .string()
    .min(1)
    .max(20)
    .optional()
    .describe('Alarm code, when the panel needs one');
  const input = action.withCode
    ? z.object({ entityId: entityField, code: codeField })
    : z.object({ entityId: entityField });
  return tool.write({
    name: action.name,
    title: action.title,
    description: action.description,
    input,
    output: securityResult,
    annotations: DESTRUCTIVE,
    risk: 'high',
    handler: (args, ctx) =>
      perform(action, args as { entityId: string; dryRun: boolean; code?: string }, ctx),
  });
}

export const securityToolset = tool.toolset({
  name: 'security',
  description: 'Covers, garage doors, locks and alarm panels (high risk)',
  tools: [
    securityTool({
      name: 'open_cover',
      title: 'Open cover',
      description: 'Open a cover: blinds, shutters, windows or a garage door.',
      domain: 'cover',
      service: 'open_cover',
      target: 'open',
      settled: ['open', 'opening'],
    }),
    securityTool({
      name: 'close_cover',
      title: 'Close cover',
      description: 'Close a cover: blinds, shutters, windows or a garage door.',
      domain: 'cover',
      service: 'close_cover',
      target: 'closed',
      settled: ['closed', 'closing'],
    }),
    securityTool({
      name: 'lock_lock',
      title: 'Lock',
      description: 'Lock a lock (door, gate).',
      domain: 'lock',
      service: 'lock',
      target: 'locked',
      settled: ['locked', 'locking'],
    }),
    securityTool({
      name: 'unlock_lock',
      title: 'Unlock',
      description: 'Unlock a lock (door, gate). Physical access: confirm with the owner first.',
      domain: 'lock',
      service: 'unlock',
      target: 'unlocked',
      settled: ['unlocked', 'unlocking', 'open'],
    }),
    securityTool({
      name: 'arm_alarm',
      title: 'Arm alarm',
      description: 'Arm an alarm panel in away mode.',
      domain: 'alarm_control_panel',
      service: 'alarm_arm_away',
      target: 'armed_away',
      settled: ['armed_away', 'arming', 'pending'],
      withCode: true,
    }),
    securityTool({
      name: 'disarm_alarm',
      title: 'Disarm alarm',
      description: 'Disarm an alarm panel. Confirm with the owner first.',
      domain: 'alarm_control_panel',
      service: 'alarm_disarm',
      target: 'disarmed',
      settled: ['disarmed'],
      withCode: true,
    }),
  ],
});
