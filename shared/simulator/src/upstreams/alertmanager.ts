// The simulated Alertmanager (v2 API, specs/alertmanager-v0.34.0-api-v2-openapi.yaml): alerts
// and silences held in memory, silences muting matching alerts as the real one does, so the
// example server and later the orchestrator can be exercised without a real Alertmanager.
import { createHash, randomUUID } from 'node:crypto';
import { loadContract } from '../contract.js';
import { startUpstream } from '../upstream.js';
import { specPath } from '../spec-path.js';
import type { SimRequest, SimResponse, Upstream } from '../types.js';

export interface SimMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual?: boolean;
}

export interface SimAlert {
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  generatorURL?: string;
}

export interface SimSilence {
  id: string;
  matchers: SimMatcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  annotations: Record<string, string>;
  updatedAt: string;
}

export interface AlertmanagerState {
  version: string;
  startedAt: string;
  alerts: Map<string, SimAlert>;
  silences: Map<string, SimSilence>;
}

export interface NewSimAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
}

function fingerprintOf(labels: Record<string, string>): string {
  const canonical = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** Regex matchers are anchored, as in Alertmanager. */
function anchored(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

function matches(matcher: SimMatcher, labels: Record<string, string>): boolean {
  const value = labels[matcher.name] ?? '';
  const hit = matcher.isRegex ? anchored(matcher.value).test(value) : value === matcher.value;
  return (matcher.isEqual ?? true) ? hit : !hit;
}

/** A regex matcher whose pattern does not compile (Alertmanager answers 400 for it). */
function badRegex(matcher: SimMatcher): boolean {
  if (!matcher.isRegex) return false;
  try {
    anchored(matcher.value);
    return false;
  } catch {
    return true;
  }
}

/**
 * Parses Alertmanager filter expressions: name="v", name!="v", name=~"re", name!~"re".
 * Undefined when the expression is not a matcher or its regex does not compile.
 */
export function parseFilter(expression: string): SimMatcher | undefined {
  const found = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$/.exec(expression);
  if (!found) return undefined;
  const [, name = '', op = '=', raw = ''] = found;
  let value: string;
  try {
    value = JSON.parse(`"${raw}"`) as string;
  } catch {
    value = raw;
  }
  const matcher = { name, value, isRegex: op.includes('~'), isEqual: !op.startsWith('!') };
  return badRegex(matcher) ? undefined : matcher;
}

/** Alertmanager lists a silence for a filter when one of its matchers has the same name, type and value. */
function sameMatcher(a: SimMatcher, b: SimMatcher): boolean {
  return (
    a.name === b.name &&
    a.value === b.value &&
    a.isRegex === b.isRegex &&
    (a.isEqual ?? true) === (b.isEqual ?? true)
  );
}

function silenceState(silence: SimSilence, now: number): 'expired' | 'active' | 'pending' {
  if (Date.parse(silence.endsAt) <= now) return 'expired';
  if (Date.parse(silence.startsAt) > now) return 'pending';
  return 'active';
}

function silencingIds(
  state: AlertmanagerState,
  labels: Record<string, string>,
  now: number,
): string[] {
  return [...state.silences.values()]
    .filter((s) => silenceState(s, now) === 'active' && s.matchers.every((m) => matches(m, labels)))
    .map((s) => s.id);
}

function gettableSilence(silence: SimSilence, now: number) {
  return { ...silence, status: { state: silenceState(silence, now) } };
}

function filtersOf(req: SimRequest): SimMatcher[] | SimResponse {
  const matchers: SimMatcher[] = [];
  for (const expression of req.query.getAll('filter')) {
    const matcher = parseFilter(expression);
    if (!matcher) return { status: 400, body: `bad matcher format: ${expression}` };
    matchers.push(matcher);
  }
  return matchers;
}

function flag(req: SimRequest, name: string): boolean {
  return req.query.get(name) !== 'false';
}

export function addAlert(state: AlertmanagerState, alert: NewSimAlert): SimAlert {
  const now = new Date().toISOString();
  const fingerprint = fingerprintOf(alert.labels);
  const existing = state.alerts.get(fingerprint);
  const stored: SimAlert = {
    fingerprint,
    labels: alert.labels,
    annotations: alert.annotations ?? existing?.annotations ?? {},
    startsAt: alert.startsAt ?? existing?.startsAt ?? now,
    endsAt: alert.endsAt ?? new Date(Date.now() + 5 * 60_000).toISOString(),
    updatedAt: now,
  };
  state.alerts.set(fingerprint, stored);
  return stored;
}

export function createAlertmanagerState(
  seed: { alerts?: NewSimAlert[]; version?: string } = {},
): AlertmanagerState {
  const state: AlertmanagerState = {
    version: seed.version ?? '0.34.0',
    startedAt: new Date().toISOString(),
    alerts: new Map(),
    silences: new Map(),
  };
  for (const alert of seed.alerts ?? []) addAlert(state, alert);
  return state;
}

/** Alerts a small homelab might have firing; the demo's starting point. */
export const demoAlerts: NewSimAlert[] = [
  {
    labels: {
      alertname: 'KubePodMemoryHigh',
      severity: 'warning',
      namespace: 'media',
      pod: 'radarr-7d9f8b6c5d-x2k4q',
    },
    annotations: { summary: 'radarr uses 95% of its 1Gi memory limit' },
  },
  {
    labels: {
      alertname: 'DiskAlmostFull',
      severity: 'critical',
      instance: 'nas:9100',
      mountpoint: '/srv/media',
    },
    annotations: { summary: '/srv/media on nas is 92% full' },
  },
  {
    labels: { alertname: 'CertificateExpiresSoon', severity: 'info', domain: 'home.example.org' },
    annotations: { summary: 'TLS certificate for home.example.org expires in 12 days' },
  },
];

export async function startAlertmanagerSim(
  options: { state?: AlertmanagerState; token?: string } = {},
): Promise<Upstream<AlertmanagerState>> {
  const contract = await loadContract(specPath('alertmanager-v0.34.0-api-v2-openapi.yaml'));
  const state = options.state ?? createAlertmanagerState();
  return startUpstream<AlertmanagerState>({
    name: 'alertmanager',
    contract,
    state,
    auth: options.token
      ? (req) => req.headers.authorization === `Bearer ${options.token}`
      : undefined,
    routes: [
      {
        method: 'GET',
        path: '/api/v2/status',
        handler: (_req, s) => ({
          status: 200,
          body: {
            cluster: { status: 'disabled', peers: [] },
            versionInfo: {
              version: s.version,
              revision: 'sim',
              branch: 'sim',
              buildUser: 'sim',
              buildDate: s.startedAt,
              goVersion: 'go1.26',
            },
            config: { original: "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n" },
            uptime: s.startedAt,
          },
        }),
      },
      {
        method: 'GET',
        path: '/api/v2/alerts',
        handler: (req, s) => {
          const filters = filtersOf(req);
          if (!Array.isArray(filters)) return filters;
          const now = Date.now();
          const body = [...s.alerts.values()]
            .filter((a) => Date.parse(a.endsAt) > now && filters.every((m) => matches(m, a.labels)))
            .map((a) => {
              const silencedBy = silencingIds(s, a.labels, now);
              const state = silencedBy.length > 0 ? 'suppressed' : 'active';
              return {
                ...a,
                receivers: [{ name: 'null' }],
                status: { state, silencedBy, inhibitedBy: [], mutedBy: [] },
              };
            })
            .filter((a) =>
              a.status.state === 'active' ? flag(req, 'active') : flag(req, 'silenced'),
            );
          return { status: 200, body };
        },
      },
      {
        method: 'POST',
        path: '/api/v2/alerts',
        handler: (req, s) => {
          for (const alert of req.body as NewSimAlert[]) addAlert(s, alert);
          return { status: 200 };
        },
      },
      {
        method: 'GET',
        path: '/api/v2/silences',
        handler: (req, s) => {
          const filters = filtersOf(req);
          if (!Array.isArray(filters)) return filters;
          const now = Date.now();
          const body = [...s.silences.values()]
            .filter((silence) =>
              filters.every((f) => silence.matchers.some((m) => sameMatcher(m, f))),
            )
            .map((silence) => gettableSilence(silence, now));
          return { status: 200, body };
        },
      },
      {
        method: 'POST',
        path: '/api/v2/silences',
        handler: (req, s) => {
          const posted = req.body as Omit<SimSilence, 'id' | 'updatedAt' | 'annotations'> & {
            id?: string;
            annotations?: Record<string, string>;
          };
          if (Date.parse(posted.endsAt) <= Date.parse(posted.startsAt)) {
            return {
              status: 400,
              body: 'failed to create silence: end time must not be before start time',
            };
          }
          if (Date.parse(posted.endsAt) < Date.now()) {
            return { status: 400, body: "failed to create silence: end time can't be in the past" };
          }
          const invalid = posted.matchers.find(badRegex);
          if (invalid) {
            return {
              status: 400,
              body: `invalid silence: invalid regular expression ${JSON.stringify(invalid.value)}`,
            };
          }
          if (posted.id && !s.silences.has(posted.id))
            return { status: 404, body: `silence ${posted.id} not found` };
          const id = posted.id ?? randomUUID();
          s.silences.set(id, {
            id,
            matchers: posted.matchers,
            startsAt: posted.startsAt,
            endsAt: posted.endsAt,
            createdBy: posted.createdBy,
            comment: posted.comment,
            annotations: posted.annotations ?? {},
            updatedAt: new Date().toISOString(),
          });
          return { status: 200, body: { silenceID: id } };
        },
      },
      {
        method: 'GET',
        path: '/api/v2/silence/{silenceID}',
        handler: (req, s) => {
          const silence = s.silences.get(req.params.silenceID ?? '');
          return silence
            ? { status: 200, body: gettableSilence(silence, Date.now()) }
            : { status: 404 };
        },
      },
      {
        method: 'DELETE',
        path: '/api/v2/silence/{silenceID}',
        handler: (req, s) => {
          const silence = s.silences.get(req.params.silenceID ?? '');
          if (!silence) return { status: 404 };
          const now = new Date().toISOString();
          silence.endsAt = now;
          silence.updatedAt = now;
          return { status: 200 };
        },
      },
    ],
  });
}
