// Argo CD: applications with sync and health (the seed's argocd_sync among them), what a sync
// would change (a per-field diff of desired against live state), history and rollback. Sync never
// prunes; pruning is a separate, destructive tool.
import { diffValues, mutationOutput, type Change } from '@homelab/kit';
import { z } from 'zod';
import type { Application, ManagedResource } from '../clients/argocd.js';
import { CHANGE, nameField, READ, tool } from './common.js';

function summarizeApp(app: Application) {
  const source = app.spec.source ?? app.spec.sources?.[0];
  return {
    name: app.metadata.name,
    project: app.spec.project ?? 'default',
    sync: app.status.sync?.status ?? 'Unknown',
    health: app.status.health?.status ?? 'Unknown',
    revision: app.status.sync?.revision,
    repo: source?.repoURL,
    path: source?.path ?? source?.chart,
    targetRevision: source?.targetRevision,
    destination: app.spec.destination?.namespace,
    autoSync: Boolean(app.spec.syncPolicy?.automated),
  };
}

const appSummary = z.object({
  name: z.string().describe('Application name'),
  project: z.string().describe('Argo CD project'),
  sync: z.string().describe('Synced, OutOfSync or Unknown'),
  health: z.string().describe('Healthy, Progressing, Degraded, Suspended, Missing or Unknown'),
  revision: z.string().optional().describe('Deployed revision'),
  repo: z.string().optional().describe('Source repository'),
  path: z.string().optional().describe('Path or chart in the repository'),
  targetRevision: z.string().optional().describe('Branch, tag or version tracked'),
  destination: z.string().optional().describe('Destination namespace'),
  autoSync: z.boolean().describe('Whether automated sync is on'),
});

export const argocdListApplications = tool.read({
  name: 'argocd_list_applications',
  title: 'List Argo CD applications',
  description:
    'Argo CD applications with sync status (Synced/OutOfSync) and health (Healthy/Degraded/...), source and destination. Filter to the ones that need attention.',
  input: z.object({
    onlyProblems: z
      .boolean()
      .default(false)
      .describe('Only applications that are not Synced and Healthy'),
  }),
  output: z.object({ applications: z.array(appSummary).describe('Applications by name') }),
  annotations: READ,
  risk: 'read',
  text: (out) =>
    `${out.applications.length} application(s):\n` +
    out.applications.map((a) => `- ${a.name}: ${a.sync}, ${a.health}`).join('\n'),
  handler: async (input, ctx) => {
    const apps = (await ctx.clients.argocd().list(ctx.signal)).map(summarizeApp);
    return {
      applications: apps
        .filter((a) => !input.onlyProblems || a.sync !== 'Synced' || a.health !== 'Healthy')
        .sort((a, b) => a.name.localeCompare(b.name)),
    };
  },
});

export const argocdGetApplication = tool.read({
  name: 'argocd_get_application',
  title: 'Get an Argo CD application',
  description:
    'One application: sync and health, the resources it manages with their own status, conditions (errors, warnings) and the last operation.',
  input: z.object({ name: nameField('Application name') }),
  output: appSummary.extend({
    resources: z
      .array(
        z.object({
          kind: z.string(),
          namespace: z.string().optional(),
          name: z.string(),
          sync: z.string().optional(),
          health: z.string().optional(),
        }),
      )
      .describe('Managed resources (out-of-sync or unhealthy first)'),
    conditions: z
      .array(z.object({ type: z.string(), message: z.string() }))
      .describe('Application conditions'),
    lastOperation: z
      .object({
        phase: z.string(),
        message: z.string().optional(),
        finishedAt: z.string().optional(),
      })
      .optional()
      .describe('Last sync operation'),
  }),
  annotations: READ,
  risk: 'read',
  handler: async (input, ctx) => {
    const app = await ctx.clients.argocd().get(input.name, ctx.signal);
    const resources = (app.status.resources ?? [])
      .map((r) => ({
        kind: r.kind ?? '',
        namespace: r.namespace,
        name: r.name ?? '',
        sync: r.status,
        health: r.health?.status,
      }))
      .sort(
        (a, b) =>
          Number(a.sync === 'Synced' && a.health !== 'Degraded') -
          Number(b.sync === 'Synced' && b.health !== 'Degraded'),
      )
      .slice(0, 100);
    const op = app.status.operationState;
    return {
      ...summarizeApp(app),
      resources,
      conditions: (app.status.conditions ?? []).map((c) => ({
        type: c.type ?? 'Unknown',
        message: (c.message ?? '').slice(0, 500),
      })),
      lastOperation: op?.phase
        ? { phase: op.phase, message: op.message, finishedAt: op.finishedAt }
        : undefined,
    };
  },
});

