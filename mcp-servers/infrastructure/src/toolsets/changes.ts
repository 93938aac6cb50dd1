// Changing workloads: rollout restart (the seed's restart_deployment), scale, and the requests
// and limits of one container ("Radarr memory 1Gi → 2Gi"). Every change goes through the API
// server's own server-side dry run first, so the before/after diff an approval shows is exactly
// what the API server would store; with dryRun nothing else happens.
import {
  diffValues,
  InvalidInputError,
  mutationOutput,
  type Change,
  type ToolContext,
} from '@homelab/kit';
import { z } from 'zod';
import type { PatchType } from '../clients/kube.js';
import type { InfrastructureConfig } from '../config.js';
import {
  CHANGE,
  nameField,
  namespaceField,
  READ,
  tool,
  type InfrastructureClients,
} from './common.js';
import type { KINDS } from './workloads.js';
import {
  kindField,
  summarizeWorkload,
  workloadPath,
  workloadSchema,
  type Workload,
} from './workloads.js';

type Ctx = ToolContext<InfrastructureClients, InfrastructureConfig>;

/** Reads the object, dry-runs the patch on the API server, and applies it unless dryRun. */
async function patchWithPreview(
  ctx: Ctx,
  kind: keyof typeof KINDS,
  namespace: string,
  name: string,
  type: PatchType,
  patch: unknown,
  dryRun: boolean,
  view: (w: Workload) => unknown,
): Promise<{ before: Workload; after: Workload; changes: Change[] }> {
  const path = workloadPath(kind, namespace, name);
  const what = `${kind} ${namespace}/${name}`;
  const before = await ctx.clients.kube.get(path, {
    schema: workloadSchema,
    signal: ctx.signal,
    what,
  });
  const preview = await ctx.clients.kube.patch(path, type, patch, {
    query: { dryRun: 'All' },
    schema: workloadSchema,
    signal: ctx.signal,
    what,
  });
  const changes = diffValues(view(before), view(preview));
  if (dryRun || changes.length === 0) return { before, after: preview, changes };
  const after = await ctx.clients.kube.patch(path, type, patch, {
    schema: workloadSchema,
    signal: ctx.signal,
    what,
  });
  return { before, after, changes: diffValues(view(before), view(after)) };
}

const workloadResult = mutationOutput({
  workload: z
    .object({
      kind: kindField,
      namespace: z.string(),
      name: z.string(),
      ready: z.string(),
      images: z.array(z.string()),
    })
    .loose()
    .optional()
    .describe('The workload after the change'),
});

function result(
  kind: keyof typeof KINDS,
  dryRun: boolean,
  verb: { done: string; preview: string },
  target: string,
  outcome: { after: Workload; changes: Change[] },
) {
  const applied = !dryRun && outcome.changes.length > 0;
  const summary =
    outcome.changes.length === 0
      ? `${target}: nothing to change`
      : `${dryRun ? `Would ${verb.preview}` : verb.done} ${target}`;
  return {
    dryRun,
    applied,
    summary,
    changes: outcome.changes,
    workload: summarizeWorkload(kind, outcome.after),
  };
}

export const restartDeployment = tool.write({
  name: 'restart_deployment',
  title: 'Restart a workload',
  description:
    'Rollout restart of a deployment, statefulset or daemonset (like kubectl rollout restart): pods are replaced one by one with the same spec. Use rollout_status afterwards.',
  input: z.object({
    namespace: namespaceField,
    name: nameField('Workload name, e.g. radarr'),
    kind: kindField.default('deployment'),
  }),
  output: workloadResult,
  annotations: { ...CHANGE, idempotentHint: false },
  risk: 'low',
  handler: async (input, ctx) => {
    const restartedAt = new Date().toISOString();
    const patch = {
      spec: {
        template: {
          metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': restartedAt } },
        },
      },
    };
    const outcome = await patchWithPreview(
      ctx,
      input.kind,
      input.namespace,
      input.name,
      'strategic',
      patch,
      input.dryRun,
      (w) => ({
        'spec.template.metadata.annotations.restartedAt':
          w.spec.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'] ?? null,
      }),
    );
    return result(
      input.kind,
      input.dryRun,
      { done: 'Restarted', preview: 'restart' },
      `${input.kind} ${input.namespace}/${input.name}`,
      outcome,
    );
  },
});

