// Reading the cluster: pods (the seed's get_pods), logs with a server-side filter (the seed's
// get_logs), deployments/statefulsets/daemonsets, events, nodes and namespaces. Secrets are never
// read by any tool.
import { InvalidInputError } from '@homelab/kit';
import { z } from 'zod';
import {
  age,
  listSchema,
  metadataSchema,
  nameField,
  namespaceField,
  READ,
  tool,
} from './common.js';

const containerStatus = z
  .object({
    name: z.string(),
    ready: z.boolean().default(false),
    restartCount: z.number().default(0),
    image: z.string().optional(),
    state: z.record(z.string(), z.unknown()).optional(),
    lastState: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();

export const podSchema = z
  .object({
    metadata: metadataSchema,
    spec: z
      .object({
        nodeName: z.string().optional(),
        containers: z.array(z.object({ name: z.string() }).loose()).default([]),
      })
      .loose(),
    status: z
      .object({
        phase: z.string().optional(),
        reason: z.string().optional(),
        startTime: z.string().optional(),
        containerStatuses: z.array(containerStatus).optional(),
      })
      .loose()
      .default({}),
  })
  .loose();
type Pod = z.output<typeof podSchema>;

function stateReason(state: Record<string, unknown> | undefined): string | undefined {
  if (!state) return undefined;
  for (const [kind, detail] of Object.entries(state)) {
    const reason = (detail as { reason?: string } | null)?.reason;
    if (kind !== 'running') return reason ?? kind;
  }
  return undefined;
}

function summarizePod(pod: Pod) {
  const statuses = pod.status.containerStatuses ?? [];
  const waiting = statuses.map((c) => stateReason(c.state)).find(Boolean);
  const lastTerminated = statuses
    .map(
      (c) => (c.lastState as { terminated?: { reason?: string } } | undefined)?.terminated?.reason,
    )
    .find(Boolean);
  return {
    namespace: pod.metadata.namespace ?? '',
    name: pod.metadata.name,
    phase: pod.status.phase ?? 'Unknown',
    status: waiting ?? pod.status.reason ?? pod.status.phase ?? 'Unknown',
    ready: `${statuses.filter((c) => c.ready).length}/${pod.spec.containers.length || statuses.length}`,
    restarts: statuses.reduce((sum, c) => sum + c.restartCount, 0),
    lastTerminationReason: lastTerminated,
    node: pod.spec.nodeName,
    age: age(pod.status.startTime ?? pod.metadata.creationTimestamp),
  };
}

const podSummary = z.object({
  namespace: z.string().describe('Namespace'),
  name: z.string().describe('Pod name'),
  phase: z.string().describe('Pending, Running, Succeeded, Failed or Unknown'),
  status: z.string().describe('What kubectl shows: CrashLoopBackOff, OOMKilled, Running...'),
  ready: z.string().describe('Ready containers / containers'),
  restarts: z.number().describe('Restarts of all containers'),
  lastTerminationReason: z
    .string()
    .optional()
    .describe('Why a container last stopped, e.g. OOMKilled'),
  node: z.string().optional().describe('Node it runs on'),
  age: z.string().describe('Age'),
});

export const getPods = tool.read({
  name: 'get_pods',
  title: 'Get pods',
  description:
    'Pods with phase, status (CrashLoopBackOff, OOMKilled...), ready containers, restarts, node and age, in one namespace or all. Filter by label selector or only unhealthy pods.',
  input: z.object({
    namespace: namespaceField.optional().describe('Namespace; omit for all namespaces'),
    labelSelector: z.string().max(500).optional().describe('Label selector, e.g. app=radarr'),
    onlyUnhealthy: z
      .boolean()
      .default(false)
      .describe('Only pods not Running+ready or with restarts'),
    limit: z.number().int().min(1).max(500).default(100).describe('At most this many pods'),
  }),
  output: z.object({
    total: z.number().describe('Pods matching before the limit'),
    pods: z.array(podSummary).describe('Pods, by namespace and name'),
  }),
  annotations: READ,
  risk: 'read',
  text: (out) =>
    `${out.total} pod(s):\n` +
    out.pods
      .map(
        (p) =>
          `- ${p.namespace}/${p.name} ${p.status} ready ${p.ready} restarts ${p.restarts} (${p.age})`,
      )
      .join('\n'),
  handler: async (input, ctx) => {
    const path = input.namespace ? `/api/v1/namespaces/${input.namespace}/pods` : '/api/v1/pods';
    const list = await ctx.clients.kube.get(path, {
      query: { labelSelector: input.labelSelector },
      schema: listSchema(podSchema),
      signal: ctx.signal,
    });
    const pods = list.items
      .map(summarizePod)
      .filter(
        (p) =>
          !input.onlyUnhealthy ||
          p.status !== 'Running' ||
          p.restarts > 0 ||
          p.ready.split('/')[0] !== p.ready.split('/')[1],
      )
      .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    return { total: pods.length, pods: pods.slice(0, input.limit) };
  },
});

export const getLogs = tool.read({
  name: 'get_logs',
  title: 'Get pod logs',
  description:
    'Log lines of a pod container: the last N lines or since a time, optionally of the previous (crashed) container, filtered on the server by text or regular expression so only matching lines come back.',
  input: z.object({
    namespace: namespaceField,
    pod: nameField('Pod name (from get_pods)'),
    container: nameField('Container; needed when the pod has several').optional(),
    tailLines: z
      .number()
      .int()
      .min(1)
      .max(5000)
      .default(200)
      .describe('Last this many lines (before filtering)'),
    sinceMinutes: z
      .number()
      .int()
      .min(1)
      .max(60 * 24 * 7)
      .optional()
      .describe('Only lines from the last this many minutes'),
    previous: z
      .boolean()
      .default(false)
      .describe('Logs of the previous, terminated container (after a crash)'),
    filter: z
      .string()
      .max(200)
      .optional()
      .describe('Only lines containing this text (case-insensitive)'),
    regex: z.boolean().default(false).describe('Treat filter as a regular expression'),
    maxLines: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(100)
      .describe('At most this many lines returned (newest kept)'),
  }),
  output: z.object({
    pod: z.string().describe('namespace/pod'),
    container: z.string().optional().describe('Container'),
    linesRead: z.number().describe('Lines read from the API'),
    linesMatched: z.number().describe('Lines that matched the filter'),
    truncated: z.boolean().describe('True when the log was longer than KUBE_LOG_MAX_BYTES'),
    lines: z.array(z.string()).describe('The (newest) matching lines'),
  }),
  annotations: READ,
  risk: 'read',
  text: (out) =>
    `${out.pod}${out.container ? ` [${out.container}]` : ''}: ${out.linesMatched} of ${out.linesRead} line(s)\n${out.lines.join('\n')}`,
  handler: async (input, ctx) => {
    let matcher: (line: string) => boolean = () => true;
    if (input.filter) {
      if (input.regex) {
        let pattern: RegExp;
        try {
          pattern = new RegExp(input.filter, 'i');
        } catch (error) {
          throw new InvalidInputError(
            `filter is not a valid regular expression: ${(error as Error).message}`,
          );
        }
        matcher = (line) => pattern.test(line);
      } else {
        const needle = input.filter.toLowerCase();
        matcher = (line) => line.toLowerCase().includes(needle);
      }
    }
    const { text, truncated } = await ctx.clients.kube.text(
      `/api/v1/namespaces/${input.namespace}/pods/${input.pod}/log`,
      {
        query: {
          container: input.container,
          tailLines: input.tailLines,
          sinceSeconds: input.sinceMinutes ? input.sinceMinutes * 60 : undefined,
          previous: input.previous || undefined,
        },
        maxBytes: ctx.config.KUBE_LOG_MAX_BYTES,
        signal: ctx.signal,
        what: `pod ${input.namespace}/${input.pod}`,
      },
    );
    const all = text.split('\n').filter((line) => line.length > 0);
    const matched = all.filter(matcher);
    return {
      pod: `${input.namespace}/${input.pod}`,
      container: input.container,
      linesRead: all.length,
      linesMatched: matched.length,
      truncated,
      lines: matched
        .slice(-input.maxLines)
        .map((line) => (line.length > 2000 ? `${line.slice(0, 2000)}…` : line)),
    };
  },
});

const resources = z
  .object({
    requests: z.record(z.string(), z.string()).optional(),
    limits: z.record(z.string(), z.string()).optional(),
  })
  .loose();
export const workloadSchema = z
  .object({
    metadata: metadataSchema,
    spec: z
      .object({
        replicas: z.number().optional(),
        template: z
          .object({
            metadata: z
              .object({ annotations: z.record(z.string(), z.string()).optional() })
              .loose()
              .optional(),
            spec: z
              .object({
                containers: z.array(
                  z
                    .object({
                      name: z.string(),
                      image: z.string().optional(),
                      resources: resources.optional(),
                    })
                    .loose(),
                ),
              })
              .loose(),
          })
          .loose(),
      })
      .loose(),
    status: z
      .object({
        replicas: z.number().optional(),
        readyReplicas: z.number().optional(),
        updatedReplicas: z.number().optional(),
        availableReplicas: z.number().optional(),
        observedGeneration: z.number().optional(),
        desiredNumberScheduled: z.number().optional(),
        numberReady: z.number().optional(),
        currentNumberScheduled: z.number().optional(),
        updatedNumberScheduled: z.number().optional(),
        conditions: z
          .array(
            z
              .object({
                type: z.string(),
                status: z.string(),
                reason: z.string().optional(),
                message: z.string().optional(),
              })
              .loose(),
          )
          .optional(),
      })
      .loose()
      .default({}),
  })
  .loose();
export type Workload = z.output<typeof workloadSchema>;

export const KINDS = {
  deployment: 'deployments',
  statefulset: 'statefulsets',
  daemonset: 'daemonsets',
} as const;
export const kindField = z
  .enum(['deployment', 'statefulset', 'daemonset'])
  .describe('Workload kind');

export function workloadPath(kind: keyof typeof KINDS, namespace: string, name?: string): string {
  return `/apis/apps/v1/namespaces/${namespace}/${KINDS[kind]}${name ? `/${name}` : ''}`;
}

export function summarizeWorkload(kind: keyof typeof KINDS, w: Workload) {
  const desired =
    kind === 'daemonset' ? (w.status.desiredNumberScheduled ?? 0) : (w.spec.replicas ?? 1);
  const ready = kind === 'daemonset' ? (w.status.numberReady ?? 0) : (w.status.readyReplicas ?? 0);
  return {
    kind,
    namespace: w.metadata.namespace ?? '',
    name: w.metadata.name,
    ready: `${ready}/${desired}`,
    images: w.spec.template.spec.containers.map((c) => c.image ?? ''),
    containers: w.spec.template.spec.containers.map((c) => ({
      name: c.name,
      requests: c.resources?.requests ?? {},
      limits: c.resources?.limits ?? {},
    })),
    age: age(w.metadata.creationTimestamp),
  };
}

const workloadSummary = z.object({
  kind: kindField,
  namespace: z.string().describe('Namespace'),
  name: z.string().describe('Name'),
  ready: z.string().describe('Ready / desired replicas'),
  images: z.array(z.string()).describe('Container images'),
  containers: z
    .array(
      z.object({
        name: z.string(),
        requests: z.record(z.string(), z.string()),
        limits: z.record(z.string(), z.string()),
      }),
    )
    .describe('Requests and limits per container'),
  age: z.string().describe('Age'),
});

export const listWorkloads = tool.read({
  name: 'list_workloads',
  title: 'List workloads',
  description:
    "Deployments, statefulsets and daemonsets with ready/desired replicas, images and each container's requests and limits.",
  input: z.object({
    namespace: namespaceField.optional().describe('Namespace; omit for all'),
    kinds: z
      .array(kindField)
      .default(['deployment', 'statefulset', 'daemonset'])
      .describe('Which kinds to list'),
  }),
  output: z.object({
    workloads: z.array(workloadSummary).describe('Workloads, by namespace and name'),
  }),
  annotations: READ,
  risk: 'read',
  handler: async (input, ctx) => {
    const lists = await Promise.all(
      input.kinds.map(async (kind) => {
        const path = input.namespace
          ? workloadPath(kind, input.namespace)
          : `/apis/apps/v1/${KINDS[kind]}`;
        const list = await ctx.clients.kube.get(path, {
          schema: listSchema(workloadSchema),
          signal: ctx.signal,
        });
        return list.items.map((w) => summarizeWorkload(kind, w));
      }),
    );
    return {
      workloads: lists
        .flat()
        .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name)),
    };
  },
});

