// Rollout undo and resource usage. Undo does what `kubectl rollout undo` does for a deployment:
// find its ReplicaSets, take the template of the previous (or a named) revision, and patch the
// deployment back to it — previewed by the API server first. Top reads the metrics API and says
// plainly when the cluster has none (no metrics-server).
import {
  diffValues,
  InvalidInputError,
  mutationOutput,
  NotFoundError,
  UpstreamError,
} from '@homelab/kit';
import { z } from 'zod';
import {
  CHANGE,
  listSchema,
  metadataSchema,
  nameField,
  namespaceField,
  READ,
  tool,
} from './common.js';
import { workloadPath, workloadSchema, type Workload } from './workloads.js';

const REVISION = 'deployment.kubernetes.io/revision';

const replicaSetSchema = z
  .object({
    metadata: metadataSchema.extend({
      ownerReferences: z
        .array(z.object({ kind: z.string(), name: z.string(), uid: z.string().optional() }).loose())
        .optional(),
    }),
    spec: z.object({ template: z.record(z.string(), z.unknown()) }).loose(),
  })
  .loose();

function templateView(template: Workload['spec']['template']) {
  return {
    containers: Object.fromEntries(
      template.spec.containers.map((c) => [
        c.name,
        {
          image: c.image,
          requests: c.resources?.requests ?? {},
          limits: c.resources?.limits ?? {},
        },
      ]),
    ),
  };
}

export const rolloutUndo = tool.write({
  name: 'rollout_undo',
  title: 'Undo a deployment rollout',
  description:
    'Roll a deployment back to its previous revision (or a given one), like kubectl rollout undo. Shows which images and resources change back.',
  input: z.object({
    namespace: namespaceField,
    name: nameField('Deployment name'),
    toRevision: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Revision to go back to (default: the previous one)'),
  }),
  output: mutationOutput({
    fromRevision: z.number().optional().describe('Current revision'),
    toRevision: z.number().optional().describe('Revision restored'),
  }),
  annotations: CHANGE,
  risk: 'low',
  handler: async (input, ctx) => {
    const kube = ctx.clients.kube;
    const path = workloadPath('deployment', input.namespace, input.name);
    const deployment = await kube.get(path, {
      schema: workloadSchema,
      signal: ctx.signal,
      what: `deployment ${input.namespace}/${input.name}`,
    });
    const current = Number(deployment.metadata.annotations?.[REVISION] ?? 0);
    const sets = await kube.get(`/apis/apps/v1/namespaces/${input.namespace}/replicasets`, {
      schema: listSchema(replicaSetSchema),
      signal: ctx.signal,
    });
    const owned = sets.items
      .filter((rs) =>
        rs.metadata.ownerReferences?.some((o) => o.kind === 'Deployment' && o.name === input.name),
      )
      .map((rs) => ({ revision: Number(rs.metadata.annotations?.[REVISION] ?? 0), rs }))
      .sort((a, b) => b.revision - a.revision);
    const target = input.toRevision
      ? owned.find((o) => o.revision === input.toRevision)
      : owned.find((o) => o.revision < current);
    if (!target) {
      if (input.toRevision)
        throw new NotFoundError(
          `Revision ${input.toRevision} of deployment ${input.name}`,
          owned.map((o) => String(o.revision)),
        );
      throw new InvalidInputError(
        `deployment ${input.name} has no earlier revision to roll back to`,
      );
    }
    const template = structuredClone(target.rs.spec.template) as {
      metadata?: { labels?: Record<string, string> };
    };
    delete template.metadata?.labels?.['pod-template-hash'];
    const patch = { spec: { template } };
    const preview = await kube.patch(path, 'merge', patch, {
      query: { dryRun: 'All' },
      schema: workloadSchema,
      signal: ctx.signal,
    });
    const changes = diffValues(
      templateView(deployment.spec.template),
      templateView(preview.spec.template),
    );
    const summary = `deployment ${input.namespace}/${input.name} from revision ${current} to ${target.revision}`;
    if (input.dryRun)
      return {
        dryRun: true,
        applied: false,
        summary: `Would roll back ${summary}`,
        changes,
        fromRevision: current,
        toRevision: target.revision,
      };
    await kube.patch(path, 'merge', patch, { schema: workloadSchema, signal: ctx.signal });
    return {
      dryRun: false,
      applied: true,
      summary: `Rolled back ${summary}`,
      changes,
      fromRevision: current,
      toRevision: target.revision,
    };
  },
});

const usage = z.object({ cpu: z.string(), memory: z.string() }).loose();
const podMetrics = z
  .object({
    metadata: metadataSchema,
    containers: z.array(z.object({ name: z.string(), usage }).loose()),
  })
  .loose();
const nodeMetrics = z.object({ metadata: metadataSchema, usage }).loose();