export const scaleWorkload = tool.write({
  name: 'scale_workload',
  title: 'Scale a workload',
  description: 'Set the replica count of a deployment or statefulset. Scaling to 0 stops the app.',
  input: z.object({
    namespace: namespaceField,
    name: nameField('Workload name'),
    kind: z.enum(['deployment', 'statefulset']).default('deployment').describe('Workload kind'),
    replicas: z.number().int().min(0).max(50).describe('Desired replicas'),
  }),
  output: workloadResult,
  annotations: CHANGE,
  risk: 'low',
  handler: async (input, ctx) => {
    const outcome = await patchWithPreview(
      ctx,
      input.kind,
      input.namespace,
      input.name,
      'merge',
      { spec: { replicas: input.replicas } },
      input.dryRun,
      (w) => ({
        'spec.replicas': w.spec.replicas ?? 1,
      }),
    );
    return result(
      input.kind,
      input.dryRun,
      { done: `Scaled to ${input.replicas}:`, preview: `scale to ${input.replicas}:` },
      `${input.kind} ${input.namespace}/${input.name}`,
      outcome,
    );
  },
});

const QUANTITY = /^([0-9]+(\.[0-9]+)?)(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/;
const quantity = (what: string) =>
  z
    .string()
    .max(20)
    .regex(QUANTITY, 'must be a Kubernetes quantity such as 500m, 1, 512Mi or 2Gi')
    .describe(what);

export const setContainerResources = tool.write({
  name: 'set_container_resources',
  title: 'Set container resources',
  description:
    'Change the CPU/memory requests and limits of one container of a workload (e.g. radarr memory limit 1Gi → 2Gi). Only the values given change. Pods restart with the new values.',
  input: z.object({
    namespace: namespaceField,
    name: nameField('Workload name'),
    kind: kindField.default('deployment'),
    container: nameField(
      'Container name; may be omitted when the workload has one container',
    ).optional(),
    requests: z
      .object({
        cpu: quantity('CPU request').optional(),
        memory: quantity('Memory request').optional(),
      })
      .default({})
      .describe('New requests'),
    limits: z
      .object({
        cpu: quantity('CPU limit').optional(),
        memory: quantity('Memory limit').optional(),
      })
      .default({})
      .describe('New limits'),
  }),
  output: workloadResult,
  annotations: CHANGE,
  risk: 'low',
  handler: async (input, ctx) => {
    const clean = (r: { cpu?: string; memory?: string }) =>
      Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined));
    const requests = clean(input.requests);
    const limits = clean(input.limits);
    if (Object.keys(requests).length + Object.keys(limits).length === 0)
      throw new InvalidInputError('Give at least one request or limit to change');
    const current = await ctx.clients.kube.get(
      workloadPath(input.kind, input.namespace, input.name),
      {
        schema: workloadSchema,
        signal: ctx.signal,
        what: `${input.kind} ${input.namespace}/${input.name}`,
      },
    );
    const containers = current.spec.template.spec.containers;
    const container =
      input.container ?? (containers.length === 1 ? containers[0]?.name : undefined);
    if (!container)
      throw new InvalidInputError(
        `${input.name} has several containers; name one of: ${containers.map((c) => c.name).join(', ')}`,
      );
    if (!containers.some((c) => c.name === container)) {
      throw new InvalidInputError(
        `${input.name} has no container ${container}; it has: ${containers.map((c) => c.name).join(', ')}`,
      );
    }
    const resources: Record<string, Record<string, string>> = {};
    if (Object.keys(requests).length > 0) resources.requests = requests as Record<string, string>;
    if (Object.keys(limits).length > 0) resources.limits = limits as Record<string, string>;
    const patch = {
      spec: { template: { spec: { containers: [{ name: container, resources }] } } },
    };
    const outcome = await patchWithPreview(
      ctx,
      input.kind,
      input.namespace,
      input.name,
      'strategic',
      patch,
      input.dryRun,
      (w) => {
        const c = w.spec.template.spec.containers.find((x) => x.name === container);
        return {
          [`containers.${container}.resources`]: {
            requests: c?.resources?.requests ?? {},
            limits: c?.resources?.limits ?? {},
          },
        };
      },
    );
    return result(
      input.kind,
      input.dryRun,
      { done: 'Changed resources of', preview: 'change resources of' },
      `${input.kind} ${input.namespace}/${input.name} container ${container}`,
      outcome,
    );
  },
});

