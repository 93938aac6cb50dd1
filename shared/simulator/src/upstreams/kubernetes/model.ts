// The state of the simulated Kubernetes cluster: the object store (every stored object under its
// resource and `namespace/name`), container logs and metrics, the tokens it accepts, and the
// resource types it serves (one table that drives routes, discovery, RBAC and Tables).
// Why one module: the controllers, the HTTP routes and the demo all read and write the same store.

import { randomBytes, randomUUID } from 'node:crypto';

export type JsonObject = Record<string, unknown>;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  creationTimestamp: string;
  generateName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

/** Any stored object. Fields beyond these are kept as sent (patches may add anything the schema allows). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface ResourceRequirements {
  limits?: Record<string, string>;
  requests?: Record<string, string>;
}

export interface ContainerSpec {
  name: string;
  image?: string;
  resources?: ResourceRequirements;
  [key: string]: unknown;
}

export interface PodSpec {
  containers: ContainerSpec[];
  initContainers?: ContainerSpec[];
  nodeName?: string;
  tolerations?: Array<{ key?: string; operator?: string; effect?: string; value?: string }>;
  nodeSelector?: Record<string, string>;
  [key: string]: unknown;
}

export interface PodTemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}

export interface ContainerStateTerminated {
  exitCode: number;
  reason?: string;
  message?: string;
  signal?: number;
  startedAt?: string;
  finishedAt?: string;
  containerID?: string;
}

export interface ContainerState {
  running?: { startedAt: string };
  waiting?: { reason: string; message?: string };
  terminated?: ContainerStateTerminated;
}

export interface ContainerStatus {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  state: ContainerState;
  lastState: ContainerState;
  [key: string]: unknown;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  [key: string]: unknown;
}

export interface PodStatus {
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  conditions?: Condition[];
  containerStatuses?: ContainerStatus[];
  hostIP?: string;
  podIP?: string;
  startTime?: string;
  qosClass?: string;
  reason?: string;
  message?: string;
  [key: string]: unknown;
}

export interface Pod extends KubeObject {
  spec: PodSpec;
  status: PodStatus;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

export interface WorkloadSpec {
  replicas?: number;
  selector: LabelSelector;
  template: PodTemplateSpec;
  [key: string]: unknown;
}

/** Deployments, StatefulSets, DaemonSets and ReplicaSets. */
export interface Workload extends KubeObject {
  spec: WorkloadSpec;
  status?: JsonObject;
}

export interface NodeObject extends KubeObject {
  spec: {
    unschedulable?: boolean;
    taints?: Array<{ key: string; effect: string; value?: string }>;
    [key: string]: unknown;
  };
  status: {
    conditions: Condition[];
    capacity: Record<string, string>;
    allocatable: Record<string, string>;
    addresses: Array<{ type: string; address: string }>;
    nodeInfo: Record<string, string>;
    [key: string]: unknown;
  };
}

export interface EventObject extends KubeObject {
  involvedObject: {
    kind: string;
    namespace?: string;
    name: string;
    uid?: string;
    apiVersion?: string;
    resourceVersion?: string;
    fieldPath?: string;
  };
  reason: string;
  message: string;
  type: 'Normal' | 'Warning';
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  source: { component?: string; host?: string };
  [key: string]: unknown;
}

export interface LogLine {
  /** RFC 3339 with nanoseconds, as the kubelet writes it. */
  time: string;
  text: string;
}

export interface ContainerLogs {
  current: LogLine[];
  /** The log of the container instance before the last restart (`?previous=true`). */
  previous?: LogLine[];
}

export interface ResourceUsage {
  /** Kubernetes quantities, e.g. `250m` and `512Mi`. */
  cpu: string;
  memory: string;
}

export type KubeVerb = 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete';

export interface KubeUser {
  username: string;
  /** `admin`: everything. `view`: get and list, secrets excluded (like the `view` ClusterRole). */
  role: 'admin' | 'view';
}

export interface KubernetesState {
  /** Bearer token of the cluster admin (KUBE_TOKEN). */
  token: string;
  /** Bearer token of a read-only user bound to the `view` role (no secrets, no writes). */
  viewerToken: string;
  /** Served by GET /version. */
  version: { major: string; minor: string; gitVersion: string };
  /** Whether metrics-server is installed (metrics.k8s.io served and discoverable). */
  metricsServer: boolean;
  /** How long new pods take to become ready in a rollout (0: rollouts complete instantly). */
  rolloutDelayMs: number;
  /** The cluster-wide resourceVersion counter. */
  resourceVersion: number;
  /** Stored objects by resource (plural) and `namespace/name` (`/name` when cluster-scoped). */
  objects: Map<string, Map<string, KubeObject>>;
  /** Container logs by `namespace/pod/container`. */
  logs: Map<string, ContainerLogs>;
  /** Container usage by `namespace/pod/container` (metrics.k8s.io); absent ones use their requests. */
  usage: Map<string, ResourceUsage>;
  /** Rollouts waiting for their new pods to become ready (see rolloutDelayMs), by `resource/namespace/name`. */
  pendingRollouts: Map<string, { timer: NodeJS.Timeout; finish: () => void }>;
  /** Counter for pod IPs. */
  nextPodIp: number;
}

