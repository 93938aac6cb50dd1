// Server-side printing: `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` turns a list or get
// into a meta.k8s.io Table with the columns and cells the apiserver's printers produce
// (pkg/printers/internalversion): pods NAME/READY/STATUS/RESTARTS/AGE/IP/NODE, deployments
// READY/UP-TO-DATE/AVAILABLE, nodes STATUS/ROLES/VERSION, events LAST SEEN/TYPE/REASON/OBJECT, ...
// This is what `kubectl get` shows, so a server that prints tables gets what kubectl prints.

import type {
  ContainerStatus,
  EventObject,
  JsonObject,
  KubeObject,
  NodeObject,
  Pod,
  ResourceType,
  Workload,
} from './model.js';
import { formatSelector } from './selectors.js';
import { badRequest, KubeError } from './status.js';

export type TableVersion = 'v1' | 'v1beta1';

export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumn[];
  rows: TableRow[];
}

/**
 * What the Accept header asks for: a Table (and its version), or plain JSON. The first acceptable
 * media range wins. Throws 406 when nothing offered can be served.
 */
export function negotiateTable(accept: string | undefined): TableVersion | undefined {
  if (accept === undefined || accept.trim() === '') return undefined;
  for (const range of accept.split(',')) {
    const [type = '', ...rawParams] = range.split(';').map((part) => part.trim());
    const params = new Map(
      rawParams.map((param) => {
        const [key = '', value = ''] = param.split('=');
        return [key.trim().toLowerCase(), value.trim()];
      }),
    );
    if (params.get('q') === '0') continue;
    const base = type.toLowerCase();
    const as = params.get('as');
    if (as === undefined) {
      if (['application/json', 'application/*', '*/*', 'application/yaml'].includes(base))
        return undefined;
      continue;
    }
    if (
      as === 'Table' &&
      base === 'application/json' &&
      params.get('g') === 'meta.k8s.io' &&
      (params.get('v') === 'v1' || params.get('v') === 'v1beta1')
    ) {
      return params.get('v') as TableVersion;
    }
  }
  throw new KubeError(
    406,
    'NotAcceptable',
    'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf, application/json;stream=watch, application/vnd.kubernetes.protobuf;stream=watch',
  );
}

export function tableContentType(version: TableVersion): string {
  return `application/json;as=Table;v=${version};g=meta.k8s.io`;
}

