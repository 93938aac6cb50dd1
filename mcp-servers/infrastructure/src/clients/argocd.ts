// Typed client for Argo CD's REST API (specs/argocd-v3.5.1-swagger.json) on the kit's upstream
// helper: applications with sync and health, managed resources for diffs, sync and rollback.
// Schemas keep only the fields the tools use and accept int64 ids as strings or numbers
// (the spec says integer; older servers sent strings).
import { UpstreamClient, type ServerMetrics } from '@homelab/kit';
import { z } from 'zod';

const int64 = z.union([z.string(), z.number()]).transform((v) => Number(v));

const sourceSchema = z
  .object({
    repoURL: z.string().optional(),
    path: z.string().optional(),
    chart: z.string().optional(),
    targetRevision: z.string().optional(),
  })
  .loose();

export const applicationSchema = z
  .object({
    metadata: z.object({ name: z.string(), namespace: z.string().optional() }).loose(),
    spec: z
      .object({
        project: z.string().optional(),
        source: sourceSchema.optional(),
        sources: z.array(sourceSchema).optional(),
        destination: z
          .object({
            server: z.string().optional(),
            name: z.string().optional(),
            namespace: z.string().optional(),
          })
          .loose()
          .optional(),
        syncPolicy: z.object({ automated: z.unknown().optional() }).loose().nullish(),
      })
      .loose(),
    status: z
      .object({
        sync: z
          .object({ status: z.string().optional(), revision: z.string().optional() })
          .loose()
          .optional(),
        health: z
          .object({ status: z.string().optional(), message: z.string().optional() })
          .loose()
          .optional(),
        history: z
          .array(
            z
              .object({
                id: int64,
                revision: z.string().optional(),
                deployedAt: z.string().optional(),
                source: sourceSchema.optional(),
                initiatedBy: z.unknown().optional(),
              })
              .loose(),
          )
          .optional(),
        resources: z
          .array(
            z
              .object({
                group: z.string().optional(),
                kind: z.string().optional(),
                namespace: z.string().optional(),
                name: z.string().optional(),
                status: z.string().optional(),
                health: z
                  .object({ status: z.string().optional(), message: z.string().optional() })
                  .loose()
                  .optional(),
              })
              .loose(),
          )
          .optional(),
        conditions: z
          .array(z.object({ type: z.string().optional(), message: z.string().optional() }).loose())
          .optional(),
        operationState: z
          .object({
            phase: z.string().optional(),
            message: z.string().optional(),
            startedAt: z.string().optional(),
            finishedAt: z.string().optional(),
          })
          .loose()
          .optional(),
      })
      .loose()
      .default({}),
  })
  .loose();
export type Application = z.output<typeof applicationSchema>;

const managedResourcesSchema = z.object({
  items: z
    .array(
      z
        .object({
          group: z.string().optional(),
          kind: z.string().optional(),
          namespace: z.string().optional(),
          name: z.string().optional(),
          targetState: z.string().optional(),
          liveState: z.string().optional(),
          normalizedLiveState: z.string().optional(),
          predictedLiveState: z.string().optional(),
          modified: z.boolean().optional(),
          hook: z.boolean().optional(),
        })
        .loose(),
    )
    .default([]),
});
export type ManagedResource = z.output<typeof managedResourcesSchema>['items'][number];

export class ArgoCdClient {
  private readonly http: UpstreamClient;

  constructor(options: {
    url: string;
    token?: string;
    timeoutMs: number;
    metrics?: ServerMetrics;
  }) {
    this.http = new UpstreamClient({
      service: 'Argo CD',
      baseUrl: options.url,
      pathPrefix: '/api/v1',
      headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
      timeoutMs: options.timeoutMs,
      urlVariable: 'ARGOCD_URL',
      credentialVariable: 'ARGOCD_TOKEN',
      metrics: options.metrics,
    });
  }

  async list(signal?: AbortSignal): Promise<Application[]> {
    const list = await this.http.get('/applications', {
      schema: z.object({ items: z.array(applicationSchema).nullish() }).loose(),
      signal,
    });
    return list.items ?? [];
  }

  get(name: string, signal?: AbortSignal): Promise<Application> {
    return this.http.get(`/applications/${encodeURIComponent(name)}`, {
      schema: applicationSchema,
      signal,
      what: `application ${name}`,
    });
  }

  async managedResources(name: string, signal?: AbortSignal): Promise<ManagedResource[]> {
    const result = await this.http.get(
      `/applications/${encodeURIComponent(name)}/managed-resources`,
      { schema: managedResourcesSchema, signal, what: `application ${name}` },
    );
    return result.items;
  }

  sync(
    name: string,
    options: { prune: boolean; dryRun: boolean; revision?: string },
    signal?: AbortSignal,
  ): Promise<Application> {
    return this.http.post(`/applications/${encodeURIComponent(name)}/sync`, {
      body: {
        name,
        prune: options.prune,
        dryRun: options.dryRun,
        ...(options.revision ? { revision: options.revision } : {}),
      },
      schema: applicationSchema,
      signal,
      what: `application ${name}`,
    });
  }

  rollback(name: string, id: number, dryRun: boolean, signal?: AbortSignal): Promise<Application> {
    return this.http.post(`/applications/${encodeURIComponent(name)}/rollback`, {
      body: { name, id, prune: false, dryRun },
      schema: applicationSchema,
      signal,
      what: `application ${name}`,
    });
  }
}