export interface ResourceType {
  plural: string;
  singular: string;
  kind: string;
  group: '' | 'apps';
  namespaced: boolean;
  shortNames?: string[];
  /** Whether main-resource writes keep the stored status (the resource has a status subresource). */
  statusSubresource: boolean;
  /** Whether it has the scale subresource. */
  scale: boolean;
  /** Whether spec changes bump metadata.generation. */
  generation: boolean;
  /** What DELETE answers, as the contract declares: the object, or a `Status`. */
  deleteAnswersObject: boolean;
  /** The object's schema in the contract. */
  schemaRef: string;
}

const core = (name: string): string => `#/components/schemas/io.k8s.api.core.v1.${name}`;
const apps = (name: string): string => `#/components/schemas/io.k8s.api.apps.v1.${name}`;

/** The resources the simulator serves. */
export const RESOURCES: readonly ResourceType[] = [
  {
    plural: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    group: '',
    namespaced: false,
    shortNames: ['ns'],
    statusSubresource: true,
    scale: false,
    generation: false,
    deleteAnswersObject: false,
    schemaRef: core('Namespace'),
  },
  {
    plural: 'nodes',
    singular: 'node',
    kind: 'Node',
    group: '',
    namespaced: false,
    shortNames: ['no'],
    statusSubresource: true,
    scale: false,
    generation: false,
    deleteAnswersObject: false,
    schemaRef: core('Node'),
  },
  {
    plural: 'pods',
    singular: 'pod',
    kind: 'Pod',
    group: '',
    namespaced: true,
    shortNames: ['po'],
    statusSubresource: true,
    scale: false,
    generation: false,
    deleteAnswersObject: true,
    schemaRef: core('Pod'),
  },
  {
    plural: 'events',
    singular: 'event',
    kind: 'Event',
    group: '',
    namespaced: true,
    shortNames: ['ev'],
    statusSubresource: false,
    scale: false,
    generation: false,
    deleteAnswersObject: false,
    schemaRef: core('Event'),
  },
  {
    plural: 'secrets',
    singular: 'secret',
    kind: 'Secret',
    group: '',
    namespaced: true,
    statusSubresource: false,
    scale: false,
    generation: false,
    deleteAnswersObject: false,
    schemaRef: core('Secret'),
  },
  {
    plural: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    group: '',
    namespaced: true,
    shortNames: ['cm'],
    statusSubresource: false,
    scale: false,
    generation: false,
    deleteAnswersObject: false,
    schemaRef: core('ConfigMap'),
  },
  {
    plural: 'services',
    singular: 'service',
    kind: 'Service',
    group: '',
    namespaced: true,
    shortNames: ['svc'],
    statusSubresource: true,
    scale: false,
    generation: false,
    deleteAnswersObject: true,
    schemaRef: core('Service'),
  },
  {
    plural: 'deployments',
    singular: 'deployment',
    kind: 'Deployment',
    group: 'apps',
    namespaced: true,
    shortNames: ['deploy'],
    statusSubresource: true,
    scale: true,
    generation: true,
    deleteAnswersObject: false,
    schemaRef: apps('Deployment'),
  },
  {
    plural: 'statefulsets',
    singular: 'statefulset',
    kind: 'StatefulSet',
    group: 'apps',
    namespaced: true,
    shortNames: ['sts'],
    statusSubresource: true,
    scale: true,
    generation: true,
    deleteAnswersObject: false,
    schemaRef: apps('StatefulSet'),
  },
  {
    plural: 'daemonsets',
    singular: 'daemonset',
    kind: 'DaemonSet',
    group: 'apps',
    namespaced: true,
    shortNames: ['ds'],
    statusSubresource: true,
    scale: false,
    generation: true,
    deleteAnswersObject: false,
    schemaRef: apps('DaemonSet'),
  },
  {
    plural: 'replicasets',
    singular: 'replicaset',
    kind: 'ReplicaSet',
    group: 'apps',
    namespaced: true,
    shortNames: ['rs'],
    statusSubresource: true,
    scale: true,
    generation: true,
    deleteAnswersObject: false,
    schemaRef: apps('ReplicaSet'),
  },
];

export function resourceType(plural: string): ResourceType {
  const found = RESOURCES.find((resource) => resource.plural === plural);
  if (!found) throw new Error(`unknown resource ${plural}`);
  return found;
}

export function apiVersionOf(resource: ResourceType): string {
  return resource.group === '' ? 'v1' : `${resource.group}/v1`;
}

