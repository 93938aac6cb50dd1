// The example toolset: read Alertmanager's status, alerts and silences, and create or expire a
// silence. Small, but it uses every kit convention: read/write split, risk levels, dryRun with
// a before/after diff, trimmed output, upstream errors from the shared client.
import { diffValues, mutationOutput, toolFactory } from '@homelab/kit';
import { z } from 'zod';
import type { Alert, Matcher, Silence } from '../clients/alertmanager.js';
import type { ExampleClients } from '../server.js';
import type { ExampleConfig } from '../config.js';

const tool = toolFactory<ExampleClients, ExampleConfig>();

const matcherInput = z.object({
  name: z.string().min(1).describe('Label name, e.g. alertname'),
  value: z.string().describe('Label value to match'),
  isRegex: z.boolean().default(false).describe('Treat value as a regular expression'),
});

function filterOf(
  matchers: ReadonlyArray<{ name: string; value: string; isRegex: boolean }>,
): string[] {
  return matchers.map((m) => `${m.name}${m.isRegex ? '=~' : '='}${JSON.stringify(m.value)}`);
}

const alertSummary = z.object({
  fingerprint: z.string().describe('Stable id of the alert'),
  name: z.string().describe('The alertname label'),
  state: z.enum(['unprocessed', 'active', 'suppressed']).describe('Alertmanager state'),
  severity: z.string().optional().describe('The severity label, when set'),
  summary: z.string().optional().describe('summary or description annotation'),
  labels: z.record(z.string(), z.string()).describe('All labels'),
  startsAt: z.string().describe('When it started firing'),
  silencedBy: z.array(z.string()).describe('Ids of silences muting it'),
});

function summarizeAlert(alert: Alert): z.input<typeof alertSummary> {
  return {
    fingerprint: alert.fingerprint,
    name: alert.labels.alertname ?? '(unnamed)',
    state: alert.status.state,
    severity: alert.labels.severity,
    summary: alert.annotations.summary ?? alert.annotations.description,
    labels: alert.labels,
    startsAt: alert.startsAt,
    silencedBy: alert.status.silencedBy,
  };
}

const silenceSummary = z.object({
  id: z.string().describe('Silence id'),
  state: z.enum(['expired', 'active', 'pending']).describe('Silence state'),
  matchers: z.array(z.string()).describe('Matchers as label=value expressions'),
  startsAt: z.string().describe('Start time'),
  endsAt: z.string().describe('End time'),
  createdBy: z.string().describe('Author'),
  comment: z.string().describe('Why it was created'),
});

function summarizeSilence(silence: Silence): z.input<typeof silenceSummary> {
  return {
    id: silence.id,
    state: silence.status.state,
    matchers: filterOf(silence.matchers),
    startsAt: silence.startsAt,
    endsAt: silence.endsAt,
    createdBy: silence.createdBy,
    comment: silence.comment,
  };
}

export const getAlertmanagerStatus = tool.read({
  name: 'get_alertmanager_status',
  title: 'Alertmanager status',
  description:
    'Version, uptime and cluster state of Alertmanager. Use it to check that alerting works.',
  input: z.object({}),
  output: z.object({
    version: z.string().describe('Alertmanager version'),
    uptime: z.string().describe('Start time'),
    cluster: z.string().describe('Cluster status: ready, settling or disabled'),
    peers: z.number().describe('Number of cluster peers'),
  }),
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  risk: 'read',
  handler: async (_input, ctx) => {
    const status = await ctx.clients.alertmanager.status(ctx.signal);
    return {
      version: status.versionInfo.version,
      uptime: status.uptime,
      cluster: status.cluster.status,
      peers: status.cluster.peers.length,
    };
  },
});

export const listAlertmanagerAlerts = tool.read({
  name: 'list_alertmanager_alerts',
  title: 'List alerts',
  description:
    'Alerts currently known to Alertmanager, newest first, optionally filtered by label matchers. Returns name, state, severity, summary and labels.',
  input: z.object({
    matchers: z
      .array(matcherInput)
      .default([])
      .describe('Only alerts whose labels match all of these'),
    includeSilenced: z.boolean().default(true).describe('Include alerts muted by a silence'),
    limit: z.number().int().min(1).max(500).default(50).describe('At most this many alerts'),
  }),
  output: z.object({
    total: z.number().describe('Alerts matching before the limit'),
    alerts: z.array(alertSummary).describe('The alerts, newest first'),
  }),
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  risk: 'read',
  text: (out) =>
    out.alerts.length === 0
      ? 'No alerts.'
      : `${out.total} alert(s):\n` +
        out.alerts
          .map((a) =>
            `- ${a.name} [${a.state}${a.severity ? `, ${a.severity}` : ''}] ${a.summary ?? ''}`.trimEnd(),
          )
          .join('\n'),
  handler: async (input, ctx) => {
    const alerts = await ctx.clients.alertmanager.alerts(
      { filter: filterOf(input.matchers), silenced: input.includeSilenced, inhibited: true },
      ctx.signal,
    );
    alerts.sort((a, b) => b.startsAt.localeCompare(a.startsAt));
    return { total: alerts.length, alerts: alerts.slice(0, input.limit).map(summarizeAlert) };
  },
});

