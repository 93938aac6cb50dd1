// The Alertmanager webhook payload (version 4, specs/alertmanager-webhook.md), validated before
// anything is stored. Unknown extra keys are accepted (new releases add fields); everything the
// orchestrator relies on is checked, and a bad payload gets a message naming the field.
import { z } from 'zod';

const labelSet = z.record(z.string(), z.string());

export const alertmanagerAlertSchema = z
  .object({
    status: z.enum(['firing', 'resolved']),
    labels: labelSet.refine(
      (labels) => typeof labels.alertname === 'string' && labels.alertname.length > 0,
      'labels.alertname is required',
    ),
    annotations: labelSet.default({}),
    startsAt: z.string().min(1),
    endsAt: z.string().optional(),
    generatorURL: z.string().optional(),
    fingerprint: z.string().regex(/^[0-9a-f]{1,32}$/, 'must be hex'),
  })
  .loose();

export const alertmanagerPayloadSchema = z
  .object({
    version: z.literal('4', { error: 'only webhook payload version 4 is supported' }),
    groupKey: z.string().min(1).max(4096),
    status: z.enum(['firing', 'resolved']),
    receiver: z.string(),
    groupLabels: labelSet.default({}),
    commonLabels: labelSet.default({}),
    commonAnnotations: labelSet.default({}),
    externalURL: z.string().default(''),
    truncatedAlerts: z.number().int().nonnegative().default(0),
    alerts: z.array(alertmanagerAlertSchema).min(1).max(10_000),
  })
  .loose();

export type AlertmanagerPayload = z.output<typeof alertmanagerPayloadSchema>;
export type AlertmanagerAlert = z.output<typeof alertmanagerAlertSchema>;

export type ParseResult =
  { ok: true; payload: AlertmanagerPayload } | { ok: false; problems: string[] };

/** Parses a raw body; problems name each bad field (for a 400 answer Alertmanager will not retry). */
export function parseAlertmanagerPayload(body: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, problems: ['the body is not JSON'] };
  }
  const parsed = alertmanagerPayloadSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues
        .slice(0, 10)
        .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`),
    };
  }
  return { ok: true, payload: parsed.data };
}
