// Coroot webhook notifications (specs/coroot-webhook.md). Coroot has no fixed body: the owner
// sets each template to `{{ json . }}` and we receive its Go structs as JSON, one of three kinds
// (incident, alert, deployment) told apart by status and fields. Parsing is tolerant (unknown
// keys kept as custom fields, nulls read as empty), but everything relied on is checked and a
// bad body gets problems naming the field. Ids come from the backlink url; the application id
// has 3 or 4 colon-separated parts (names may contain ':').
import { z } from 'zod';

export const COROOT_STATUSES = ['OK', 'INFO', 'WARNING', 'CRITICAL'] as const;
export type CorootStatus = (typeof COROOT_STATUSES)[number];
export const DEPLOYMENT_STATUSES = ['Deployed', 'In-progress', 'Stuck', 'Cancelled'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

export interface CorootApplication {
  /** The id as Coroot sent it. */
  id: string;
  cluster?: string;
  namespace?: string;
  kind?: string;
  name?: string;
}

interface CorootCommon {
  application: CorootApplication;
  url: string | undefined;
  /** Custom fields configured on the integration (extra top-level strings, e.g. environment). */
  custom: Record<string, string>;
}

export interface CorootReport {
  name: string;
  check: string;
  message: string;
}

export interface CorootIncident extends CorootCommon {
  kind: 'incident';
  /** From `incidents?incident=<key>`; the application id when the url has none. */
  key: string;
  status: CorootStatus;
  reports: CorootReport[];
  rcaSummary: string;
}

export interface CorootAlert extends CorootCommon {
  kind: 'alert';
  /** From `alerts?alert=<id>`; rule name and application when the url has none. */
  alertId: string;
  status: CorootStatus;
  projectName: string;
  ruleName: string;
  severity: string;
  summary: string;
  details: Array<{ name: string; value: string }>;
  duration: string;
  resolvedBy: string;
}

export interface CorootDeployment extends CorootCommon {
  kind: 'deployment';
  status: DeploymentStatus;
  version: string;
  summary: string[];
  /** The url's fragment (`Deployments#<id>`), when present. */
  deploymentId: string | undefined;
}

export type CorootNotification = CorootIncident | CorootAlert | CorootDeployment;

export type CorootParseResult =
  { ok: true; notification: CorootNotification } | { ok: false; problems: string[] };

const KNOWN_KEYS = new Set([
  'status',
  'application',
  'url',
  'reports',
  'rca_summary',
  'rca_remediations',
  'project_name',
  'rule_name',
  'severity',
  'summary',
  'details',
  'duration',
  'resolved_by',
  'version',
]);

/** A string field Go may have left empty or null. */
const str = (max: number) =>
  z
    .string()
    .max(max)
    .nullish()
    .transform((v) => (v ?? '').trim());

const baseSchema = z
  .object({
    status: z.string().trim().min(1, 'status is required').max(32),
    application: z.string().trim().min(1, 'the application id is required').max(1024),
    url: z.string().max(4096).nullish(),
  })
  .loose();

const incidentSchema = baseSchema.extend({
  reports: z
    .array(
      z.object({ name: str(200), check: str(200), message: str(10_000) }).loose(),
      'reports must be a list of {name, check, message}',
    )
    .max(100)
    .nullish(),
  rca_summary: str(20_000),
});

const alertSchema = baseSchema.extend({
  project_name: str(200),
  rule_name: z.string().trim().min(1, 'rule_name is required').max(500),
  severity: str(32),
  summary: str(10_000),
  details: z
    .array(z.object({ name: str(200), value: str(2000) }).loose())
    .max(100)
    .nullish(),
  duration: str(64),
  resolved_by: str(200),
});

const deploymentSchema = baseSchema.extend({
  version: str(1000),
  summary: z.array(z.string().max(2000)).max(100).nullish(),
});

function problemsOf(error: z.ZodError): string[] {
  return error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
}

const KIND_LIKE = /^[A-Z][A-Za-z0-9]*$/;

/**
 * `cluster:namespace:Kind:name` (Coroot >= 1.17) or `namespace:Kind:name`; the name may contain
 * ':'. A Kubernetes namespace is never capitalised and a Coroot kind always is, which tells the
 * two forms apart; an id that fits neither is kept whole.
 */
export function parseApplicationId(id: string): CorootApplication {
  const parts = id.split(':');
  if (parts.length < 3) return { id };
  const fourParts =
    parts.length >= 4 && (KIND_LIKE.test(parts[2] ?? '') || !KIND_LIKE.test(parts[1] ?? ''));
  const [cluster, namespace, kind, ...name] = fourParts ? parts : ['', ...parts];
  const app: CorootApplication = {
    id,
    ...(cluster ? { cluster } : {}),
    ...(namespace ? { namespace } : {}),
    ...(kind ? { kind } : {}),
  };
  const joined = name.join(':');
  return joined ? { ...app, name: joined } : app;
}

const WORKLOAD_KINDS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'CronJob',
  'Job',
  'ReplicaSet',
  'Pod',
]);