export const listAlertmanagerSilences = tool.read({
  name: 'list_alertmanager_silences',
  title: 'List silences',
  description:
    'Silences in Alertmanager (active and pending by default), with their matchers, author and end time.',
  input: z.object({
    includeExpired: z.boolean().default(false).describe('Also list expired silences'),
    limit: z.number().int().min(1).max(500).default(50).describe('At most this many silences'),
  }),
  output: z.object({
    total: z.number().describe('Silences matching before the limit'),
    silences: z.array(silenceSummary).describe('The silences'),
  }),
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  risk: 'read',
  handler: async (input, ctx) => {
    const silences = (await ctx.clients.alertmanager.silences([], ctx.signal)).filter(
      (s) => input.includeExpired || s.status.state !== 'expired',
    );
    return {
      total: silences.length,
      silences: silences.slice(0, input.limit).map(summarizeSilence),
    };
  },
});

export const createAlertmanagerSilence = tool.write({
  name: 'create_alertmanager_silence',
  title: 'Create a silence',
  description:
    'Mute notifications for alerts matching all matchers for a number of minutes. With dryRun, lists the alerts it would mute and creates nothing.',
  input: z.object({
    matchers: z
      .array(matcherInput)
      .min(1)
      .max(20)
      .describe('Alerts whose labels match all of these are muted'),
    durationMinutes: z
      .number()
      .int()
      .min(1)
      .max(60 * 24 * 14)
      .describe('How long the silence lasts, in minutes'),
    comment: z.string().min(3).max(500).describe('Why the alerts are muted (shown to everyone)'),
    createdBy: z
      .string()
      .min(1)
      .max(100)
      .default('homelab-mcp')
      .describe('Author recorded on the silence'),
  }),
  output: mutationOutput({
    silenceId: z.string().optional().describe('Id of the new silence (absent in a dry run)'),
    mutes: z.array(z.string()).describe('Names of the currently firing alerts it mutes'),
  }),
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  risk: 'low',
  handler: async (input, ctx) => {
    const matchers: Matcher[] = input.matchers.map((m) => ({ ...m, isEqual: true }));
    const startsAt = new Date();
    const endsAt = new Date(startsAt.getTime() + input.durationMinutes * 60_000);
    const silence = {
      matchers,
      startsAt: startsAt.toISOString(),
      endsAt: endsAt.toISOString(),
      createdBy: input.createdBy,
      comment: input.comment,
    };
    const muted = await ctx.clients.alertmanager.alerts(
      { filter: filterOf(matchers), silenced: false, inhibited: true },
      ctx.signal,
    );
    const mutes = muted.map((a) => a.labels.alertname ?? a.fingerprint);
    const summary = `silence ${filterOf(matchers).join(', ')} for ${input.durationMinutes} min (mutes ${mutes.length} alert(s) now)`;
    const changes = diffValues(undefined, {
      silence: { matchers: filterOf(matchers), endsAt: silence.endsAt, comment: input.comment },
    });
    if (input.dryRun)
      return { dryRun: true, applied: false, summary: `Would ${summary}`, changes, mutes };
    const created = await ctx.clients.alertmanager.createSilence(silence, ctx.signal);
    return {
      dryRun: false,
      applied: true,
      summary: `Created ${summary}`,
      changes,
      silenceId: created.silenceID,
      mutes,
    };
  },
});

export const expireAlertmanagerSilence = tool.write({
  name: 'expire_alertmanager_silence',
  title: 'Expire a silence',
  description:
    'End a silence now, so the alerts it muted notify again. With dryRun, shows the silence and changes nothing.',
  input: z.object({
    silenceId: z
      .string()
      .min(1)
      .max(100)
      .describe('Id of the silence, from list_alertmanager_silences'),
  }),
  output: mutationOutput({}),
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  risk: 'low',
  handler: async (input, ctx) => {
    const silence = await ctx.clients.alertmanager.silence(input.silenceId, ctx.signal);
    const changes = diffValues({ state: silence.status.state }, { state: 'expired' }).map((c) => ({
      ...c,
      path: `silence.${silence.id}.${c.path}`,
    }));
    const summary = `silence ${silence.id} (${filterOf(silence.matchers).join(', ')}, by ${silence.createdBy})`;
    if (input.dryRun || changes.length === 0) {
      return {
        dryRun: input.dryRun,
        applied: false,
        summary: changes.length === 0 ? `${summary} is already expired` : `Would expire ${summary}`,
        changes,
      };
    }
    await ctx.clients.alertmanager.expireSilence(silence.id, ctx.signal);
    return { dryRun: false, applied: true, summary: `Expired ${summary}`, changes };
  },
});

export const alertsToolset = tool.toolset({
  name: 'alerts',
  description: 'Alertmanager status, alerts and silences',
  tools: [
    getAlertmanagerStatus,
    listAlertmanagerAlerts,
    listAlertmanagerSilences,
    createAlertmanagerSilence,
    expireAlertmanagerSilence,
  ],
});