/** CPU in millicores and memory in MiB from Kubernetes quantities. */
function cpuMillis(q: string): number {
  if (q.endsWith('n')) return Number(q.slice(0, -1)) / 1e6;
  if (q.endsWith('u')) return Number(q.slice(0, -1)) / 1e3;
  if (q.endsWith('m')) return Number(q.slice(0, -1));
  return Number(q) * 1000;
}

function memoryMiB(q: string): number {
  const units: Record<string, number> = {
    Ki: 1 / 1024,
    Mi: 1,
    Gi: 1024,
    Ti: 1024 * 1024,
    k: 1e3 / 1048576,
    M: 1e6 / 1048576,
    G: 1e9 / 1048576,
  };
  const match = /^([0-9.]+)([A-Za-z]*)$/.exec(q);
  if (!match) return 0;
  return Number(match[1]) * (units[match[2] ?? ''] ?? 1 / 1048576);
}

const topOutput = {
  available: z
    .boolean()
    .describe('False when the cluster has no metrics API (metrics-server not installed)'),
  message: z.string().optional().describe('Why usage is missing, when it is'),
};

async function metricsOrAbsent<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (
      error instanceof NotFoundError ||
      (error instanceof UpstreamError && (error.status === 404 || error.status === 503))
    )
      return undefined;
    throw error;
  }
}

const NO_METRICS =
  'The cluster has no metrics API (metrics.k8s.io); install metrics-server to see usage.';

export const topPods = tool.read({
  name: 'top_pods',
  title: 'Pod resource usage',
  description:
    'Current CPU (millicores) and memory (MiB) of pods, heaviest first, from the metrics API. Says so when the cluster has no metrics-server.',
  input: z.object({
    namespace: namespaceField.optional().describe('Namespace; omit for all'),
    sortBy: z.enum(['memory', 'cpu']).default('memory').describe('Sort by memory or cpu'),
    limit: z.number().int().min(1).max(200).default(20).describe('At most this many pods'),
  }),
  output: z.object({
    ...topOutput,
    pods: z
      .array(
        z.object({
          namespace: z.string(),
          name: z.string(),
          cpuMillicores: z.number(),
          memoryMiB: z.number(),
        }),
      )
      .describe('Pods, heaviest first'),
  }),
  annotations: READ,
  risk: 'read',
  handler: async (input, ctx) => {
    const path = input.namespace
      ? `/apis/metrics.k8s.io/v1beta1/namespaces/${input.namespace}/pods`
      : '/apis/metrics.k8s.io/v1beta1/pods';
    const list = await metricsOrAbsent(() =>
      ctx.clients.kube.get(path, { schema: listSchema(podMetrics), signal: ctx.signal }),
    );
    if (!list) return { available: false, message: NO_METRICS, pods: [] };
    const pods = list.items
      .map((p) => ({
        namespace: p.metadata.namespace ?? '',
        name: p.metadata.name,
        cpuMillicores: Math.round(p.containers.reduce((s, c) => s + cpuMillis(c.usage.cpu), 0)),
        memoryMiB: Math.round(p.containers.reduce((s, c) => s + memoryMiB(c.usage.memory), 0)),
      }))
      .sort((a, b) =>
        input.sortBy === 'cpu' ? b.cpuMillicores - a.cpuMillicores : b.memoryMiB - a.memoryMiB,
      );
    return { available: true, pods: pods.slice(0, input.limit) };
  },
});

export const topNodes = tool.read({
  name: 'top_nodes',
  title: 'Node resource usage',
  description:
    'Current CPU and memory use of each node from the metrics API. Says so when the cluster has no metrics-server.',
  input: z.object({}),
  output: z.object({
    ...topOutput,
    nodes: z
      .array(z.object({ name: z.string(), cpuMillicores: z.number(), memoryMiB: z.number() }))
      .describe('Nodes by name'),
  }),
  annotations: READ,
  risk: 'read',
  handler: async (_input, ctx) => {
    const list = await metricsOrAbsent(() =>
      ctx.clients.kube.get('/apis/metrics.k8s.io/v1beta1/nodes', {
        schema: listSchema(nodeMetrics),
        signal: ctx.signal,
      }),
    );
    if (!list) return { available: false, message: NO_METRICS, nodes: [] };
    return {
      available: true,
      nodes: list.items
        .map((n) => ({
          name: n.metadata.name,
          cpuMillicores: Math.round(cpuMillis(n.usage.cpu)),
          memoryMiB: Math.round(memoryMiB(n.usage.memory)),
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    };
  },
});

export const rolloutToolset = tool.toolset({
  name: 'kubernetes_usage',
  description: 'Rollout undo and resource usage (top)',
  tools: [rolloutUndo, topPods, topNodes],
});