export const rolloutStatus = tool.read({
  name: 'rollout_status',
  title: 'Rollout status',
  description:
    'Whether a deployment, statefulset or daemonset has finished rolling out: updated, ready and available replicas against desired, and any failing condition.',
  input: z.object({
    namespace: namespaceField,
    name: nameField('Workload name'),
    kind: kindField.default('deployment'),
  }),
  output: z.object({
    complete: z.boolean().describe('True when every replica runs the newest spec and is available'),
    desired: z.number().describe('Desired replicas'),
    updated: z.number().describe('Replicas on the newest spec'),
    ready: z.number().describe('Ready replicas'),
    available: z.number().describe('Available replicas'),
    observedCurrentSpec: z
      .boolean()
      .describe('False while the controller has not seen the latest change'),
    conditions: z
      .array(
        z.object({
          type: z.string(),
          status: z.string(),
          reason: z.string().optional(),
          message: z.string().optional(),
        }),
      )
      .describe('Workload conditions'),
    message: z.string().describe('One line, like kubectl rollout status'),
  }),
  annotations: READ,
  risk: 'read',
  handler: async (input, ctx) => {
    const w = await ctx.clients.kube.get(workloadPath(input.kind, input.namespace, input.name), {
      schema: workloadSchema,
      signal: ctx.signal,
      what: `${input.kind} ${input.namespace}/${input.name}`,
    });
    const daemon = input.kind === 'daemonset';
    const desired = daemon ? (w.status.desiredNumberScheduled ?? 0) : (w.spec.replicas ?? 1);
    const updated = daemon
      ? (w.status.updatedNumberScheduled ?? 0)
      : (w.status.updatedReplicas ?? 0);
    const ready = daemon ? (w.status.numberReady ?? 0) : (w.status.readyReplicas ?? 0);
    const available = daemon ? (w.status.numberReady ?? 0) : (w.status.availableReplicas ?? ready);
    const observedCurrentSpec =
      w.status.observedGeneration === undefined ||
      w.metadata.generation === undefined ||
      w.status.observedGeneration >= w.metadata.generation;
    const complete =
      observedCurrentSpec &&
      updated >= desired &&
      available >= desired &&
      (w.status.replicas ?? desired) <= desired;
    const failing = (w.status.conditions ?? []).find(
      (c) => c.status === 'False' && c.type !== 'ReplicaFailure',
    );
    const message = complete
      ? `${input.kind} "${input.name}" successfully rolled out`
      : `Waiting for ${input.kind} "${input.name}" rollout to finish: ${updated} of ${desired} updated replicas are available (${available} available)${failing?.message ? `; ${failing.message}` : ''}`;
    return {
      complete,
      desired,
      updated,
      ready,
      available,
      observedCurrentSpec,
      conditions: (w.status.conditions ?? []).map((c) => ({
        type: c.type,
        status: c.status,
        reason: c.reason,
        message: c.message,
      })),
      message,
    };
  },
});

export const changesToolset = tool.toolset({
  name: 'kubernetes_changes',
  description: 'Restart, scale, set resources, rollout status',
  tools: [restartDeployment, scaleWorkload, setContainerResources, rolloutStatus],
});