/**
 * Labels for an application: cluster, namespace, kind, workload, application, and for a
 * Kubernetes workload also `deployment: sonarr` (as kube-state-metrics alerts carry), so a runbook
 * matches a Coroot alert and an Alertmanager alert alike.
 */
export function applicationLabels(app: CorootApplication): Record<string, string> {
  const labels: Record<string, string> = { application: app.id };
  if (app.cluster) labels.cluster = app.cluster;
  if (app.namespace) labels.namespace = app.namespace;
  if (app.kind) labels.kind = app.kind;
  if (app.name) labels.workload = app.name;
  if (app.kind && app.name && WORKLOAD_KINDS.has(app.kind))
    labels[app.kind.toLowerCase()] = app.name;
  return labels;
}

function urlParts(url: string | undefined): { query: URLSearchParams; fragment: string } {
  if (!url) return { query: new URLSearchParams(), fragment: '' };
  const hashAt = url.indexOf('#');
  const beforeHash = hashAt >= 0 ? url.slice(0, hashAt) : url;
  const queryAt = beforeHash.indexOf('?');
  return {
    query: new URLSearchParams(queryAt >= 0 ? beforeHash.slice(queryAt + 1) : ''),
    fragment: hashAt >= 0 ? url.slice(hashAt + 1) : '',
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function idParam(url: string | undefined, name: string): string | undefined {
  const value = urlParts(url).query.get(name)?.trim();
  return value && value.length <= 200 ? value : undefined;
}

function customFields(raw: Record<string, unknown>): Record<string, string> {
  const custom: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (Object.keys(custom).length >= 20) break;
    if (KNOWN_KEYS.has(key) || typeof value !== 'string') continue;
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(key) || value.length > 256) continue;
    custom[key] = value;
  }
  return custom;
}

function statusOf(raw: string): CorootStatus | DeploymentStatus | undefined {
  const upper = raw.toUpperCase();
  const incident = COROOT_STATUSES.find((s) => s === upper);
  if (incident) return incident;
  const letters = upper.replace(/[^A-Z]/g, '');
  return DEPLOYMENT_STATUSES.find((s) => s.toUpperCase().replace(/[^A-Z]/g, '') === letters);
}

/** Parses a raw body; problems name each bad field (for a 400 answer). */
export function parseCorootPayload(body: string): CorootParseResult {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return {
      ok: false,
      problems: ['the body is not JSON: set the Coroot webhook templates to {{ json . }}'],
    };
  }
  const base = baseSchema.safeParse(json);
  if (!base.success) return { ok: false, problems: problemsOf(base.error) };
  const raw = base.data as Record<string, unknown>;
  const status = statusOf(base.data.status);
  if (status === undefined)
    return {
      ok: false,
      problems: [
        `status: expected ${COROOT_STATUSES.join(', ')} (incident, alert) or ${DEPLOYMENT_STATUSES.join(', ')} (deployment), got ${JSON.stringify(base.data.status)}`,
      ],
    };
  const url = base.data.url ?? undefined;
  const common = {
    application: parseApplicationId(base.data.application),
    url,
    custom: customFields(raw),
  };

  if ((DEPLOYMENT_STATUSES as readonly string[]).includes(status)) {
    const parsed = deploymentSchema.safeParse(json);
    if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error) };
    const fragment = urlParts(url).fragment;
    return {
      ok: true,
      notification: {
        kind: 'deployment',
        ...common,
        status: status as DeploymentStatus,
        version: parsed.data.version,
        summary: parsed.data.summary ?? [],
        deploymentId: fragment && fragment.length <= 200 ? safeDecode(fragment) : undefined,
      },
    };
  }

  const isAlert = 'rule_name' in raw || idParam(url, 'alert') !== undefined;
  if (isAlert) {
    const parsed = alertSchema.safeParse(json);
    if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error) };
    const data = parsed.data;
    return {
      ok: true,
      notification: {
        kind: 'alert',
        ...common,
        alertId: idParam(url, 'alert') ?? `${data.rule_name}@${data.application}`,
        status: status as CorootStatus,
        projectName: data.project_name,
        ruleName: data.rule_name,
        severity: data.severity.toLowerCase(),
        summary: data.summary,
        details: (data.details ?? []).map((d) => ({ name: d.name, value: d.value })),
        duration: data.duration,
        resolvedBy: data.resolved_by,
      },
    };
  }

  const parsed = incidentSchema.safeParse(json);
  if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error) };
  return {
    ok: true,
    notification: {
      kind: 'incident',
      ...common,
      key: idParam(url, 'incident') ?? parsed.data.application,
      status: status as CorootStatus,
      reports: (parsed.data.reports ?? []).map((r) => ({
        name: r.name,
        check: r.check,
        message: r.message,
      })),
      rcaSummary: parsed.data.rca_summary,
    },
  };
}
