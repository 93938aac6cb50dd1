// The generic service call: anything Home Assistant can do, so it is high risk, destructive,
// and off unless the owner lists it in MCP_ENABLE_TOOLS. Targets must still be in scope.
import { ForbiddenError, mutationOutput } from '@homelab/kit';
import { z } from 'zod';
import { DESTRUCTIVE, tool } from './common.js';

export const callHomeAssistantService = tool.write({
  name: 'call_home_assistant_service',
  title: 'Call any service',
  description:
    'Call any Home Assistant service (action) on entities, e.g. media_player.volume_set. Prefer the specific tools; this one is off unless enabled by the owner.',
  input: z.object({
    domain: z
      .string()
      .regex(/^[a-z0-9_]+$/)
      .max(64)
      .describe('Service domain, e.g. media_player'),
    service: z
      .string()
      .regex(/^[a-z0-9_]+$/)
      .max(64)
      .describe('Service name, e.g. volume_set'),
    entityIds: z.array(z.string().min(3).max(255)).min(1).max(50).describe('Target entity ids'),
    data: z
      .record(
        z.string(),
        z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))]),
      )
      .default({})
      .describe('Service data fields'),
  }),
  output: mutationOutput({}),
  annotations: { ...DESTRUCTIVE, idempotentHint: false },
  risk: 'high',
  enabledByDefault: false,
  handler: async (input, ctx) => {
    const ha = ctx.clients.ha;
    await ha.ready(ctx.signal);
    const targets = input.entityIds.map((id) => ha.requireEntity(id));
    if ('entity_id' in input.data || 'area_id' in input.data || 'device_id' in input.data) {
      throw new ForbiddenError(
        'Targets go in entityIds, not in data (they must stay within the exposed entities)',
      );
    }
    const changes = targets.map((t) => ({
      path: `${t.entity_id}`,
      before: t.state,
      after: `(${input.domain}.${input.service})`,
    }));
    const summary = `${input.domain}.${input.service} on ${targets.map((t) => t.entity_id).join(', ')}`;
    if (input.dryRun)
      return { dryRun: true, applied: false, summary: `Would call ${summary}`, changes };
    await ha.callService(
      input.domain,
      input.service,
      { entity_id: targets.map((t) => t.entity_id) },
      input.data,
      ctx.signal,
    );
    return { dryRun: false, applied: true, summary: `Called ${summary}`, changes };
  },
});

export const servicesToolset = tool.toolset({
  name: 'services',
  description: 'Generic service call (off by default)',
  tools: [callHomeAssistantService],
});