const eventSchema = z
  .object({
    metadata: metadataSchema,
    involvedObject: z
      .object({
        kind: z.string().optional(),
        name: z.string().optional(),
        namespace: z.string().optional(),
      })
      .loose(),
    type: z.string().optional(),
    reason: z.string().optional(),
    message: z.string().optional(),
    count: z.number().optional(),
    lastTimestamp: z.string().nullish(),
    eventTime: z.string().nullish(),
  })
  .loose();

/** One event as the tools show it: when, what kind, why, about what, and how often. */
function summarizeEvent(e: z.output<typeof eventSchema>) {
  const object = e.involvedObject;
  return {
    time: e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? '',
    type: e.type ?? 'Normal',
    reason: e.reason ?? '',
    object: `${object.kind ?? '?'}/${object.namespace ?? e.metadata.namespace ?? ''}/${object.name ?? ''}`,
    message: (e.message ?? '').slice(0, 500),
    count: e.count ?? 1,
  };
}

export const getEvents = tool.read({
  name: 'get_events',
  title: 'Get events',
  description:
    'Kubernetes events, newest first: for one object (e.g. a pod or deployment), for a namespace, or warnings cluster-wide.',
  input: z.object({
    namespace: namespaceField.optional().describe('Namespace; omit for all'),
    objectName: nameField('Only events about this object').optional(),
    objectKind: z.string().max(63).optional().describe('Kind of that object, e.g. Pod, Deployment'),
    onlyWarnings: z.boolean().default(false).describe('Only Warning events'),
    limit: z.number().int().min(1).max(200).default(50).describe('At most this many events'),
  }),
  output: z.object({
    total: z.number().describe('Matching events before the limit'),
    events: z
      .array(
        z.object({
          time: z.string().describe('Last seen'),
          type: z.string().describe('Normal or Warning'),
          reason: z.string().describe('Short reason, e.g. BackOff'),
          object: z.string().describe('Kind/namespace/name'),
          message: z.string().describe('What happened'),
          count: z.number().describe('How many times'),
        }),
      )
      .describe('Events, newest first'),
  }),
  annotations: READ,
  risk: 'read',
  handler: async (input, ctx) => {
    const selectors = [
      input.objectName ? `involvedObject.name=${input.objectName}` : undefined,
      input.objectKind ? `involvedObject.kind=${input.objectKind}` : undefined,
      input.onlyWarnings ? 'type=Warning' : undefined,
    ].filter(Boolean);
    const path = input.namespace
      ? `/api/v1/namespaces/${input.namespace}/events`
      : '/api/v1/events';
    const list = await ctx.clients.kube.get(path, {
      query: { fieldSelector: selectors.join(',') || undefined },
      schema: listSchema(eventSchema),
      signal: ctx.signal,
    });
    const events = list.items
      .filter((e) => !input.onlyWarnings || e.type === 'Warning')
      .filter((e) => !input.objectName || e.involvedObject.name === input.objectName)
      .map(summarizeEvent)
      .sort((a, b) => b.time.localeCompare(a.time));
    return { total: events.length, events: events.slice(0, input.limit) };
  },
});