const IGNORED_TOP = new Set(['status']);
const IGNORED_METADATA = new Set([
  'managedFields',
  'resourceVersion',
  'uid',
  'generation',
  'creationTimestamp',
  'selfLink',
]);

function comparable(json: string | undefined): unknown {
  if (!json || json === 'null') return undefined;
  const value = JSON.parse(json) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (IGNORED_TOP.has(key)) continue;
    if (key === 'metadata' && item && typeof item === 'object') {
      out.metadata = Object.fromEntries(
        Object.entries(item).filter(([k]) => !IGNORED_METADATA.has(k) && k !== 'annotations'),
      );
    } else out[key] = item;
  }
  return out;
}

function resourceChanges(
  resource: ManagedResource,
): { resource: string; change: 'create' | 'update' | 'delete'; fields: Change[] } | undefined {
  const target = comparable(resource.targetState);
  const live = comparable(resource.normalizedLiveState ?? resource.liveState);
  const label = `${resource.kind ?? '?'} ${resource.namespace ? `${resource.namespace}/` : ''}${resource.name ?? '?'}`;
  if (target === undefined && live === undefined) return undefined;
  if (live === undefined) return { resource: label, change: 'create', fields: [] };
  if (target === undefined) return { resource: label, change: 'delete', fields: [] };
  const fields = diffValues(live, target);
  return fields.length > 0
    ? { resource: label, change: 'update', fields: fields.slice(0, 50) }
    : undefined;
}

const diffOutput = z.object({
  application: z.string().describe('Application name'),
  sync: z.string().describe('Sync status'),
  resources: z
    .array(
      z.object({
        resource: z.string().describe('Kind namespace/name'),
        change: z
          .enum(['create', 'update', 'delete'])
          .describe('What a sync would do (delete only with prune)'),
        fields: z
          .array(z.object({ path: z.string(), before: z.unknown(), after: z.unknown() }))
          .describe('Changed fields: live → desired'),
      }),
    )
    .describe('Resources a sync would change'),
});

export const argocdDiff = tool.read({
  name: 'argocd_diff',
  title: 'Argo CD diff',
  description:
    'What a sync of an application would change: per resource, the fields whose live value differs from the desired one in Git (live → desired), and resources to create or prune.',
  input: z.object({ name: nameField('Application name') }),
  output: diffOutput,
  annotations: READ,
  risk: 'read',
  handler: async (input, ctx) => {
    const argocd = ctx.clients.argocd();
    const [app, managed] = await Promise.all([
      argocd.get(input.name, ctx.signal),
      argocd.managedResources(input.name, ctx.signal),
    ]);
    const resources = managed
      .filter((r) => !r.hook)
      .map(resourceChanges)
      .filter((r) => r !== undefined);
    return { application: input.name, sync: app.status.sync?.status ?? 'Unknown', resources };
  },
});

const syncResult = mutationOutput({
  application: appSummary.optional().describe('The application after the request'),
});

async function sync(
  name: string,
  prune: boolean,
  dryRun: boolean,
  revision: string | undefined,
  ctx: Parameters<typeof argocdDiff.handler>[1],
) {
  const argocd = ctx.clients.argocd();
  const before = await argocd.get(name, ctx.signal);
  const managed = await argocd.managedResources(name, ctx.signal);
  const planned = managed
    .filter((r) => !r.hook)
    .map(resourceChanges)
    .filter((r) => r !== undefined)
    .filter((r) => prune || r.change !== 'delete');
  const changes: Change[] = planned.flatMap((r) =>
    r.fields.length > 0
      ? r.fields.map((f) => ({ ...f, path: `${r.resource}: ${f.path}` }))
      : [
          {
            path: r.resource,
            before: r.change === 'create' ? undefined : '(live)',
            after: r.change === 'delete' ? undefined : '(desired)',
          },
        ],
  );
  const verb = prune ? 'sync with prune' : 'sync';
  if (dryRun) {
    await argocd.sync(name, { prune, dryRun: true, revision }, ctx.signal);
    return {
      dryRun: true,
      applied: false,
      summary: `Would ${verb} ${name} (${before.status.sync?.status ?? 'Unknown'}): ${planned.length} resource(s) change`,
      changes,
      application: summarizeApp(before),
    };
  }
  const after = await argocd.sync(name, { prune, dryRun: false, revision }, ctx.signal);
  return {
    dryRun: false,
    applied: true,
    summary: `Started ${verb} of ${name}: ${planned.length} resource(s) change`,
    changes,
    application: summarizeApp(after),
  };
}

