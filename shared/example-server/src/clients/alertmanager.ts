// Typed client for the Alertmanager v2 API (specs/alertmanager-v0.34.0-api-v2-openapi.yaml).
// Response schemas accept what older releases send too (e.g. 0.25 has no `mutedBy`), and
// keep only the fields the tools use.
import { UpstreamClient, type ServerMetrics } from '@homelab/kit';
import { z } from 'zod';

const labelSet = z.record(z.string(), z.string());

export const alertSchema = z.object({
  fingerprint: z.string(),
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: z.string(),
  endsAt: z.string().optional(),
  status: z.object({
    state: z.enum(['unprocessed', 'active', 'suppressed']),
    silencedBy: z.array(z.string()).default([]),
    inhibitedBy: z.array(z.string()).default([]),
  }),
  receivers: z.array(z.object({ name: z.string() })).default([]),
});
export type Alert = z.output<typeof alertSchema>;

export const matcherSchema = z.object({
  name: z.string(),
  value: z.string(),
  isRegex: z.boolean(),
  isEqual: z.boolean().default(true),
});
export type Matcher = z.output<typeof matcherSchema>;

export const silenceSchema = z.object({
  id: z.string(),
  status: z.object({ state: z.enum(['expired', 'active', 'pending']) }),
  matchers: z.array(matcherSchema),
  startsAt: z.string(),
  endsAt: z.string(),
  createdBy: z.string(),
  comment: z.string(),
  updatedAt: z.string().optional(),
});
export type Silence = z.output<typeof silenceSchema>;

const statusSchema = z.object({
  versionInfo: z.object({ version: z.string() }).loose(),
  uptime: z.string(),
  cluster: z.object({ status: z.string(), peers: z.array(z.unknown()).default([]) }).loose(),
});

export interface NewSilence {
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

export class AlertmanagerClient {
  private readonly http: UpstreamClient;

  constructor(options: {
    url: string;
    token?: string;
    timeoutMs: number;
    metrics?: ServerMetrics;
  }) {
    this.http = new UpstreamClient({
      service: 'Alertmanager',
      baseUrl: options.url,
      pathPrefix: '/api/v2',
      headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
      timeoutMs: options.timeoutMs,
      urlVariable: 'ALERTMANAGER_URL',
      credentialVariable: 'ALERTMANAGER_TOKEN',
      metrics: options.metrics,
    });
  }

  status(signal?: AbortSignal) {
    return this.http.get('/status', { schema: statusSchema, signal });
  }

  alerts(query: { filter: string[]; silenced: boolean; inhibited: boolean }, signal?: AbortSignal) {
    return this.http.get('/alerts', {
      query: { filter: query.filter, silenced: query.silenced, inhibited: query.inhibited },
      schema: z.array(alertSchema),
      signal,
    });
  }

  silences(filter: string[], signal?: AbortSignal) {
    return this.http.get('/silences', {
      query: { filter },
      schema: z.array(silenceSchema),
      signal,
    });
  }

  silence(id: string, signal?: AbortSignal) {
    return this.http.get(`/silence/${encodeURIComponent(id)}`, {
      schema: silenceSchema,
      signal,
      what: `silence ${id}`,
    });
  }

  createSilence(silence: NewSilence, signal?: AbortSignal) {
    return this.http.post('/silences', {
      body: silence,
      schema: z.object({ silenceID: z.string() }),
      signal,
    });
  }

  expireSilence(id: string, signal?: AbortSignal) {
    return this.http.delete(`/silence/${encodeURIComponent(id)}`, {
      signal,
      what: `silence ${id}`,
    });
  }
}