/** `deployments.apps` / `pods`: how the API server names a resource in messages. */
export function qualifiedName(resource: ResourceType): string {
  return resource.group === '' ? resource.plural : `${resource.plural}.${resource.group}`;
}

export const DEFAULT_KUBE_TOKEN = 'sim-kube-token';
export const DEFAULT_KUBE_VIEWER_TOKEN = 'sim-kube-viewer-token';
export const DEFAULT_KUBE_VERSION = 'v1.35.0';

/** RFC 3339 in seconds, as object timestamps are serialised. */
export function timestamp(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 3339 with nanoseconds, as the kubelet stamps log lines. */
export function nanoTimestamp(ms: number = Date.now()): string {
  return new Date(ms)
    .toISOString()
    .replace(/\.(\d{3})Z$/, (_m, millis: string) => `.${millis}000000Z`);
}

const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** The random suffix Kubernetes appends to generated names (5 characters of its safe alphabet). */
export function randomSuffix(length = 5): string {
  const bytes = randomBytes(length);
  return [...bytes].map((byte) => NAME_ALPHABET[byte % NAME_ALPHABET.length]).join('');
}

export function safeEncode(bytes: Buffer, length: number): string {
  return [...bytes]
    .slice(0, length)
    .map((byte) => NAME_ALPHABET[byte % NAME_ALPHABET.length])
    .join('');
}

export function newUid(): string {
  return randomUUID();
}

export function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export function logKey(namespace: string, pod: string, container: string): string {
  return `${namespace}/${pod}/${container}`;
}

export function deepCopy<T>(value: T): T {
  return structuredClone(value);
}

export function store(state: KubernetesState, plural: string): Map<string, KubeObject> {
  let found = state.objects.get(plural);
  if (!found) {
    found = new Map();
    state.objects.set(plural, found);
  }
  return found;
}

export function getObject<T extends KubeObject = KubeObject>(
  state: KubernetesState,
  plural: string,
  namespace: string | undefined,
  name: string,
): T | undefined {
  return store(state, plural).get(objectKey(namespace, name)) as T | undefined;
}

/** Every stored object of a resource (in one namespace when given), sorted by namespace and name like etcd. */
export function listObjects<T extends KubeObject = KubeObject>(
  state: KubernetesState,
  plural: string,
  namespace?: string,
): T[] {
  return [...store(state, plural).entries()]
    .filter(([, object]) => namespace === undefined || object.metadata.namespace === namespace)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, object]) => object as T);
}

export function nextResourceVersion(state: KubernetesState): string {
  state.resourceVersion += 1;
  return String(state.resourceVersion);
}

/** Stores an object as is, with a new resourceVersion. */
export function putObject(state: KubernetesState, plural: string, object: KubeObject): KubeObject {
  object.metadata.resourceVersion = nextResourceVersion(state);
  store(state, plural).set(objectKey(object.metadata.namespace, object.metadata.name), object);
  return object;
}

export function removeObject(
  state: KubernetesState,
  plural: string,
  namespace: string | undefined,
  name: string,
): KubeObject | undefined {
  const key = objectKey(namespace, name);
  const found = store(state, plural).get(key);
  store(state, plural).delete(key);
  if (found) nextResourceVersion(state);
  return found;
}

export function ownedBy(object: KubeObject, owner: KubeObject): boolean {
  return (object.metadata.ownerReferences ?? []).some(
    (reference) => reference.uid === owner.metadata.uid && reference.controller === true,
  );
}

export function controllerOf(object: KubeObject): OwnerReference | undefined {
  return (object.metadata.ownerReferences ?? []).find((reference) => reference.controller);
}

export function isPodReady(pod: Pod): boolean {
  return (pod.status.conditions ?? []).some(
    (condition) => condition.type === 'Ready' && condition.status === 'True',
  );
}

export interface KubernetesStateOptions {
  /** `demo` (default): the homelab cluster; `empty`: only the system namespaces and no nodes. */
  seed?: 'demo' | 'empty';
  token?: string;
  viewerToken?: string;
  metricsServer?: boolean;
  rolloutDelayMs?: number;
}

/** A state with nothing stored but the given settings; the demo fills it (see demo.ts). */
export function emptyKubernetesState(options: KubernetesStateOptions = {}): KubernetesState {
  const minor = DEFAULT_KUBE_VERSION.split('.')[1] ?? '35';
  return {
    token: options.token ?? DEFAULT_KUBE_TOKEN,
    viewerToken: options.viewerToken ?? DEFAULT_KUBE_VIEWER_TOKEN,
    version: { major: '1', minor, gitVersion: DEFAULT_KUBE_VERSION },
    metricsServer: options.metricsServer ?? true,
    rolloutDelayMs: options.rolloutDelayMs ?? 0,
    resourceVersion: 1000,
    objects: new Map(),
    logs: new Map(),
    usage: new Map(),
    pendingRollouts: new Map(),
    nextPodIp: 10,
  };
}