/** duration.HumanDuration from k8s.io/apimachinery: 45s, 3m12s, 95m, 3h5m, 30h, 3d5h, 45d, 2y10d. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const rest = seconds % 60;
    return rest === 0 ? `${minutes}m` : `${minutes}m${rest}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const rest = minutes % 60;
    return rest === 0 ? `${hours}h` : `${hours}h${rest}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 192) {
    const rest = hours % 24;
    return rest === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${rest}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    return days === 0
      ? `${Math.floor(hours / 24 / 365)}y`
      : `${Math.floor(hours / 24 / 365)}y${days}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

function age(stamp: string | undefined, now: number): string {
  if (!stamp) return '<unknown>';
  return humanDuration(now - Date.parse(stamp));
}

function column(
  name: string,
  description: string,
  options: { type?: TableColumn['type']; format?: string; priority?: number } = {},
): TableColumn {
  return {
    name,
    type: options.type ?? 'string',
    format: options.format ?? '',
    description,
    priority: options.priority ?? 0,
  };
}

const NAME = column(
  'Name',
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  { format: 'name' },
);
const AGE = column(
  'Age',
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
);

interface Printer {
  columns: TableColumn[];
  cells(object: KubeObject, now: number): unknown[];
}

function podStatusReason(pod: Pod): string {
  let reason = pod.status.reason ?? pod.status.phase;
  let running = false;
  for (const status of [...(pod.status.containerStatuses ?? [])].reverse()) {
    if (status.state.waiting?.reason) reason = status.state.waiting.reason;
    else if (status.state.terminated?.reason) reason = status.state.terminated.reason;
    else if (status.state.terminated) reason = `ExitCode:${status.state.terminated.exitCode}`;
    else if (status.ready && status.state.running) running = true;
  }
  if (reason === 'Running' || running) {
    const allRunning = (pod.status.containerStatuses ?? []).every((status) => status.state.running);
    if (allRunning && pod.status.phase === 'Running') reason = 'Running';
  }
  if ((pod.metadata as JsonObject).deletionTimestamp) reason = 'Terminating';
  return reason;
}

function restarts(statuses: ContainerStatus[], now: number): string {
  const count = statuses.reduce((sum, status) => sum + status.restartCount, 0);
  const last = statuses
    .map((status) => status.lastState.terminated?.finishedAt)
    .filter((stamp): stamp is string => stamp !== undefined)
    .sort()
    .pop();
  return last && count > 0
    ? `${count} (${humanDuration(now - Date.parse(last))} ago)`
    : String(count);
}

const podPrinter: Printer = {
  columns: [
    NAME,
    column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'The aggregate status of the containers in this pod.'),
    column(
      'Restarts',
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ),
    AGE,
    column(
      'IP',
      'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
      { priority: 1 },
    ),
    column(
      'Node',
      'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename',
      { priority: 1 },
    ),
    column(
      'Nominated Node',
      'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.',
      { priority: 1 },
    ),
    column(
      'Readiness Gates',
      'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates',
      { priority: 1 },
    ),
  ],
  cells(object, now) {
    const pod = object as Pod;
    const statuses = pod.status.containerStatuses ?? [];
    const ready = statuses.filter((status) => status.ready).length;
    return [
      pod.metadata.name,
      `${ready}/${pod.spec.containers.length}`,
      podStatusReason(pod),
      restarts(statuses, now),
      age(pod.metadata.creationTimestamp, now),
      pod.status.podIP ?? '<none>',
      pod.spec.nodeName ?? '<none>',
      '<none>',
      '<none>',
    ];
  },
};

function containersAndImages(workload: Workload): [string, string] {
  const containers = workload.spec.template?.spec?.containers ?? [];
  return [
    containers.map((container) => container.name).join(','),
    containers.map((container) => container.image ?? '').join(','),
  ];
}

function statusNumber(workload: KubeObject, field: string): number {
  const value = (workload.status as JsonObject | undefined)?.[field];
  return typeof value === 'number' ? value : 0;
}

const deploymentPrinter: Printer = {
  columns: [
    NAME,
    column('Ready', 'Number of the pod with ready state'),
    column(
      'Up-to-date',
      'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
      { type: 'integer' },
    ),
    column(
      'Available',
      'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
      { type: 'integer' },
    ),
    AGE,
    column('Containers', 'Names of each container in the template.', { priority: 1 }),
    column('Images', 'Images referenced by each container in the template.', { priority: 1 }),
    column(
      'Selector',
      'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
      { priority: 1 },
    ),
  ],
  cells(object, now) {
    const workload = object as Workload;
    const [containers, images] = containersAndImages(workload);
    return [
      workload.metadata.name,
      `${statusNumber(workload, 'readyReplicas')}/${workload.spec.replicas ?? 1}`,
      statusNumber(workload, 'updatedReplicas'),
      statusNumber(workload, 'availableReplicas'),
      age(workload.metadata.creationTimestamp, now),
      containers,
      images,
      formatSelector(workload.spec.selector),
    ];
  },
};

const statefulSetPrinter: Printer = {
  columns: [
    NAME,
    column('Ready', 'Number of the pod with ready state'),
    AGE,
    column('Containers', 'Names of each container in the template.', { priority: 1 }),
    column('Images', 'Images referenced by each container in the template.', { priority: 1 }),
  ],
  cells(object, now) {
    const workload = object as Workload;
    const [containers, images] = containersAndImages(workload);
    return [
      workload.metadata.name,
      `${statusNumber(workload, 'readyReplicas')}/${workload.spec.replicas ?? 1}`,
      age(workload.metadata.creationTimestamp, now),
      containers,
      images,
    ];
  },
};

const replicaSetPrinter: Printer = {
  columns: [
    NAME,
    column('Desired', 'Number of desired pods.', { type: 'integer' }),
    column('Current', 'Number of actual replicas.', { type: 'integer' }),
    column('Ready', 'Number of pods with ready state.', { type: 'integer' }),
    AGE,
    column('Containers', 'Names of each container in the template.', { priority: 1 }),
    column('Images', 'Images referenced by each container in the template.', { priority: 1 }),
    column('Selector', 'Label selector for pods.', { priority: 1 }),
  ],
  cells(object, now) {
    const workload = object as Workload;
    const [containers, images] = containersAndImages(workload);
    return [
      workload.metadata.name,
      workload.spec.replicas ?? 1,
      statusNumber(workload, 'replicas'),
      statusNumber(workload, 'readyReplicas'),
      age(workload.metadata.creationTimestamp, now),
      containers,
      images,
      formatSelector(workload.spec.selector),
    ];
  },
};

const daemonSetPrinter: Printer = {
  columns: [
    NAME,
    column('Desired', 'The total number of nodes that should be running the daemon pod.', {
      type: 'integer',
    }),
    column(
      'Current',
      'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.',
      { type: 'integer' },
    ),
    column(
      'Ready',
      'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.',
      { type: 'integer' },
    ),
    column('Up-to-date', 'The total number of nodes that are running updated daemon pod', {
      type: 'integer',
    }),
    column(
      'Available',
      'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.',
      { type: 'integer' },
    ),
    column(
      'Node Selector',
      'NodeSelector is a selector which must be true for the pod to fit on a node.',
    ),
    AGE,
    column('Containers', 'Names of each container in the template.', { priority: 1 }),
    column('Images', 'Images referenced by each container in the template.', { priority: 1 }),
    column('Selector', 'A label query over pods that are managed by the daemon set.', {
      priority: 1,
    }),
  ],
  cells(object, now) {
    const workload = object as Workload;
    const [containers, images] = containersAndImages(workload);
    const selector = Object.entries(workload.spec.template?.spec?.nodeSelector ?? {})
      .map(([key, value]) => `${key}=${value}`)
      .join(',');
    return [
      workload.metadata.name,
      statusNumber(workload, 'desiredNumberScheduled'),
      statusNumber(workload, 'currentNumberScheduled'),
      statusNumber(workload, 'numberReady'),
      statusNumber(workload, 'updatedNumberScheduled'),
      statusNumber(workload, 'numberAvailable'),
      selector || '<none>',
      age(workload.metadata.creationTimestamp, now),
      containers,
      images,
      formatSelector(workload.spec.selector),
    ];
  },
};

function nodeStatus(node: NodeObject): string {
  const ready = (node.status?.conditions ?? []).find((found) => found.type === 'Ready');
  const parts = [ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(node: NodeObject): string {
  const roles = Object.keys(node.metadata.labels ?? {})
    .filter((label) => label.startsWith('node-role.kubernetes.io/'))
    .map((label) => label.slice('node-role.kubernetes.io/'.length))
    .filter((role) => role !== '');
  return roles.length > 0 ? roles.sort().join(',') : '<none>';
}

const nodePrinter: Printer = {
  columns: [
    NAME,
    column('Status', 'The status of the node'),
    column('Roles', 'The roles of the node'),
    AGE,
    column('Version', 'Kubelet Version reported by the node.'),
    column(
      'Internal-IP',
      'List of addresses reachable to the node. Queried from cloud provider, if available.',
      { priority: 1 },
    ),
    column(
      'External-IP',
      'List of addresses reachable to the node. Queried from cloud provider, if available.',
      { priority: 1 },
    ),
    column(
      'OS-Image',
      'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).',
      { priority: 1 },
    ),
    column(
      'Kernel-Version',
      "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
      { priority: 1 },
    ),
    column(
      'Container-Runtime',
      'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
      { priority: 1 },
    ),
  ],
  cells(object, now) {
    const node = object as NodeObject;
    const address = (type: string): string =>
      node.status?.addresses?.find((found) => found.type === type)?.address ?? '<none>';
    const info = node.status?.nodeInfo ?? {};
    return [
      node.metadata.name,
      nodeStatus(node),
      nodeRoles(node),
      age(node.metadata.creationTimestamp, now),
      info.kubeletVersion ?? '',
      address('InternalIP'),
      address('ExternalIP'),
      info.osImage ?? '<unknown>',
      info.kernelVersion ?? '<unknown>',
      info.containerRuntimeVersion ?? '<unknown>',
    ];
  },
};

const eventPrinter: Printer = {
  columns: [
    column('Last Seen', 'Time when last Event occurred'),
    column('Type', 'Type of this event (Normal, Warning), new types could be added in the future.'),
    column(
      'Reason',
      'Reason is why the action was taken. It is human-readable. This field cannot be empty for new Events and it can have at most 128 characters.',
    ),
    column(
      'Object',
      'The object that this event is about. Mapped to `regarding` in events.k8s.io/v1.',
    ),
    column('Subobject', 'The subobject that this event is about.', { priority: 1 }),
    column(
      'Source',
      'The component reporting this event. Should be a short machine understandable string.',
      { priority: 1 },
    ),
    column('Message', 'A human-readable description of the status of this operation.'),
    column('First Seen', 'Time when first Event occurred', { priority: 1 }),
    column('Count', 'Number of times this Event has occurred', { type: 'integer', priority: 1 }),
    { ...NAME, priority: 1 },
  ],
  cells(object, now) {
    const event = object as EventObject;
    const source = [event.source?.component, event.source?.host].filter(Boolean).join(', ');
    return [
      age(event.lastTimestamp ?? event.metadata.creationTimestamp, now),
      event.type,
      event.reason,
      `${event.involvedObject.kind.toLowerCase()}/${event.involvedObject.name}`,
      event.involvedObject.fieldPath ?? '',
      source,
      event.message,
      age(event.firstTimestamp ?? event.metadata.creationTimestamp, now),
      event.count ?? 1,
      event.metadata.name,
    ];
  },
};

const namespacePrinter: Printer = {
  columns: [NAME, column('Status', 'The status of the namespace'), AGE],
  cells(object, now) {
    const phase = (object.status as JsonObject | undefined)?.phase;
    return [
      object.metadata.name,
      typeof phase === 'string' ? phase : 'Active',
      age(object.metadata.creationTimestamp, now),
    ];
  },
};

const servicePrinter: Printer = {
  columns: [
    NAME,
    column('Type', 'The type of the service.'),
    column('Cluster-IP', 'The cluster IP of the service.'),
    column('External-IP', 'The external IP of the service.'),
    column('Port(s)', 'The ports of the service.'),
    AGE,
    column(
      'Selector',
      'Route service traffic to pods with label keys and values matching this selector.',
      { priority: 1 },
    ),
  ],
  cells(object, now) {
    const spec = (object.spec ?? {}) as JsonObject;
    const ports = Array.isArray(spec.ports)
      ? (spec.ports as JsonObject[])
          .map(
            (port) =>
              `${String(port.port)}${port.nodePort ? `:${String(port.nodePort)}` : ''}/${String(port.protocol ?? 'TCP')}`,
          )
          .join(',')
      : '<none>';
    const selector = Object.entries((spec.selector as Record<string, string> | undefined) ?? {})
      .map(([key, value]) => `${key}=${value}`)
      .join(',');
    return [
      object.metadata.name,
      String(spec.type ?? 'ClusterIP'),
      String(spec.clusterIP ?? '<none>'),
      '<none>',
      ports || '<none>',
      age(object.metadata.creationTimestamp, now),
      selector || '<none>',
    ];
  },
};

const secretPrinter: Printer = {
  columns: [
    NAME,
    column('Type', 'The type of the secret'),
    column('Data', 'The number of data items', { type: 'integer' }),
    AGE,
  ],
  cells(object, now) {
    return [
      object.metadata.name,
      String(object.type ?? 'Opaque'),
      Object.keys((object.data as JsonObject | undefined) ?? {}).length,
      age(object.metadata.creationTimestamp, now),
    ];
  },
};

const configMapPrinter: Printer = {
  columns: [NAME, column('Data', 'The number of data items', { type: 'integer' }), AGE],
  cells(object, now) {
    const count =
      Object.keys((object.data as JsonObject | undefined) ?? {}).length +
      Object.keys((object.binaryData as JsonObject | undefined) ?? {}).length;
    return [object.metadata.name, count, age(object.metadata.creationTimestamp, now)];
  },
};

const PRINTERS: Record<string, Printer> = {
  pods: podPrinter,
  deployments: deploymentPrinter,
  statefulsets: statefulSetPrinter,
  replicasets: replicaSetPrinter,
  daemonsets: daemonSetPrinter,
  nodes: nodePrinter,
  events: eventPrinter,
  namespaces: namespacePrinter,
  services: servicePrinter,
  secrets: secretPrinter,
  configmaps: configMapPrinter,
};

/** The row object for `includeObject` (None, Metadata (default), Object). */
function rowObject(object: KubeObject, include: string, version: TableVersion): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return object;
  return {
    kind: 'PartialObjectMetadata',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: object.metadata,
  };
}

export function toTable(
  resource: ResourceType,
  objects: KubeObject[],
  options: {
    version: TableVersion;
    includeObject: string | null;
    listMeta: Table['metadata'];
    now?: number;
  },
): Table {
  const include = options.includeObject ?? 'Metadata';
  if (!['None', 'Metadata', 'Object'].includes(include)) {
    throw badRequest(
      `includeObject: Unsupported value: "${include}": supported values: "Metadata", "None", "Object"`,
    );
  }
  const printer = PRINTERS[resource.plural] ?? podPrinter;
  const now = options.now ?? Date.now();
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${options.version}`,
    metadata: options.listMeta,
    columnDefinitions: printer.columns,
    rows: objects.map((object) => {
      const row: TableRow = { cells: printer.cells(object, now) };
      const attached = rowObject(object, include, options.version);
      if (attached !== undefined) row.object = attached;
      return row;
    }),
  };
}