const nodeSchema = z
  .object({
    metadata: metadataSchema,
    spec: z.object({ unschedulable: z.boolean().optional() }).loose().default({}),
    status: z
      .object({
        conditions: z
          .array(
            z
              .object({
                type: z.string(),
                status: z.string(),
                reason: z.string().optional(),
                message: z.string().optional(),
              })
              .loose(),
          )
          .default([]),
        allocatable: z.record(z.string(), z.string()).default({}),
        capacity: z.record(z.string(), z.string()).default({}),
        nodeInfo: z
          .object({ kubeletVersion: z.string().optional(), osImage: z.string().optional() })
          .loose()
          .optional(),
      })
      .loose()
      .default({ conditions: [], allocatable: {}, capacity: {} }),
  })
  .loose();

export const getNodes = tool.read({
  name: 'get_nodes',
  title: 'Get nodes',
  description:
    'Nodes with readiness, memory/disk/PID pressure, whether they are cordoned, allocatable CPU and memory, and kubelet version.',
  input: z.object({}),
  output: z.object({
    nodes: z
      .array(
        z.object({
          name: z.string().describe('Node name'),
          ready: z.boolean().describe('Ready condition'),
          pressure: z.array(z.string()).describe('Active pressure conditions, e.g. MemoryPressure'),
          schedulable: z.boolean().describe('False when cordoned'),
          allocatable: z.record(z.string(), z.string()).describe('Allocatable cpu, memory, pods'),
          kubeletVersion: z.string().optional().describe('Kubelet version'),
          age: z.string().describe('Age'),
        }),
      )
      .describe('Nodes by name'),
  }),
  annotations: READ,
  risk: 'read',
  handler: async (_input, ctx) => {
    const list = await ctx.clients.kube.get('/api/v1/nodes', {
      schema: listSchema(nodeSchema),
      signal: ctx.signal,
    });
    return {
      nodes: list.items
        .map((n) => ({
          name: n.metadata.name,
          ready: n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
          pressure: n.status.conditions
            .filter((c) => c.type.endsWith('Pressure') && c.status === 'True')
            .map((c) => c.type),
          schedulable: n.spec.unschedulable !== true,
          allocatable: Object.fromEntries(
            Object.entries(n.status.allocatable).filter(([k]) =>
              ['cpu', 'memory', 'pods', 'ephemeral-storage'].includes(k),
            ),
          ),
          kubeletVersion: n.status.nodeInfo?.kubeletVersion,
          age: age(n.metadata.creationTimestamp),
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    };
  },
});

export const listNamespaces = tool.read({
  name: 'list_namespaces',
  title: 'List namespaces',
  description: 'Namespaces of the cluster with their phase and age.',
  input: z.object({}),
  output: z.object({
    namespaces: z
      .array(
        z.object({
          name: z.string().describe('Name'),
          phase: z.string().describe('Active or Terminating'),
          age: z.string().describe('Age'),
        }),
      )
      .describe('Namespaces'),
  }),
  annotations: READ,
  risk: 'read',
  handler: async (_input, ctx) => {
    const list = await ctx.clients.kube.get('/api/v1/namespaces', {
      schema: listSchema(
        z
          .object({
            metadata: metadataSchema,
            status: z.object({ phase: z.string().optional() }).loose().default({}),
          })
          .loose(),
      ),
      signal: ctx.signal,
    });
    return {
      namespaces: list.items.map((n) => ({
        name: n.metadata.name,
        phase: n.status.phase ?? 'Active',
        age: age(n.metadata.creationTimestamp),
      })),
    };
  },
});

const selectorSchema = z
  .object({ matchLabels: z.record(z.string(), z.string()).optional() })
  .loose();

export const describeWorkload = tool.read({
  name: 'describe_workload',
  title: 'Describe a workload',
  description:
    'One deployment, statefulset or daemonset in depth, like kubectl describe: replicas and rollout state, conditions, each container (image, requests, limits), its pods with status and restarts, and its recent events.',
  input: z.object({
    namespace: namespaceField,
    name: nameField('Workload name'),
    kind: kindField.default('deployment'),
  }),
  output: z.object({
    workload: workloadSummary.describe('Summary: ready replicas, images, resources'),
    generation: z.number().optional().describe('metadata.generation'),
    observedGeneration: z
      .number()
      .optional()
      .describe('status.observedGeneration (behind generation while a change is being rolled out)'),
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
    pods: z.array(podSummary).describe('Its pods (by the workload selector)'),
    events: z
      .array(
        z.object({ time: z.string(), type: z.string(), reason: z.string(), message: z.string() }),
      )
      .describe('Recent events about the workload and its pods, newest first'),
  }),
  annotations: READ,
  risk: 'read',
  handler: async (input, ctx) => {
    const kube = ctx.clients.kube;
    const what = `${input.kind} ${input.namespace}/${input.name}`;
    const raw = await kube.get(workloadPath(input.kind, input.namespace, input.name), {
      signal: ctx.signal,
      what,
    });
    const workload = workloadSchema.parse(raw);
    const selector = selectorSchema.safeParse(
      (raw as { spec?: { selector?: unknown } }).spec?.selector,
    );
    const labels = selector.success ? Object.entries(selector.data.matchLabels ?? {}) : [];
    const labelSelector = labels.map(([k, v]) => `${k}=${v}`).join(',');
    const [pods, events] = await Promise.all([
      labelSelector
        ? kube.get(`/api/v1/namespaces/${input.namespace}/pods`, {
            query: { labelSelector },
            schema: listSchema(podSchema),
            signal: ctx.signal,
          })
        : Promise.resolve({ items: [] as Pod[] }),
      kube.get(`/api/v1/namespaces/${input.namespace}/events`, {
        schema: listSchema(eventSchema),
        signal: ctx.signal,
      }),
    ]);
    const podNames = new Set(pods.items.map((p) => p.metadata.name));
    const related = events.items
      .filter(
        (e) =>
          e.involvedObject.name === input.name ||
          podNames.has(e.involvedObject.name ?? '') ||
          (e.involvedObject.name ?? '').startsWith(`${input.name}-`),
      )
      .map(summarizeEvent)
      .map(({ time, type, reason, message }) => ({ time, type, reason, message }))
      .sort((a, b) => b.time.localeCompare(a.time))
      .slice(0, 20);
    return {
      workload: summarizeWorkload(input.kind, workload),
      generation: workload.metadata.generation,
      observedGeneration: workload.status.observedGeneration,
      conditions: (workload.status.conditions ?? []).map((c) => ({
        type: c.type,
        status: c.status,
        reason: c.reason,
        message: c.message,
      })),
      pods: pods.items.map(summarizePod),
      events: related,
    };
  },
});

export const workloadsToolset = tool.toolset({
  name: 'kubernetes',
  description: 'Pods, logs, workloads, events, nodes and namespaces (read-only)',
  tools: [getPods, getLogs, listWorkloads, describeWorkload, getEvents, getNodes, listNamespaces],
});