const syncInput = {
  name: nameField('Application name'),
  revision: z
    .string()
    .max(200)
    .optional()
    .describe('Revision (commit, tag, branch) to sync to; default: the tracked one'),
};

export const argocdSync = tool.write({
  name: 'argocd_sync',
  title: 'Sync an Argo CD application',
  description:
    'Apply the desired state from Git to the cluster for one application, without pruning. With dryRun, Argo CD validates the sync and the diff is returned.',
  input: z.object(syncInput),
  output: syncResult,
  annotations: { ...CHANGE, idempotentHint: false },
  risk: 'low',
  handler: (input, ctx) => sync(input.name, false, input.dryRun, input.revision, ctx),
});

export const argocdSyncWithPrune = tool.write({
  name: 'argocd_sync_with_prune',
  title: 'Sync and prune',
  description:
    'Sync an application and delete the live resources that are no longer in Git. Destructive: the pruned resources are gone. Check argocd_diff first.',
  input: z.object(syncInput),
  output: syncResult,
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true,
  },
  risk: 'high',
  handler: (input, ctx) => sync(input.name, true, input.dryRun, input.revision, ctx),
});

export const argocdHistory = tool.read({
  name: 'argocd_history',
  title: 'Argo CD history',
  description:
    'The deployment history of an application, newest first: history id (for rollback), revision, when, and the source.',
  input: z.object({
    name: nameField('Application name'),
    limit: z.number().int().min(1).max(50).default(10).describe('At most this many entries'),
  }),
  output: z.object({
    application: z.string().describe('Application name'),
    history: z
      .array(
        z.object({
          id: z.number().describe('History id, for argocd_rollback'),
          revision: z.string().optional().describe('Git revision'),
          deployedAt: z.string().optional().describe('When'),
          targetRevision: z.string().optional().describe('Tracked branch, tag or version'),
        }),
      )
      .describe('Entries, newest first'),
  }),
  annotations: READ,
  risk: 'read',
  handler: async (input, ctx) => {
    const app = await ctx.clients.argocd().get(input.name, ctx.signal);
    const history = [...(app.status.history ?? [])]
      .sort((a, b) => b.id - a.id)
      .slice(0, input.limit)
      .map((h) => ({
        id: h.id,
        revision: h.revision,
        deployedAt: h.deployedAt,
        targetRevision: h.source?.targetRevision,
      }));
    return { application: input.name, history };
  },
});

export const argocdRollback = tool.write({
  name: 'argocd_rollback',
  title: 'Roll back an Argo CD application',
  description:
    'Redeploy an earlier revision from the history (see argocd_history). Argo CD refuses while automated sync is on; turn it off first. Does not prune.',
  input: z.object({
    name: nameField('Application name'),
    id: z.number().int().min(0).describe('History id to roll back to'),
  }),
  output: syncResult,
  annotations: { ...CHANGE, idempotentHint: true },
  risk: 'low',
  handler: async (input, ctx) => {
    const argocd = ctx.clients.argocd();
    const before = await argocd.get(input.name, ctx.signal);
    const entry = (before.status.history ?? []).find((h) => h.id === input.id);
    const current = before.status.sync?.revision;
    const changes = [
      {
        path: `${input.name}.revision`,
        before: current,
        after: entry?.revision ?? `(history ${input.id})`,
      },
    ];
    if (input.dryRun) {
      await argocd.rollback(input.name, input.id, true, ctx.signal);
      return {
        dryRun: true,
        applied: false,
        summary: `Would roll ${input.name} back to history ${input.id}`,
        changes,
        application: summarizeApp(before),
      };
    }
    const after = await argocd.rollback(input.name, input.id, false, ctx.signal);
    return {
      dryRun: false,
      applied: true,
      summary: `Rolling ${input.name} back to history ${input.id}`,
      changes,
      application: summarizeApp(after),
    };
  },
});

export const argocdToolset = tool.toolset({
  name: 'argocd',
  description: 'Argo CD applications: status, diff, sync, history, rollback',
  tools: [
    argocdListApplications,
    argocdGetApplication,
    argocdDiff,
    argocdSync,
    argocdSyncWithPrune,
    argocdHistory,
    argocdRollback,
  ],
});
